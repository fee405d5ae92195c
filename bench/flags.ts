/** The benchmark's flags (bench/run.ts). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLANS, type Plan } from './operators';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const USAGE = `npm run bench [-- flags]   (tsx bench/run.ts)

Flags: --centers N (200)  --concurrency C (32)  --year-ms MS (N × 150, at least 4000)  --address host:port
       --out FILE (bench/results.json)  --per-call K (20 centers per call)  --sample S (20 histories)
       --timeout-min M (60)  --spread-ms MS (a year: the calls open one after the other over this time; 0 = all
       at once)  --plan P (every center follows plan P instead of the mix, to try one path)
       --via-api (the operators go through the HTTP API, started in the bench process with a user and token per
       actor; reports the API's added latency per command: round trip − the Temporal call, under \`api\`)
       --database sqlite|pg (sqlite: a fresh SQLite file; pg: a throwaway embedded PostgreSQL server, as the tests
       use, started and removed by the run)  --workers N (1: lifecycle worker processes on the same task queue;
       their CPU and activity figures are summed)

A year must be long enough for the operators to do every center's yearly work (funding, summary) before the
year ends; otherwise years slip (funding skipped, summaries overdue) and a center does less work than a real
one. The default grows with N for that reason; the results report the slip (\`work\`). The calls open one after
the other over the first year, as a commission's calls do, so that not every center's year ends at once.`;

export interface Flags {
  centers: number;
  concurrency: number;
  /** 0 until parsed: then the flag, or the default for N. */
  yearMs: number;
  address: string | null;
  out: string;
  perCall: number;
  sample: number;
  timeoutMin: number;
  /** -1 until parsed: then the flag, or a year. */
  spreadMs: number;
  plan?: Plan;
  /** The operators' commands and reads go through the HTTP API (api/), and its added latency is reported. */
  viaApi: boolean;
  /** The project's database for the lifecycle: a fresh SQLite file, or a throwaway embedded PostgreSQL server. */
  database: 'sqlite' | 'pg';
  /** Lifecycle worker processes on the same task queue. */
  workers: number;
}

export function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    centers: 200,
    concurrency: 32,
    yearMs: 0,
    address: null,
    out: path.join(repoRoot, 'bench/results.json'),
    perCall: 20,
    sample: 20,
    timeoutMin: 60,
    spreadMs: -1,
    viaApi: false,
    database: 'sqlite',
    workers: 1,
  };
  const ints: Record<string, keyof Flags> = {
    '--centers': 'centers',
    '--concurrency': 'concurrency',
    '--year-ms': 'yearMs',
    '--per-call': 'perCall',
    '--sample': 'sample',
    '--timeout-min': 'timeoutMin',
    '--workers': 'workers',
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (name === '--help' || name === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (name === '--via-api') {
      if (inline !== undefined) throw new Error('--via-api takes no value');
      flags.viaApi = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name in ints) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
      (flags as unknown as Record<string, number>)[ints[name]] = n;
    } else if (name === '--address') {
      if (!/^[^:\s]+:\d+$/.test(value)) throw new Error(`--address must be host:port, not "${value}"`);
      flags.address = value;
    } else if (name === '--spread-ms') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--spread-ms must be a whole number of ms, not "${value}"`);
      flags.spreadMs = n;
    } else if (name === '--database') {
      if (value !== 'sqlite' && value !== 'pg') throw new Error(`--database is sqlite or pg, not "${value}"`);
      flags.database = value;
    } else if (name === '--out') {
      flags.out = path.resolve(value);
    } else if (name === '--plan') {
      if (!(PLANS as readonly string[]).includes(value)) throw new Error(`--plan is one of ${PLANS.join(', ')}`);
      flags.plan = value as Plan;
    } else {
      throw new Error(`unknown flag ${name} (see --help)`);
    }
  }
  flags.yearMs ||= Math.max(MIN_YEAR_MS, flags.centers * YEAR_MS_PER_CENTER);
  if (flags.spreadMs < 0) flags.spreadMs = flags.yearMs;
  if (flags.perCall > 1000) throw new Error('--per-call is at most 1000 (a call\'s quota, Art. 9)');
  return flags;
}

/**
 * Calibrated on a 2-core machine: a center's year (funding request and grant, summary and acceptance, three
 * deadlines, the operators' queries) costs about 100 ms of the machine; 150 ms leaves room for the bursts.
 */
const YEAR_MS_PER_CENTER = 150;
const MIN_YEAR_MS = 4000;

