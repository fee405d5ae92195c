/**
 * Several workers on one task queue (docs/operations.md "Several workers"): a real dev server, one fresh PostgreSQL
 * database, and TWO worker processes (`node --import tsx worker/main.ts`, as `npm run worker` runs it) started
 * together on an empty database — so they also show that the migrations run once. A burst of commands for several
 * centers (apply, assign experts, three reviews, approve, two funding requests, two grants) runs through the client
 * operations while, part way, one worker process is killed with SIGKILL. Then nothing is lost and nothing is written
 * twice: every command is answered (one that failed in flight is retried with the same command id, and every
 * command sent again answers with its first result), each center's audit rows are exactly its transitions (seq
 * 1..n, each command once), each grant is one ledger row, and `audit reconcile` is clean for every center.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAll } from '../../client/audit';
import { CommandRefusedError, openCall, sendCenterCommand, submitApplication, type OperationsContext } from '../../client/operations';
import { loadConfig } from '../../config';
import { findFreePort, startDevServer, type DevServer } from '../../config/dev-server';
import type { CommandResult } from '../../contract';
import { createKnex } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { migrations } from '../../db/migrations';
import { createRepositories } from '../../db/repositories';
import { MIGRATIONS_TABLE, TableName } from '../../db/tables';
import type { Command } from '../../machines/commands';
import { applicationAsOf, callInfo, cmd, commission, expertActor, experts, promotionRequest, university } from '../helpers/fixtures';
import { postgresEnabled } from '../helpers/postgres';
import { createPostgresDatabase, type PostgresDatabase } from '../helpers/postgres';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const UNIVERSITIES = ['bjut', 'buct', 'bfsu', 'cufe', 'uibe', 'bnu', 'bit', 'ustb'];
const CALL_ID = 'call-workers';
const REQUEST_FEN = 500_000_00;
/** Kill one worker once this many commands have been answered (of 80). */
const KILL_AFTER = 28;

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(name: string, env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, child, output: () => out, exited };
}

describe.runIf(postgresEnabled())('several workers on one task queue, one killed mid-burst', () => {
  let server: DevServer;
  let pgdb: PostgresDatabase;
  let knex: Knex;
  let connection: Connection;
  let ops: OperationsContext;
  let dir: string;
  let deliveryLog: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    const cfg = loadConfig({ env: {} });
    server = await startDevServer(cfg, { dbFilename: null, port: await findFreePort(), headless: true, timeoutMs: 120_000 });
    pgdb = await createPostgresDatabase({ migrated: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-workers-'));
    deliveryLog = path.join(dir, 'notifications.jsonl');
    const taskQueue = `centers-workers-${Math.random().toString(36).slice(2, 8)}`;
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_')));
    Object.assign(env, {
      CENTERS_TEMPORAL_ADDRESS: server.address,
      CENTERS_TEMPORAL_NAMESPACE: 'default',
      CENTERS_TEMPORAL_TASK_QUEUE: taskQueue,
      CENTERS_DATABASE_CLIENT: 'pg',
      CENTERS_DATABASE_FILENAME: 'null',
      CENTERS_DATABASE_CONNECTION: pgdb.url,
      CENTERS_NOTIFICATIONS_DELIVERY_LOG: deliveryLog,
    });
    // Both at once, on an empty database: each migrates at start.
    workers.push(startWorker('worker-a', env), startWorker('worker-b', env));
    for (const w of workers) {
      await until(
        `${w.name} to poll`,
        () => {
          if (w.child.exitCode !== null) throw new Error(`${w.name} exited (${w.child.exitCode}):\n${w.output()}`);
          return w.output().includes('Worker polling task queue') ? true : undefined;
        },
        150_000,
      );
    }
    knex = createKnex({ client: 'pg', filename: null, connection: pgdb.url });
    connection = await Connection.connect({ address: server.address });
    ops = { client: new Client({ connection, namespace: 'default' }), taskQueue, policy: cfg.policy };
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    await connection?.close();
    await knex?.destroy();
    await server?.stop();
    await pgdb?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('migrates once, answers every command once, writes every row once, and reconciles clean', async () => {
    // ── migrations ran once: one process applied them all, the other found nothing left ─────────────────────────
    const applied = workers.map((w) => /Applied migrations: (.*)/.exec(w.output())?.[1]?.split(', ') ?? []);
    expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
    expect(applied.flat()).toEqual(migrations.map((m) => m.name));
    const migrationRows: { name: string }[] = await knex(MIGRATIONS_TABLE).select('name');
    expect(migrationRows.map((r) => r.name).sort()).toEqual(migrations.map((m) => m.name).sort());
    expect(await migrateLatest({ database: { client: 'pg', filename: null, connection: pgdb.url } }, { log: () => undefined })).toEqual({ applied: [] });

    // ── the burst ───────────────────────────────────────────────────────────────────────────────────────────────
    await openCall(ops, callInfo(Date.now(), { callId: CALL_ID, quota: UNIVERSITIES.length }), commission);
    const answered = new Map<string, CommandResult>();
    const retried = new Map<string, number>();
    const inFlight = new Set<string>();
    const sent: { universityId: string; command: Command }[] = [];
    let inFlightAtKill = -1;
    const [victim, survivor] = workers;

    /** Sends one command until it is answered: a failure in flight (not a refusal) is retried with the same command id. */
    async function send(universityId: string, command: Command): Promise<CommandResult> {
      sent.push({ universityId, command });
      inFlight.add(command.commandId);
      const deadline = Date.now() + 90_000;
      for (;;) {
        try {
          const result = command.type === 'SUBMIT_APPLICATION' ? await submitApplication(ops, command) : await sendCenterCommand(ops, universityId, command);
          inFlight.delete(command.commandId);
          answered.set(command.commandId, result);
          if (answered.size === KILL_AFTER) {
            inFlightAtKill = inFlight.size;
            victim.child.kill('SIGKILL');
          }
          return result;
        } catch (err) {
          if (err instanceof CommandRefusedError) throw new Error(`${universityId} ${command.type} refused: ${err.message}`);
          if (Date.now() > deadline) throw err;
          retried.set(command.commandId, (retried.get(command.commandId) ?? 0) + 1);
        }
      }
    }

    const lifecycle = async (universityId: string): Promise<void> => {
      const uni = university(universityId);
      await send(universityId, cmd('SUBMIT_APPLICATION', uni, { callId: CALL_ID, application: applicationAsOf(universityId, Date.now()) }));
      const panel = experts('pku');
      await send(universityId, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      await Promise.all(panel.map((e) => send(universityId, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 88, recommendation: 'approve', opinion: 'Meets Art. 8' } }))));
      expect((await send(universityId, cmd('APPROVE', commission, {}))).state).toBe('building.running');
      await Promise.all([1, 2].map(() => send(universityId, cmd('REQUEST_FUNDING', uni, { request: promotionRequest(REQUEST_FEN) }))));
      await Promise.all(
        ['c1-y1-f1', 'c1-y1-f2'].map((requestId, i) =>
          send(universityId, cmd('GRANT_FUNDING', commission, { requestId, amountFen: REQUEST_FEN - i * 100_00, ...(i ? { reason: 'Budget line trimmed' } : {}) })),
        ),
      );
    };
    await Promise.all(UNIVERSITIES.map(lifecycle));

    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(survivor.child.exitCode).toBeNull();
    expect(answered.size).toBe(sent.length);
    expect(sent).toHaveLength(UNIVERSITIES.length * 10);

    // ── every command sent again (same command id) answers with its first result, and writes nothing ───────────
    const auditBefore = Number((await knex(TableName.AuditLog).count({ n: '*' }))[0].n);
    for (const { universityId, command } of sent) {
      const again = command.type === 'SUBMIT_APPLICATION' ? await submitApplication(ops, command) : await sendCenterCommand(ops, universityId, command);
      const first = answered.get(command.commandId)!;
      expect({ commandId: again.commandId, type: again.type, seq: again.seq, state: again.state, at: again.at }).toEqual({
        commandId: first.commandId,
        type: first.type,
        seq: first.seq,
        state: first.state,
        at: first.at,
      });
    }
    expect(Number((await knex(TableName.AuditLog).count({ n: '*' }))[0].n)).toBe(auditBefore);

    // ── the database: audit rows are exactly the transitions; one ledger row per grant ──────────────────────────
    const repos = createRepositories(knex);
    let auditRows = 0;
    let ledgerRows = 0;
    for (const universityId of UNIVERSITIES) {
      const centerId = `${universityId}.${CALL_ID}`;
      const audit = await repos.auditLog(centerId);
      auditRows += audit.length;
      expect(audit.map((a) => a.seq)).toEqual(audit.map((_, i) => i + 1));
      const commands = sent.filter((s) => s.universityId === universityId).map((s) => s.command);
      const byCommand = audit.filter((a) => a.commandId !== null);
      expect(byCommand.map((a) => a.commandId).sort()).toEqual(commands.map((c) => c.commandId).sort());
      for (const c of commands) expect(audit.find((a) => a.commandId === c.commandId)?.seq).toBe(answered.get(c.commandId)!.seq);

      const ledger = await repos.ledger(centerId);
      ledgerRows += ledger.length;
      expect(ledger.map((l) => [l.requestId, l.amountFen]).sort()).toEqual([
        ['c1-y1-f1', REQUEST_FEN],
        ['c1-y1-f2', REQUEST_FEN - 100_00],
      ]);
      const requests = await repos.fundingRequests(centerId);
      expect(requests.map((r) => r.status)).toEqual(['granted', 'granted']);
    }
    const [{ n: ledgerTotal }] = await knex(TableName.FundingLedger).count({ n: '*' });
    expect(Number(ledgerTotal)).toBe(UNIVERSITIES.length * 2);
    expect(ledgerRows).toBe(UNIVERSITIES.length * 2);

    // ── the call counted each approval once ────────────────────────────────────────────────────────────────────
    // The call answers a slot at once and writes its row in order behind the answer (workflows/call.ts): a row whose
    // attempt died with the killed worker is written when that attempt times out and runs again on the survivor.
    const slotRows = () => knex(TableName.CallEvents).where({ callId: CALL_ID, kind: 'slotReserved' }) as Promise<{ centerId?: string }[]>;
    await until('every slot row to be written', async () => ((await slotRows()).length >= UNIVERSITIES.length ? true : undefined), 90_000);
    expect(await slotRows()).toHaveLength(UNIVERSITIES.length);

    // ── audit reconcile: the histories (across the kill) against the rows ──────────────────────────────────────
    const reconciliations = await reconcileAll(ops.client, repos);
    expect(reconciliations.map((r) => r.centerId).sort()).toEqual(UNIVERSITIES.map((u) => `${u}.${CALL_ID}`).sort());
    expect(reconciliations.filter((r) => !r.clean)).toEqual([]);
    expect(reconciliations.reduce((sum, r) => sum + r.matched, 0)).toBe(auditRows);

    // ── the outbox's delivery log, shared by both workers, has each notice once (if any was due) ────────────────
    const delivered = fs.existsSync(deliveryLog) ? fs.readFileSync(deliveryLog, 'utf8').split('\n').filter(Boolean) : [];
    const keys = delivered.map((l) => (JSON.parse(l) as { idempotencyKey: string }).idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);

    // The survivor still runs and stops cleanly.
    survivor.child.kill('SIGTERM');
    expect(await until('the survivor to stop', async () => (survivor.child.exitCode !== null ? survivor.child.exitCode : undefined), 30_000)).toBe(0);

    console.log(
      `[two-workers] ${sent.length} commands for ${UNIVERSITIES.length} centers (${inFlightAtKill} in flight at the kill, ${retried.size} retried), ` +
        `${auditRows} audit rows, ${ledgerRows} ledger rows, ${reconciliations.length} centers reconciled clean`,
    );
  }, 240_000);
});
