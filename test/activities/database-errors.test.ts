/**
 * A database that refuses a statement (here: SQLite locked by another connection) fails the activity with a
 * retryable, typed error that names the statement's kind, its table and the driver's code — never the statement
 * with its values, which would put documents and names into logs and the workflow history.
 */
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, PersistErrorType } from '../../activities';
import { columnNameMapping } from '../../db/knex';
import { removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';
import { commission } from '../helpers/fixtures';

let db: TempDatabase;
beforeAll(async () => {
  db = await tempDatabase('centers-dberr-');
});
afterAll(() => removeTempDatabase(db));

describe('database errors (SQLITE_BUSY)', () => {
  it('are retryable DatabaseUnavailable failures without the statement\u2019s values', async () => {
    // The activities' connection gives up at once when the file is locked (busy_timeout 0).
    const impatient = knexFactory({ client: 'sqlite3', connection: { filename: db.filename }, useNullAsDefault: true, ...columnNameMapping, pool: { min: 1, max: 1, afterCreate: (c: { exec(sql: string, cb: (e: Error | null) => void): void }, done: (e: Error | null, c: unknown) => void) => c.exec('PRAGMA busy_timeout = 0;', (e) => done(e, c)) } });
    const activities = createActivities({ knex: impatient });
    const holder = await db.knex.transaction();
    try {
      // Another connection holds the write lock.
      await holder.raw('create table lock_holder (x integer)');
      const secret = 'A very confidential call title 秘密';
      const failure = await activities
        .persistCallEvent({
          callId: 'call-secret',
          seq: 1,
          kind: 'opened',
          actor: commission,
          commandId: 'cmd-secret-1',
          reason: null,
          at: '2026-12-02T00:00:00.000Z',
          call: { callId: 'call-secret', title: secret, opensAt: '2026-12-01T00:00:00.000Z', closesAt: '2027-06-30T00:00:00.000Z', quota: 2, approvedCount: 0, closedEarlyAt: null, status: 'open' },
        } as never)
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      const f = failure as ApplicationFailure;
      expect(f.type).toBe(PersistErrorType.DatabaseUnavailable);
      expect(f.nonRetryable).toBe(false);
      expect(f.message).toMatch(/^database (insert|select|update) on \w+ failed: SQLITE_BUSY/);
      expect(f.message).not.toContain(secret);
      expect(f.message).not.toContain('cmd-secret-1');
    } finally {
      await holder.rollback();
      await impatient.destroy();
    }
  });
});
