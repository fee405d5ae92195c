/**
 * The `centers` CLI run in this process (client/cli.ts `main`), against a time-skipping harness: the settings that
 * point it at the harness's server, task queue and database, and a runner that collects what it prints.
 */
import { main, type Io } from '../../client/cli';
import type { Harness } from './temporal';

export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI's environment for a harness: its server, namespace, task queue and SQLite file, on the operators' direct path. */
export function harnessCliEnv(h: Harness, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    // No setting of the developer's own shell (CENTERS_*) leaks into the test's CLI.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_'))),
    CENTERS_TEMPORAL_ADDRESS: h.env.address,
    CENTERS_TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
    CENTERS_TEMPORAL_TASK_QUEUE: h.taskQueue,
    CENTERS_DATABASE_FILENAME: h.db.filename,
    CENTERS_API_URL: 'off',
    ...extra,
  };
}

/** Runs `centers <argv>` in this process with `env`; its exit code and what it printed, a line per write. */
export async function runCentersCli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<CliOutput> {
  let [stdout, stderr] = ['', ''];
  const io: Io = { stdout: (t) => void (stdout += `${t}\n`), stderr: (t) => void (stderr += `${t}\n`), env };
  return { code: await main(argv, io), stdout, stderr };
}
