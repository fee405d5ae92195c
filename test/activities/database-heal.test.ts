/**
 * Issue 13: a worker recovers from a read-only spell of its SQLite file without a restart. During the spell the
 * activities fail with the retryable DatabaseUnavailable; once the file is writable again, the same activities
 * instance (the same knex, the same pool) writes again.
 *
 * Read-only for real, as any user: as root (CI) chmod stops nothing, so the file is made immutable (chattr +i, which
 * root obeys too); as another user, chmod 0444.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, PersistErrorType } from '../../activities';
import { probeWritable } from '../../db/knex';
import pg from 'pg';
import { removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';
import { postgresEnabled, postgresServer } from '../helpers/postgres';
import { commission } from '../helpers/fixtures';

let db: TempDatabase;
beforeAll(async () => {
  db = await tempDatabase('centers-heal-');
});
afterAll(async () => {
  writable(true);
  await db?.knex.destroy();
  await removeTempDatabase(db);
});

const isRoot = process.getuid?.() === 0;
function writable(yes: boolean): void {
  if (!db?.filename) return;
  if (isRoot) execFileSync('chattr', [yes ? '-i' : '+i', db.filename]);
  else fs.chmodSync(db.filename, yes ? 0o644 : 0o444);
}

const event = (seq: number) =>
  ({
    callId: 'call-heal',
    seq,
    kind: seq === 1 ? 'opened' : 'quotaRaised',
    actor: commission,
    commandId: `cmd-heal-${seq}`,
    reason: seq === 1 ? null : 'more room',
    at: `2026-12-02T00:00:0${seq}.000Z`,
    call: { callId: 'call-heal', title: 'Heal', opensAt: '2026-12-01T00:00:00.000Z', closesAt: '2027-06-30T00:00:00.000Z', quota: 1 + seq, approvedCount: 0, closedEarlyAt: null, status: 'open' },
  }) as never;

describe('a read-only spell of the SQLite file', () => {
  it('fails the activities retryably, then the same instance writes again without a restart', async () => {
    const activities = createActivities({ knex: db.knex });
    await activities.persistCallEvent(event(1));

    // The file goes read-only; the pool's connection is closed meanwhile (idle, a worker's restart of its pool), so
    // the next one is opened during the spell — the case that used to stay read-only for good.
    writable(false);
    await db.knex.client.pool.destroy();
    db.knex.client.pool = undefined;
    db.knex.client.initializePool(db.knex.client.config);

    // The health check (the API's /readyz) says so: the file still answers reads, not writes.
    await expect(probeWritable(db.knex)).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    const failure = await activities.persistCallEvent(event(2)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: PersistErrorType.DatabaseUnavailable, nonRetryable: false });
    expect((failure as Error).message).toMatch(/SQLITE_(READONLY|CANTOPEN|IOERR)/);

    writable(true);
    await probeWritable(db.knex);
    // The activity's retry, on the same knex: written now.
    expect(await activities.persistCallEvent(event(2))).toEqual({ written: true });
    const rows = (await db.knex('call_events').where({ callId: 'call-heal' }).orderBy('seq')) as { kind: string }[];
    expect(rows.map((r) => r.kind)).toEqual(['opened', 'quotaRaised']);
  });

  it('a locked spell (another connection holds BEGIN EXCLUSIVE) is not ready, and ready once it ends', async () => {
    const holder = await db.knex.client.acquireRawConnection();
    const run = (sql: string) => new Promise<void>((resolve, reject) => holder.exec(sql, (err: Error | null) => (err ? reject(err) : resolve())));
    await run('BEGIN EXCLUSIVE');
    try {
      await expect(probeWritable(db.knex)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      await run('ROLLBACK');
      await db.knex.client.destroyRawConnection(holder);
    }
    await probeWritable(db.knex);
  }, 30_000);
});

describe.skipIf(!postgresEnabled())('PostgreSQL ending every connection (what a server restart does to its clients)', () => {
  it('the same activities instance writes again: the pool drops the dead clients', async () => {
    const pgDb = await tempDatabase('centers-heal-pg-', 'pg');
    try {
      const activities = createActivities({ knex: pgDb.knex });
      await activities.persistCallEvent(event(1));
      // Several idle clients in the pool, then the server ends each of their backends (FATAL 57P01, as on a restart).
      await Promise.all(Array.from({ length: 4 }, () => pgDb.knex.raw('select pg_sleep(0.05)')));
      const admin = new pg.Client({ connectionString: await postgresServer() });
      await admin.connect();
      try {
        const ended = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [new URL(pgDb.database.connection!).pathname.slice(1)]);
        expect(ended.rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // The server's FATAL reaches each idle client a moment after pg_terminate_backend returns, so a client taken in
      // that moment fails its one query (an activity's retry covers it). Once told, the pool drops those clients and
      // the probe and the next write use new ones — with no restart of this process.
      await expect
        .poll(() => probeWritable(pgDb.knex).then(() => 'writable', (err: Error) => err.message), { timeout: 10_000, interval: 100 })
        .toBe('writable');
      expect(await activities.persistCallEvent(event(2))).toEqual({ written: true });
    } finally {
      await pgDb.knex.destroy();
      await removeTempDatabase(pgDb);
    }
  }, 60_000);
});
