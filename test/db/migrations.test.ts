import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex, type DatabaseConfig } from '../../db/knex';
import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../db/migrate';
import { migrations } from '../../db/migrations';
import { MIGRATIONS_TABLE, TableName } from '../../db/tables';
import { DIALECTS } from '../helpers/database';
import { createPostgresDatabase, type PostgresDatabase } from '../helpers/postgres';

const TABLES = Object.values(TableName);
const ALL = migrations.map((m) => m.name);

/** The constraint a statement broke, as each dialect words it (SQLite: "UNIQUE constraint failed"; PostgreSQL: "violates unique constraint"). */
const UNIQUE = /unique constraint/i;
const FOREIGN_KEY = /foreign key/i;
const CHECK = /check constraint/i;

// Every migration, up and down, on SQLite and on PostgreSQL: one fresh, empty database per dialect for this file.
describe.each(DIALECTS)('%s', (dialect) => {
let dir: string;
let pgDatabase: PostgresDatabase | undefined;
let database: DatabaseConfig;

beforeAll(async () => {
  if (dialect === 'pg') {
    pgDatabase = await createPostgresDatabase({ migrated: false });
    database = { client: 'pg', filename: null, connection: pgDatabase.url };
    return;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-migrations-'));
  database = { client: 'sqlite3', filename: path.join(dir, 'nested', 'centers.sqlite'), connection: null };
});
afterAll(async () => {
  if (pgDatabase) await pgDatabase.drop();
  else fs.rmSync(dir, { recursive: true, force: true });
});

/** The tables that remain once every migration from `name` on is undone. */
const tablesBefore = (name: string): string[] => {
  const dropped = from(name).flatMap((m) => CREATES[m] ?? []);
  return TABLES.filter((t) => !dropped.includes(t)).sort();
};
/** Every migration from `name` to the newest, in order. */
const from = (name: string): string[] => ALL.slice(ALL.indexOf(name));
/** Undoes the migrations one by one, newest first, down to `name` included (knex undoes the newest first). */
async function downTo(name: string): Promise<void> {
  for (const m of from(name).reverse()) await withKnex((knex) => knex.migrate.down({ name: m }));
}

async function existingTables(): Promise<string[]> {
  const knex = createKnex(database);
  try {
    const present = await Promise.all(TABLES.map(async (t) => ((await knex.schema.hasTable(t)) ? [t] : [])));
    return present.flat();
  } finally {
    await knex.destroy();
  }
}

describe('database migrations (timestamped, reversible, loaded from an explicit list)', () => {
  it('latest creates every table (on SQLite, creating the database file and its directory)', async () => {
    expect(await migrateLatest({ database })).toEqual({ applied: ALL });
    if (dialect === 'sqlite3') expect(fs.existsSync(database.filename!)).toBe(true);
    expect((await existingTables()).sort()).toEqual([...TABLES].sort());
    expect(await migrationStatus({ database })).toEqual({ completed: ALL, pending: [] });
  });

  it('latest on an up-to-date database applies nothing', async () => {
    expect(await migrateLatest({ database })).toEqual({ applied: [] });
  });

  it('rollback of all migrations drops every table (each down reverses its up)', async () => {
    expect(await migrateRollbackAll({ database })).toEqual({ applied: [...ALL].reverse() });
    expect(await existingTables()).toEqual([]);
    expect(await migrationStatus({ database })).toEqual({ completed: [], pending: ALL });
  });

  it('latest after a full rollback creates every table again', async () => {
    expect(await migrateLatest({ database })).toEqual({ applied: ALL });
    expect((await existingTables()).sort()).toEqual([...TABLES].sort());
  });
});

/** The tables the build-cycle migration (Art. 6, 12–19) adds on top of the application process. */
const BUILD_CYCLE_TABLES: TableName[] = [
  TableName.Cycles,
  TableName.FundingRequests,
  TableName.FundingLedger,
  TableName.AnnualSummaries,
  TableName.Notifications,
  TableName.Evaluations,
  TableName.EvaluationReviews,
  TableName.IntegrityIncidents,
];

/** The tables the rectification migration (Art. 19, after an unqualified grade) adds. */
const RECTIFICATION_TABLES: TableName[] = [TableName.Notices, TableName.Rectifications, TableName.SupportStops];

/** The tables the identities migration (SPEC §4 "HTTP API") adds. */
const IDENTITY_TABLES: TableName[] = [TableName.Users, TableName.ApiTokens, TableName.Sessions];

/** The tables each migration after the initial one creates (the initial one creates the rest). */
const CREATES: Record<string, TableName[]> = {
  '20261126000200_build_cycle': BUILD_CYCLE_TABLES,
  '20261126000300_rectification': RECTIFICATION_TABLES,
  '20261126000400_organisation_changes': [TableName.OrganisationChanges],
  '20261202000100_identities': IDENTITY_TABLES,
  '20261203001000_evidence_files': [TableName.EvidenceFiles],
  '20261203007000_results_reserve': [TableName.ReserveResults],
  '20261204000200_spending_accounts': [TableName.BudgetLines, TableName.Spending, TableName.FinalAccounts],
};


async function withKnex<T>(fn: (knex: ReturnType<typeof createKnex>) => Promise<T>): Promise<T> {
  const knex = createKnex(database);
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

describe('the build-cycle migration (Art. 6, 12–19)', () => {
  it('latest creates the cycle, funding, ledger, summary, outbox, evaluation and incident tables', async () => {
    await migrateLatest({ database });
    expect(await existingTables()).toEqual(expect.arrayContaining(BUILD_CYCLE_TABLES));
    const columns = await withKnex((knex) => knex(TableName.FundingLedger).columnInfo());
    expect(Object.keys(columns).sort()).toEqual(['amount_fen', 'center_id', 'cycle', 'granted_at', 'granted_by', 'kind', 'request_id', 'year']);
  });

  it('its down drops exactly its tables and leaves the application tables; latest creates them again', async () => {
    // The later migrations reference nothing of this one's tables, but go down first: knex undoes the newest.
    await downTo('20261126000200_build_cycle');
    expect((await existingTables()).sort()).toEqual(tablesBefore('20261126000200_build_cycle'));
    expect(await migrationStatus({ database })).toEqual({
      completed: ['20261126000100_initial'],
      pending: from('20261126000200_build_cycle'),
    });

    expect(await migrateLatest({ database })).toEqual({
      applied: from('20261126000200_build_cycle'),
    });
    expect((await existingTables()).sort()).toEqual([...TABLES].sort());
  });

  it('Art. 16: the ledger holds at most one row per request, and only for a request that exists', async () => {
    await withKnex(async (knex) => {
      const center = { center_id: 'c1', workflow_id: 'center-c1', university_id: 'bjut', call_id: 'call', state: 'building', cycle: 1, last_seq: 1, updated_at: '2026-03-10T00:00:00.000Z' };
      const request = {
        center_id: 'c1', request_id: 'r1', cycle: 1, year: 1, kind: 'promotion', title: 't', amount_fen: 5_000_000_000, request: '{}',
        requested_at: '2026-04-01T00:00:00.000Z', requested_by: 'bjut-office', updated_seq: 1,
      };
      const grant = { center_id: 'c1', cycle: 1, year: 1, request_id: 'r1', kind: 'promotion', amount_fen: 5_000_000_000, granted_at: '2026-05-01T00:00:00.000Z', granted_by: 'operator-1' };
      await knex(TableName.Centers).insert(center);
      await knex(TableName.FundingRequests).insert(request);
      await knex(TableName.FundingLedger).insert(grant);
      await expect(knex(TableName.FundingLedger).insert(grant)).rejects.toThrow(UNIQUE);
      await expect(knex(TableName.FundingLedger).insert({ ...grant, request_id: 'r-missing' })).rejects.toThrow(FOREIGN_KEY);
      // Money is bigint: 50 million CNY in fen does not fit a 32-bit integer.
      expect(await knex(TableName.FundingLedger).sum({ total: 'amount_fen' })).toEqual([{ total: 5_000_000_000 }]);
      expect((await knex(TableName.FundingRequests).first()).status).toBe('pending');
      await knex(TableName.FundingLedger).del();
      await knex(TableName.FundingRequests).del();
      await knex(TableName.Centers).del();
    });
  });
});

describe('the rectification migration (Art. 19)', () => {
  const center = { center_id: 'c1', workflow_id: 'center-c1', university_id: 'bjut', call_id: 'call', state: 'building.rectification', cycle: 1, last_seq: 1, updated_at: '2028-06-01T00:00:00.000Z' };
  const notice = { center_id: 'c1', notice_id: 'midTerm:1-notice', evaluation_id: 'midTerm:1', grade: 'unqualified', reasons: 'weighted score 52', published_at: '2028-06-01T00:00:00.000Z' };
  const rectification = { center_id: 'c1', notice_id: 'midTerm:1-notice', status: 'open', due_at: '2028-11-28T00:00:00.000Z', extensions: '[]', updated_seq: 1 };

  it('latest creates the notice, rectification and support-stop tables', async () => {
    await migrateLatest({ database });
    expect(await existingTables()).toEqual(expect.arrayContaining(RECTIFICATION_TABLES));
    const columns = await withKnex(async (knex) => ({
      notices: Object.keys(await knex(TableName.Notices).columnInfo()).sort(),
      rectifications: Object.keys(await knex(TableName.Rectifications).columnInfo()).sort(),
      supportStops: Object.keys(await knex(TableName.SupportStops).columnInfo()).sort(),
    }));
    expect(columns).toEqual({
      notices: ['center_id', 'evaluation_id', 'grade', 'notice_id', 'published_at', 'reasons'],
      rectifications: ['center_id', 'closed_at', 'due_at', 'extensions', 'notice_id', 'report', 'report_submitted_at', 'status', 'updated_seq'],
      supportStops: ['center_id', 'reason', 'stopped_at'],
    });
  });

  it('keys: one notice per id, one rectification per notice and only for a notice that exists, one stop per center', async () => {
    await withKnex(async (knex) => {
      await knex(TableName.Centers).insert(center);
      await expect(knex(TableName.Notices).insert({ ...notice, center_id: 'c-missing' })).rejects.toThrow(FOREIGN_KEY);
      await expect(knex(TableName.Rectifications).insert(rectification)).rejects.toThrow(FOREIGN_KEY);
      await knex(TableName.Notices).insert(notice);
      await expect(knex(TableName.Notices).insert(notice)).rejects.toThrow(UNIQUE);
      await knex(TableName.Rectifications).insert(rectification);
      await expect(knex(TableName.Rectifications).insert(rectification)).rejects.toThrow(UNIQUE);
      await expect(knex(TableName.Rectifications).where({ center_id: 'c1' }).update({ status: 'closed' })).rejects.toThrow(CHECK);
      const stop = { center_id: 'c1', reason: 'deadline missed', stopped_at: '2028-11-28T00:00:00.000Z' };
      await knex(TableName.SupportStops).insert(stop);
      await expect(knex(TableName.SupportStops).insert(stop)).rejects.toThrow(UNIQUE);
      await knex(TableName.SupportStops).del();
      await knex(TableName.Rectifications).del();
      await knex(TableName.Notices).del();
      await knex(TableName.Centers).del();
    });
  });

  it('its down drops exactly its tables and leaves the others; latest creates them again', async () => {
    await downTo('20261126000300_rectification');
    expect((await existingTables()).sort()).toEqual(tablesBefore('20261126000300_rectification'));
    expect(await migrationStatus({ database })).toEqual({
      completed: ['20261126000100_initial', '20261126000200_build_cycle'],
      pending: from('20261126000300_rectification'),
    });

    expect(await migrateLatest({ database })).toEqual({ applied: from('20261126000300_rectification') });
    expect((await existingTables()).sort()).toEqual([...TABLES].sort());
  });
});

describe('the organisation-changes migration (Art. 6, 8(7))', () => {
  it('its down drops its table only; latest creates it again', async () => {
    await migrateLatest({ database });
    await withKnex((knex) => knex.migrate.down({ name: '20261126000400_organisation_changes' }));
    expect(await existingTables()).not.toContain(TableName.OrganisationChanges);
    expect((await existingTables()).sort()).toEqual(TABLES.filter((t) => t !== TableName.OrganisationChanges).sort());
    expect(await migrateLatest({ database })).toEqual({ applied: ['20261126000400_organisation_changes'] });
    expect(await existingTables()).toContain(TableName.OrganisationChanges);
  });
});

describe('the identities migration (SPEC §4 "HTTP API")', () => {
  const at = '2026-12-02T08:00:00.000Z';
  const user = { id: 'bjut-office', name: 'BJUT office', role: 'university', org_id: 'bjut', admin: false, status: 'active', created_at: at, updated_at: at };

  it('latest creates the users, api_tokens and sessions tables with their columns', async () => {
    await migrateLatest({ database });
    expect(await existingTables()).toEqual(expect.arrayContaining(IDENTITY_TABLES));
    const columns = await withKnex(async (knex) => ({
      users: Object.keys(await knex(TableName.Users).columnInfo()).sort(),
      apiTokens: Object.keys(await knex(TableName.ApiTokens).columnInfo()).sort(),
      sessions: Object.keys(await knex(TableName.Sessions).columnInfo()).sort(),
    }));
    expect(columns).toEqual({
      users: ['admin', 'created_at', 'email', 'id', 'name', 'org_id', 'password_hash', 'role', 'status', 'updated_at'],
      apiTokens: ['created_at', 'expires_at', 'id', 'label', 'last_used_at', 'revoked_at', 'secret_hash', 'user_id'],
      sessions: ['created_at', 'csrf_hash', 'expires_at', 'id_hash', 'revoked_at', 'user_id'],
    });
  });

  it('checks: a known role and status, an organisation for a university or expert, admin for the commission only; tokens of a known user', async () => {
    await withKnex(async (knex) => {
      await expect(knex(TableName.Users).insert({ ...user, role: 'rector' })).rejects.toThrow(CHECK);
      await expect(knex(TableName.Users).insert({ ...user, status: 'gone' })).rejects.toThrow(CHECK);
      await expect(knex(TableName.Users).insert({ ...user, org_id: null })).rejects.toThrow(CHECK);
      await expect(knex(TableName.Users).insert({ ...user, role: 'expert', org_id: null })).rejects.toThrow(CHECK);
      await expect(knex(TableName.Users).insert({ ...user, admin: true })).rejects.toThrow(CHECK);
      await knex(TableName.Users).insert(user);
      await knex(TableName.Users).insert({ ...user, id: 'operator', role: 'commission', org_id: null, admin: true });
      await expect(knex(TableName.Users).insert(user)).rejects.toThrow(UNIQUE);
      const token = { id: 't1', secret_hash: 'a'.repeat(64), created_at: at, expires_at: at };
      await expect(knex(TableName.ApiTokens).insert({ ...token, user_id: 'nobody' })).rejects.toThrow(FOREIGN_KEY);
      await expect(knex(TableName.Sessions).insert({ id_hash: 'b'.repeat(64), csrf_hash: 'c'.repeat(64), user_id: 'nobody', created_at: at, expires_at: at })).rejects.toThrow(FOREIGN_KEY);
      await knex(TableName.ApiTokens).insert({ ...token, user_id: 'bjut-office' });
      await knex(TableName.ApiTokens).del();
      await knex(TableName.Users).del();
    });
  });

  it('its down drops exactly its tables; latest creates them again', async () => {
    await downTo('20261202000100_identities');
    expect((await existingTables()).sort()).toEqual(tablesBefore('20261202000100_identities'));
    expect(await migrateLatest({ database })).toEqual({ applied: from('20261202000100_identities') });
    expect((await existingTables()).sort()).toEqual([...TABLES].sort());
  });
});

describe('the user-email migration (issue 14 item 6: notices mailed to people)', () => {
  const at = '2026-12-03T08:00:00.000Z';
  const user = { id: 'bjut-office', name: 'BJUT office', role: 'university', org_id: 'bjut', admin: false, status: 'active', created_at: at, updated_at: at };
  const userColumns = () => withKnex(async (knex) => Object.keys(await knex(TableName.Users).columnInfo()).sort());

  it('up adds a nullable email to users, keeping the users there; down removes only that column', async () => {
    await migrateLatest({ database });
    await withKnex((knex) => knex(TableName.Users).insert({ ...user, email: 'tto@bjut.edu.cn' }));
    await downTo('20261203000100_user_email');
    expect(await userColumns()).not.toContain('email');
    expect(await withKnex((knex) => knex(TableName.Users).pluck('id'))).toEqual(['bjut-office']);
    expect(await migrateLatest({ database })).toEqual({ applied: from('20261203000100_user_email') });
    expect(await userColumns()).toContain('email');
    // a user from before has no address until one is set
    expect(await withKnex((knex) => knex(TableName.Users).where({ id: 'bjut-office' }).first())).toMatchObject({ email: null });
    await withKnex((knex) => knex(TableName.Users).insert({ ...user, id: 'operator', role: 'commission', org_id: null }));
    await withKnex((knex) => knex(TableName.Users).del());
  });
});

describe('the public-notice notifications migration (Art. 19 notices sent to the university)', () => {
  const center = { center_id: 'c1', workflow_id: 'center-c1', university_id: 'bjut', call_id: 'call', state: 'building', cycle: 1, last_seq: 1, updated_at: '2026-03-10T00:00:00.000Z' };
  const row = (notice: string, key: string) => ({ center_id: 'c1', key, recipient_role: 'university', notice, subject: 's', due_at: '2028-06-01T00:00:00.000Z', created_at: '2028-06-01T00:00:00.000Z' });

  it('up admits the kind publicNotice, keeping the rows, the unique key and the CHECK; down removes those rows and refuses the kind again', async () => {
    await migrateLatest({ database });
    await withKnex(async (knex) => {
      await knex(TableName.Centers).insert(center);
      await knex(TableName.Notifications).insert([row('reminder', 'c1:summary1:reminder1'), row('publicNotice', 'notice:midTerm:1-notice')]);
      await expect(knex(TableName.Notifications).insert(row('rumour', 'k'))).rejects.toThrow(CHECK);
      await expect(knex(TableName.Notifications).insert(row('reminder', 'c1:summary1:reminder1'))).rejects.toThrow(UNIQUE);
    });
    await downTo('20261203000200_public_notice_notifications');
    await withKnex(async (knex) => {
      expect(await knex(TableName.Notifications).pluck('notice')).toEqual(['reminder']);
      await expect(knex(TableName.Notifications).insert(row('publicNotice', 'notice:x'))).rejects.toThrow(CHECK);
      await expect(knex(TableName.Notifications).insert(row('reminder', 'c1:summary1:reminder1'))).rejects.toThrow(UNIQUE);
    });
    expect(await migrateLatest({ database })).toEqual({ applied: from('20261203000200_public_notice_notifications') });
    await withKnex(async (knex) => {
      await knex(TableName.Notifications).insert(row('publicNotice', 'notice:midTerm:1-notice'));
      await knex(TableName.Notifications).del();
      await knex(TableName.Centers).del();
    });
  });
});

describe('the step-deadlines migration (issue 14 item 4: experts reminded in person, Art. 9, 18)', () => {
  const center = { center_id: 'c1', workflow_id: 'center-c1', university_id: 'bjut', call_id: 'call', state: 'application.inReview', cycle: 0, last_seq: 1, updated_at: '2026-03-10T00:00:00.000Z' };
  const row = (recipient_role: string, key: string, recipient_id: string | null = null) => ({
    center_id: 'c1',
    key,
    recipient_role,
    ...(recipient_id ? { recipient_id } : {}),
    notice: 'reminder',
    subject: 's',
    due_at: '2026-04-01T00:00:00.000Z',
    created_at: '2026-03-25T00:00:00.000Z',
  });

  it('up admits the role expert and names the expert in recipient_id, keeping the rows; down removes the experts’ rows and the column', async () => {
    await downTo('20261204000500_step_deadlines');
    await withKnex(async (knex) => {
      await knex(TableName.Centers).insert(center);
      await knex(TableName.Notifications).insert(row('university', 'c0:summary1:reminder'));
      await expect(knex(TableName.Notifications).insert(row('expert', 'k'))).rejects.toThrow(CHECK);
    });
    expect(await migrateLatest({ database })).toEqual({ applied: from('20261204000500_step_deadlines') });
    await withKnex(async (knex) => {
      await knex(TableName.Notifications).insert(row('expert', 'c0:application:applicationReview:zhang-wei:reminder', 'zhang-wei'));
      await expect(knex(TableName.Notifications).insert(row('auditor', 'k2'))).rejects.toThrow(CHECK);
      expect(await knex(TableName.Notifications).orderBy('key').select('recipient_role', 'recipient_id')).toEqual([
        { recipientRole: 'expert', recipientId: 'zhang-wei' },
        { recipientRole: 'university', recipientId: null },
      ]);
      await expect(knex(TableName.Notifications).insert(row('university', 'c0:summary1:reminder'))).rejects.toThrow(UNIQUE);
    });
    await downTo('20261204000500_step_deadlines');
    await withKnex(async (knex) => {
      expect(await knex(TableName.Notifications).pluck('key')).toEqual(['c0:summary1:reminder']);
      expect(await knex.schema.hasColumn(TableName.Notifications, 'recipient_id')).toBe(false);
      await expect(knex(TableName.Notifications).insert(row('expert', 'k'))).rejects.toThrow(CHECK);
    });
    await migrateLatest({ database });
    await withKnex(async (knex) => {
      await knex(TableName.Notifications).del();
      await knex(TableName.Centers).del();
    });
  });
});

describe.runIf(dialect === 'sqlite3')('SQLite connections', () => {
  it('enforce foreign keys, use WAL and wait for a busy database', async () => {
    const knex = createKnex(database);
    try {
      const pragma = async (name: string) => Object.values((await knex.raw(`PRAGMA ${name}`))[0] as object)[0];
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('busy_timeout')).toBe(5000);
    } finally {
      await knex.destroy();
    }
  });
});

describe.runIf(dialect === 'pg')('PostgreSQL connections', () => {
  it('run in UTC, keep no idle connection, and answer times, dates, documents and big integers as SQLite does', async () => {
    const knex = createKnex(database);
    try {
      const pool = knex.client.config.pool as { min: number; max: number };
      expect([pool.min, pool.max]).toEqual([0, 10]);
      const { rows } = (await knex.raw(
        "select current_setting('TimeZone') as tz, '2026-03-10T16:00:00.123+08:00'::timestamptz as at, '2026-06-01'::date as d, '{\"b\":[1,2],\"a\":null}'::jsonb as doc, 9007199254740991::bigint as fen, 9007199254740993::bigint as too_big, count(*) as n, sum(5000000000::bigint) as total",
      )) as { rows: Record<string, unknown>[] };
      expect(rows).toEqual([{ tz: 'UTC', at: '2026-03-10T08:00:00.123Z', d: '2026-06-01', doc: '{"a": null, "b": [1, 2]}', fen: 9007199254740991, tooBig: '9007199254740993', n: 1, total: 5000000000 }]);
    } finally {
      await knex.destroy();
    }
  });
});

describe('migrations run once when several processes start together (the migration lock)', () => {
  /** A fresh, empty database of this dialect, and how to remove it. */
  async function freshDatabase(): Promise<{ cfg: DatabaseConfig; remove: () => Promise<void> }> {
    if (dialect === 'pg') {
      const fresh = await createPostgresDatabase({ migrated: false });
      return { cfg: { client: 'pg', filename: null, connection: fresh.url }, remove: fresh.drop };
    }
    const freshDir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-migrations-lock-'));
    return { cfg: { client: 'sqlite3', filename: path.join(freshDir, 'centers.sqlite'), connection: null }, remove: async () => fs.rmSync(freshDir, { recursive: true, force: true }) };
  }

  it.runIf(dialect === 'pg')('N processes migrating one fresh database at once: every migration applied once, in one batch, and nobody fails', async () => {
    const { cfg, remove } = await freshDatabase();
    try {
      const N = 6;
      const lines: string[] = [];
      // Each call has its own knex (its own pool and connections), as a process of its own would.
      const results = await Promise.allSettled(Array.from({ length: N }, () => migrateLatest({ database: cfg }, { log: (line) => lines.push(line) })));
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(Array(N).fill('fulfilled'));
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.applied : []));
      expect(applied).toEqual(ALL);
      const knex = createKnex(cfg);
      try {
        const rows = (await knex(MIGRATIONS_TABLE).select('name', 'batch')) as { name: string; batch: number }[];
        expect(rows.map((r) => r.name).sort()).toEqual([...ALL].sort());
        expect(new Set(rows.map((r) => r.batch))).toEqual(new Set([1]));
        expect(await knex(`${MIGRATIONS_TABLE}_lock`).select('is_locked')).toEqual([{ isLocked: 0 }]);
      } finally {
        await knex.destroy();
      }
      expect(await migrationStatus({ database: cfg })).toEqual({ completed: ALL, pending: [] });
    } finally {
      await remove();
    }
  });

  it('a process that finds knex’s lock taken waits for it, printing progress, and then finds nothing left to apply', async () => {
    const { cfg, remove } = await freshDatabase();
    const knex = createKnex(cfg);
    try {
      await migrateLatest({ database: cfg }, { log: () => undefined });
      await knex.migrate.down(); // the last migration pending again
      await knex(`${MIGRATIONS_TABLE}_lock`).update({ is_locked: 1 }); // another process is migrating
      const lines: string[] = [];
      const waiting = migrateLatest({ database: cfg }, { log: (line) => lines.push(line) });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines[0]).toMatch(/another process is migrating this database; waiting for the migration lock/);
      await knex(`${MIGRATIONS_TABLE}_lock`).update({ is_locked: 0 }); // it finished
      expect(await waiting).toEqual({ applied: [ALL[ALL.length - 1]] });
    } finally {
      await knex.destroy();
      await remove();
    }
  });

  it('a lock never freed (a process died migrating) ends the wait with what to do', async () => {
    const { cfg, remove } = await freshDatabase();
    const knex = createKnex(cfg);
    try {
      await migrateLatest({ database: cfg }, { log: () => undefined });
      await knex(`${MIGRATIONS_TABLE}_lock`).update({ is_locked: 1 });
      await expect(migrateLatest({ database: cfg }, { log: () => undefined, lockTimeoutMs: 500 })).rejects.toThrow(/gave up after .* db\/migrate\.ts unlock/);
    } finally {
      await knex.destroy();
      await remove();
    }
  });
});
});
