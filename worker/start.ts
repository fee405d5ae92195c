/**
 * `npm start`: everything on one machine, nothing to install beyond `npm install`.
 *   1. load and validate the configuration (temporal.config.json + CENTERS_* environment variables);
 *   2. unless temporal.address is set, start the local Temporal dev server, persisting to devServer.dbFilename,
 *      with the Web UI;
 *   3. bring the database schema up to date;
 *   4. start the HTTP API (api/, on api.host:api.port) and run the worker until Ctrl-C (SIGINT/SIGTERM): the worker
 *      stops first, then the API, then the dev server.
 * Running it again reuses the same files (data/temporal.db, data/centers.sqlite): workflows carry on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, configFilePath, loadConfig, type AppConfig } from '../config';
import { temporalCliPath } from '../config/binaries';
import { startDevServer, type DevServer } from '../config/dev-server';
import { describeTemporalSecurity, temporalCliFlags } from '../config/temporal-connection';
import { migrateLatest } from '../db/migrate';
import { runWorker } from './run';
import { startApi, type RunningApi } from '../api/server';

const log = (s: string) => console.log(s);

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

function banner(cfg: AppConfig, address: string, server: DevServer | null, api: RunningApi): string {
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
    `  HTTP API         : ${api.url}  (OpenAPI ${api.url}/openapi.json, docs ${api.url}/docs)`,
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
  let cfg: AppConfig;
  try {
    cfg = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
  log(`Configuration: ${rel(configFilePath())}${fs.existsSync(configFilePath()) ? '' : ' (not found: built-in defaults)'}`);

  const controller = new AbortController();
  let server: DevServer | null = null;
  let starting = false;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log(`\n${sig}: stopping the worker${server || starting ? ', then the Temporal dev server' : ''} (Ctrl-C again to force)…`);
      controller.abort();
    } else {
      log('Forced exit.');
      // The dev server is killed by its exit hook (config/dev-server.ts).
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    let address: string;
    if (cfg.temporal.address) {
      address = cfg.temporal.address;
      log(`Using the Temporal server at ${address} (temporal.address); no local dev server.`);
    } else {
      starting = true;
      server = await startDevServer(cfg, { log, signal: controller.signal });
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

    const api = await startApi(cfg, { address });
    try {
      log(banner(cfg, address, server, api));
      await runWorker(cfg, { address, signal: controller.signal, log });
    } finally {
      await api.close();
      log('HTTP API stopped.');
    }
    return 0;
  } catch (e) {
    if (controller.signal.aborted && starting) return 0; // Ctrl-C during the dev server's start-up
    console.error(`\nError: ${e instanceof Error ? e.message : String(e)}`);
    if (cfg.temporal.address) {
      console.error(`Is the Temporal server at ${cfg.temporal.address} reachable? Unset temporal.address (CENTERS_TEMPORAL_ADDRESS) to start a local one.`);
    }
    return 1;
  } finally {
    if (server) {
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
