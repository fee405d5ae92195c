/**
 * `npm start`: everything on one machine, nothing to install beyond `npm install`. This process is a small
 * supervisor of two children, neither of which dies with the other:
 *   1. load and validate the configuration (temporal.config.json + CENTERS_* environment variables);
 *   2. unless temporal.address is set, start the local Temporal dev server (its own process group, a watchdog that
 *      stops it if this process is SIGKILLed, its pid in <devServer.dbFilename>.pid so that a next start finds one
 *      left running), persisting to devServer.dbFilename, with the Web UI;
 *   3. bring the database schema up to date;
 *   4. run the worker and the HTTP API (api/, on api.host:api.port) in a child process (worker/serve.ts), restarted
 *      with backoff whenever it exits unexpectedly (a crash, kill -9): the dev server keeps running meanwhile;
 *   5. on Ctrl-C (SIGINT), SIGTERM or SIGHUP: the child drains (the API, then the worker), then the dev server stops
 *      (SIGTERM: it closes its database file), exit 0. A second Ctrl-C forces (SIGKILL to both, exit 130); a repeat
 *      of the signal within SAME_SIGNAL_MS of the first is the same Ctrl-C delivered twice (npm forwards the
 *      terminal's SIGINT to the script it runs, which got it from the terminal already), not a second one.
 * Running it again reuses the same files (data/temporal.db, data/centers.sqlite): workflows carry on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configFilePath, loadConfigForProcess, type AppConfig } from '../config';
import { temporalCliPath } from '../config/binaries';
import { fileURLToPath } from 'node:url';
import { devServerPidFile, startDevServer, type DevServer } from '../config/dev-server';
import { describeTemporalSecurity, temporalCliFlags } from '../config/temporal-connection';
import { migrateLatest } from '../db/migrate';
import { superviseChild, type SupervisedChild } from './supervisor';

const log = (s: string) => console.log(s);

/** A repeat of the first stop signal within this long is the same Ctrl-C (delivered twice), not a second one. */
const SAME_SIGNAL_MS = 1_500;

const SERVE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serve.ts');

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
}

function maskConnection(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

function databaseLabel(cfg: AppConfig): string {
  if (cfg.database.client === 'pg') return `PostgreSQL ${maskConnection(cfg.database.connection ?? '')}`;
  return cfg.database.filename === ':memory:' ? 'SQLite in memory' : `SQLite ${rel(cfg.database.filename!)}`;
}

function banner(cfg: AppConfig, address: string, server: DevServer | null, apiUrl: string): string {
  let cli: string;
  try {
    cli = rel(temporalCliPath());
  } catch {
    cli = 'temporal';
  }
  // The API key itself is never printed: the command refers to TEMPORAL_API_KEY, which the operator sets.
  const conn = temporalCliFlags(cfg, address, rel);
  const lines = [
    '',
    'Technology transfer centers: worker running',
    `  Temporal address : ${address}${server ? ' (local dev server)' : ''}`,
    `  Namespace        : ${cfg.temporal.namespace}`,
    `  Connection       : ${server ? 'plaintext (local dev server)' : describeTemporalSecurity(cfg, rel)}`,
    `  Web UI           : ${server ? (server.uiUrl ?? 'off (devServer.headless)') : 'see your Temporal cluster'}`,
    `  Temporal state   : ${server ? (cfg.devServer.dbFilename ? rel(cfg.devServer.dbFilename) : 'in memory (lost on exit)') : 'on the cluster'}`,
    `  Database         : ${databaseLabel(cfg)}`,
    `  Task queue       : ${cfg.temporal.taskQueue}`,
    `  Web console      : ${apiUrl}/  (中文 by default; English in its menu)`,
    `  HTTP API         : ${apiUrl}  (OpenAPI ${apiUrl}/openapi.json, docs ${apiUrl}/docs)`,
    '',
    'In another terminal (the CLI goes through the API with your token):',
    '  npx centers users add --role commission --name "…" --admin   # the first user; prints its token once',
    '  export CENTERS_TOKEN=ctc_…',
    '  npx centers --help',
    '  npx centers call open --file examples/call.json',
    `  ${cli} workflow list ${conn.join(' ')}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  // A closed terminal must not turn the shutdown into a crash.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const cfg = loadConfigForProcess();
  if (!cfg) return 2;
  log(`Configuration: ${rel(configFilePath())}${fs.existsSync(configFilePath()) ? '' : ' (not found: built-in defaults)'}`);

  const controller = new AbortController();
  let server: DevServer | null = null;
  let starting = false;
  let worker: SupervisedChild | null = null;
  let stoppingServer = false;
  let firstSignalAt: number | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === null) {
      firstSignalAt = now;
      log(`\n${sig}: stopping the worker${server || starting ? ', then the Temporal dev server' : ''} (Ctrl-C again to force)…`);
      controller.abort();
    } else if (now - firstSignalAt >= SAME_SIGNAL_MS) {
      log('Forced exit.');
      worker?.kill();
      // The dev server is killed by its exit hook (config/dev-server.ts).
      process.exit(130);
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  const stopRequested = new Promise<'signal'>((resolve) => controller.signal.addEventListener('abort', () => resolve('signal'), { once: true }));

  try {
    let address: string;
    if (cfg.temporal.address) {
      address = cfg.temporal.address;
      log(`Using the Temporal server at ${address} (temporal.address); no local dev server.`);
    } else {
      starting = true;
      server = await startDevServer(cfg, { log, signal: controller.signal, pidFile: devServerPidFile(cfg) });
      starting = false;
      address = server.address;
    }
    if (controller.signal.aborted) return 0;

    if (cfg.database.client === 'sqlite3' && cfg.database.filename && cfg.database.filename !== ':memory:') {
      fs.mkdirSync(path.dirname(cfg.database.filename), { recursive: true });
    }
    const { applied } = await migrateLatest(cfg);
    log(applied.length ? `Database migrations applied: ${applied.join(', ')}` : 'Database schema up to date.');
    if (controller.signal.aborted) return 0;

    const running = server;
    worker = superviseChild({
      name: 'Worker process',
      command: process.execPath,
      args: [...process.execArgv, SERVE_SCRIPT, '--address', address],
      log,
      onReady: (m, restarts) => {
        if (restarts === 0) log(banner(cfg, address, running, String(m.apiUrl)));
        else log(`Worker process ready again (pid ${String(m.pid)}, HTTP API ${String(m.apiUrl)}).`);
      },
    });
    const serverGone = server
      ? server.exited.then(({ code, signal }) => {
          if (stoppingServer) return 'server-exited' as const;
          log(`The Temporal dev server exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); stopping.`);
          return 'server-exited' as const;
        })
      : new Promise<never>(() => {});
    const outcome = await Promise.race([
      stopRequested,
      serverGone,
      worker.firstReady.then(
        () => new Promise<never>(() => {}), // ready: run until a signal
        () => 'worker-failed' as const,
      ),
    ]);
    await worker.stop();
    return outcome === 'signal' ? 0 : 1;
  } catch (e) {
    if (controller.signal.aborted && starting) return 0; // Ctrl-C during the dev server's start-up
    console.error(`\nError: ${e instanceof Error ? e.message : String(e)}`);
    if (cfg.temporal.address) {
      console.error(`Is the Temporal server at ${cfg.temporal.address} reachable? Unset temporal.address (CENTERS_TEMPORAL_ADDRESS) to start a local one.`);
    }
    await worker?.stop();
    return 1;
  } finally {
    if (server) {
      stoppingServer = true;
      log('Stopping the Temporal dev server…');
      await server.stop();
      log(`Temporal dev server stopped${cfg.devServer.dbFilename ? `; state kept in ${rel(cfg.devServer.dbFilename)}` : ''}.`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
