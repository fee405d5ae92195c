/**
 * The one column-name mapping (db/knex.ts): camelCase in the code, snake_case in the database, mapped by knex's
 * wrapIdentifier and postProcessResponse hooks for every query; and the one place (db/schemas.ts) where the values
 * that are not plain (booleans, JSON documents, money in fen, times) are parsed. The columns themselves never changed.
 * The database parts run on SQLite and on PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { columnNameMapping, createKnex, mapResponse, mapsColumnNames, toColumnName, toFieldName } from '../../db/knex';
import { migrationSource } from '../../db/migrations';
import {
  createRepositories,
  type AnnualSummaryRecord,
  type ApplicationRecord,
  type AssignmentRecord,
  type AuditRecord,
  type CallEventRecord,
  type CenterRecord,
  type CycleRecord,
  type DecisionRecord,
  type EligibilityRecord,
  type EvaluationRecord,
  type EvaluationReviewRecord,
  type IncidentRecord,
  type NoticeRecord,
  type NotificationRecord,
  type OrganisationChangeRecord,
  type RectificationRecord,
  type ReviewRecord,
  type SupportStopRecord,
} from '../../db/repositories';
import * as schemas from '../../db/schemas';
import { MIGRATIONS_TABLE, TableName } from '../../db/tables';
import type { Expert } from '../../machines/domain';
import type { AuditRow, CallEventInput, CenterRow, ConditionResult, DomainRecord } from '../../machines/records.types';
import { annualSummary, application, commission, promotionRequest, university } from '../helpers/fixtures';
import { DIALECTS, removeTempDatabase, tempDatabase, type Dialect, type TempDatabase } from '../helpers/database';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;
type Stored<K extends DomainRecord['kind']> = Omit<RecordOf<K>, 'kind'>;

/** A knex on the same database without the hooks (nor, on PostgreSQL, the type parsers): what the database really holds. */
const plainKnex = (db: TempDatabase): Knex =>
  db.dialect === 'pg'
    ? knexFactory({ client: 'pg', connection: db.database.connection! })
    : knexFactory({ client: 'sqlite3', connection: { filename: db.filename }, useNullAsDefault: true });

/** The rows of a raw query, on either dialect (PostgreSQL answers a result whose rows they are). */
const rawRows = async <T>(knex: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> => {
  const result = (await knex.raw(sql, bindings)) as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
};

/** Every table's columns as the database names them (catalog values are data: no hook renames them). */
async function storedColumns(knex: Knex, dialect: Dialect): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of Object.values(TableName)) {
    const info =
      dialect === 'pg'
        ? await rawRows<{ name: string }>(knex, 'select column_name as name from information_schema.columns where table_name = ? order by ordinal_position', [table])
        : await rawRows<{ name: string }>(knex, `PRAGMA table_info(${table})`);
    out[table] = info.map((c) => c.name);
  }
  return out;
}

/** The schema as the database describes it: SQLite's CREATE statements; PostgreSQL's columns, types and constraints. */
const schemaSql = async (knex: Knex, dialect: Dialect): Promise<{ name: string; sql: string }[]> =>
  dialect === 'pg'
    ? rawRows<{ name: string; sql: string }>(
        knex,
        `select c.table_name as name, string_agg(c.column_name || ' ' || c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, ''), ', ' order by c.ordinal_position) as sql
           from information_schema.columns c where c.table_schema = 'public' group by c.table_name
         union all
         select conrelid::regclass::text || '.' || conname as name, pg_get_constraintdef(oid) as sql from pg_constraint where connamespace = 'public'::regnamespace
         union all
         select tablename || '.' || indexname as name, indexdef as sql from pg_indexes where schemaname = 'public'
         order by name`,
      )
    : rawRows<{ name: string; sql: string }>(knex, 'select name, sql from sqlite_master where sql is not null order by type, name');

/** The CHECK (column IN (…)) constraints: table, column and the values listed. */
async function checkInConstraints(knex: Knex, dialect: Dialect): Promise<{ table: string; column: string; values: string[] }[]> {
  const out: { table: string; column: string; values: string[] }[] = [];
  if (dialect === 'pg') {
    const defs = await rawRows<{ table: string; def: string }>(knex, "select conrelid::regclass::text as table, pg_get_constraintdef(oid) as def from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace");
    for (const { table, def } of defs) {
      const m = /^CHECK \(\(\(?"?(\w+)"?\)?(?:::text)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::text\[\])?\)\)$/.exec(def);
      if (m) out.push({ table, column: m[1], values: [...m[2].matchAll(/'([^']*)'/g)].map((v) => v[1]) });
    }
    return out;
  }
  for (const { name, sql } of await schemaSql(knex, dialect)) {
    for (const [, column, list] of sql.matchAll(/check \(`(\w+)` in \(([^)]*)\)\)/g)) out.push({ table: name, column, values: list.split(',').map((v) => v.replace(/^'|'$/g, '')) });
  }
  return out;
}

describe('the names: camelCase ↔ snake_case, once, in the knex configuration', () => {
  it('a camelCase identifier names its snake_case column; a snake_case name, `*` and knex’s own tables pass unchanged', () => {
    expect(['centerId', 'belowStaffMinimum', 'nameZh', 'amountFen'].map(toColumnName)).toEqual(['center_id', 'below_staff_minimum', 'name_zh', 'amount_fen']);
    for (const name of ['center_id', 'seq', '*', MIGRATIONS_TABLE, 'knex_migrations_lock', 'sqlite_master']) expect(toColumnName(name)).toBe(name);
    expect(['center_id', 'below_staff_minimum', 'seq', 'COUNT(*)', '_private'].map(toFieldName)).toEqual(['centerId', 'belowStaffMinimum', 'seq', 'COUNT(*)', '_private']);
  });

  it('maps the keys of rows — in arrays, alone (first), in a PostgreSQL result — and leaves everything else as it came', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    const bytes = Buffer.from('x');
    const document = { opens_at: 'nested keys are document content' };
    expect(mapResponse([{ center_id: 'c1', last_seq: 3, snapshot: document, at, bytes }])).toEqual([{ centerId: 'c1', lastSeq: 3, snapshot: document, at, bytes }]);
    const [row] = mapResponse([{ snapshot: document, at, bytes }]) as { snapshot: unknown; at: unknown; bytes: unknown }[];
    expect([row.snapshot, row.at, row.bytes]).toEqual([document, at, bytes]);
    expect((row.snapshot as typeof document).opens_at).toBe(document.opens_at);
    expect(mapResponse({ center_id: 'c1' })).toEqual({ centerId: 'c1' });
    // counts, ids, hasTable, first() of nothing, pluck
    for (const other of [3, true, undefined, null, 'text']) expect(mapResponse(other)).toBe(other);
    expect(mapResponse([1, 2])).toEqual([1, 2]);
    expect(mapResponse(['c1', null])).toEqual(['c1', null]);
    const pg = { command: 'SELECT', rowCount: 1, rows: [{ center_id: 'c1' }], fields: [{ name: 'center_id' }] };
    expect(mapResponse(pg)).toEqual({ command: 'SELECT', rowCount: 1, rows: [{ centerId: 'c1' }], fields: [{ name: 'center_id' }] });
    const columnInfo = { center_id: { type: 'varchar', maxLength: '255', nullable: false, defaultValue: null } };
    expect(mapResponse(columnInfo)).toBe(columnInfo);
  });
});

describe.each(DIALECTS)('%s', (dialect) => {
/** A migrated database per test, and a knex on it without the hooks. */
let db: TempDatabase;
let plain: Knex;
const openDatabase = async () => {
  db = await tempDatabase('centers-columns-', dialect);
  plain = plainKnex(db);
};
const closeDatabase = async () => {
  await plain.destroy();
  await removeTempDatabase(db);
};

describe('the columns, in a migrated database', () => {
  beforeEach(openDatabase);
  afterEach(closeDatabase);

  it('every column is snake_case and round-trips through the two names, so the hook leaves the migrations’ names alone', async () => {
    for (const [table, columns] of Object.entries(await storedColumns(plain, dialect))) {
      expect(columns.length, table).toBeGreaterThan(0);
      for (const column of columns) {
        expect(toColumnName(column), `${table}.${column}`).toBe(column);
        expect(toColumnName(toFieldName(column)), `${table}.${column}`).toBe(column);
      }
    }
  });

  it('migrations run through the hooks create exactly the schema a knex without them creates', async () => {
    const empty = await tempDatabase('centers-columns-plain-', dialect, { migrated: false });
    await empty.knex.destroy();
    const other = knexFactory({
      ...(dialect === 'pg'
        ? { client: 'pg', connection: empty.database.connection! }
        : { client: 'sqlite3', connection: { filename: path.join(empty.dir, 'plain.sqlite') }, useNullAsDefault: true }),
      migrations: { migrationSource, tableName: MIGRATIONS_TABLE },
    });
    try {
      await other.migrate.latest();
      const withoutHooks = await schemaSql(other, dialect);
      expect(withoutHooks.length).toBeGreaterThan(Object.values(TableName).length);
      expect(await schemaSql(plain, dialect)).toEqual(withoutHooks);
    } finally {
      await other.destroy();
      if (empty.postgres) await empty.postgres.drop();
      else fs.rmSync(empty.dir, { recursive: true, force: true });
    }
  });

  it('a row inserted with camelCase keys is stored under snake_case columns and read back camelCase — raw queries too', async () => {
    const row = { centerId: 'c1', workflowId: 'center-c1', universityId: 'bjut', callId: 'call', state: 'building', cycle: 1, lastSeq: 7, updatedAt: '2026-03-10T08:00:00.000Z' };
    await db.knex(TableName.Centers).insert(row);

    // As stored (a knex without the hooks): the columns were not renamed.
    expect(await plain(TableName.Centers).first('center_id', 'workflow_id', 'last_seq')).toEqual({ center_id: 'c1', workflow_id: 'center-c1', last_seq: 7 });
    // Through the hooks: builders, and raw queries, whose SQL names the columns as stored but whose rows are mapped.
    expect(await db.knex(TableName.Centers).where({ centerId: 'c1' }).first('centerId', 'lastSeq')).toEqual({ centerId: 'c1', lastSeq: 7 });
    expect(await rawRows(db.knex, `select center_id, last_seq from ${TableName.Centers}`)).toEqual([{ centerId: 'c1', lastSeq: 7 }]);
    expect(await rawRows(db.knex, 'select ?? from ??', ['lastSeq', TableName.Centers])).toEqual([{ lastSeq: 7 }]);
    // What speaks of the table, not of rows, keeps the stored names; pluck takes the stored name.
    expect(Object.keys(await db.knex(TableName.Centers).columnInfo())).toContain('last_seq');
    expect((await storedColumns(db.knex, dialect))[TableName.Centers]).toContain('last_seq');
    expect(await db.knex(TableName.Centers).pluck('last_seq')).toEqual([7]);
    // Aliases are identifiers too.
    expect(await db.knex(TableName.Centers).max({ highestSeq: 'lastSeq' })).toEqual([{ highestSeq: 7 }]);
  });

  it('the CHECK constraints list exactly the values the table schemas accept', async () => {
    const tableSchemas: Partial<Record<TableName, z.AnyZodObject>> = {
      [TableName.Calls]: schemas.CallsSchema,
      [TableName.Centers]: schemas.CentersSchema,
      [TableName.Reviews]: schemas.ReviewsSchema,
      [TableName.Decisions]: schemas.DecisionsSchema,
      [TableName.Cycles]: schemas.CyclesSchema,
      [TableName.FundingRequests]: schemas.FundingRequestsSchema,
      [TableName.FundingLedger]: schemas.FundingLedgerSchema,
      [TableName.AnnualSummaries]: schemas.AnnualSummariesSchema,
      [TableName.Notifications]: schemas.NotificationsSchema,
      [TableName.Evaluations]: schemas.EvaluationsSchema,
      [TableName.IntegrityIncidents]: schemas.IntegrityIncidentsSchema,
      [TableName.Notices]: schemas.NoticesSchema,
      [TableName.Rectifications]: schemas.RectificationsSchema,
      [TableName.OrganisationChanges]: schemas.OrganisationChangesSchema,
      [TableName.Users]: schemas.UsersSchema,
      [TableName.ReserveResults]: schemas.ReserveResultsSchema,
      [TableName.BudgetLines]: schemas.BudgetLinesSchema,
      [TableName.Spending]: schemas.SpendingRowsSchema,
      [TableName.FinalAccounts]: schemas.FinalAccountsSchema,
    };
    const enumOf = (t: z.ZodTypeAny): readonly string[] | undefined =>
      t instanceof z.ZodNullable ? enumOf(t.unwrap() as z.ZodTypeAny) : t instanceof z.ZodEnum ? (t.options as string[]) : undefined;
    let checks = 0;
    for (const { table, column, values } of await checkInConstraints(plain, dialect)) {
      const schema = tableSchemas[table as TableName];
      expect(schema, `a schema for ${table}`).toBeDefined();
      const field = schema!.shape[toFieldName(column)] as z.ZodTypeAny;
      expect(new Set(values), `${table}.${column}`).toEqual(new Set(enumOf(field)));
      checks += 1;
    }
    // 22 before the results reserve; its kind, status and transfer mode are three more; the budget lines' and the
    // spending's line and the final accounts' status (Art. 16) three more again.
    expect(checks).toBe(28);
  });
});

describe('the values: booleans, JSON documents, money in fen and timestamps come back as they went in', () => {
  beforeEach(openDatabase);
  afterEach(closeDatabase);

  const CENTER = 'bjut-call-2026';
  // Millisecond precision, and an offset other than Z: a time comes back as the same instant, in UTC with its
  // milliseconds (what Date#toISOString writes), on both dialects.
  const written = '2026-03-10T16:00:00.123+08:00';
  const at = '2026-03-10T08:00:00.123Z';
  const center: CenterRow = {
    centerId: CENTER,
    workflowId: `center-${CENTER}`,
    universityId: 'bjut',
    callId: 'call-2026',
    state: 'building',
    cycle: 1,
    tier: 'A',
    nameZh: '北京工业大学中心',
    nameEn: null,
    establishedAt: written,
    nextDeadlineAt: '2027-03-10T08:00:00.000Z',
    updatedAt: at,
  };

  it('round-trips each kind of value through the repositories, and stores it as SQLite text and integers', async () => {
    const repos = createRepositories(db.knex);
    await repos.upsertCenter(center, 1);
    const beyond32Bits = 2 ** 31 * 3 + 7; // 6,442,450,951 fen: a bigint column
    const maxFen = Number.MAX_SAFE_INTEGER;
    const request: RecordOf<'fundingRequest'> = {
      kind: 'fundingRequest',
      centerId: CENTER,
      requestId: 'r1',
      cycle: 1,
      year: 1,
      request: { ...promotionRequest(maxFen), amountFen: maxFen },
      requestedAt: written,
      requestedBy: university('bjut').id,
    };
    await repos.insertFundingRequest(request, 2);
    await repos.decideFunding(
      { kind: 'fundingDecision', centerId: CENTER, requestId: 'r1', cycle: 1, year: 1, fundingKind: 'promotion', status: 'granted', grantedFen: beyond32Bits, reason: null, decidedAt: written, decidedBy: commission.id },
      3,
    );
    const summary: RecordOf<'annualSummary'> = {
      kind: 'annualSummary',
      centerId: CENTER,
      cycle: 1,
      year: 1,
      status: 'submitted',
      openedAt: at,
      dueAt: at,
      summary: annualSummary(),
      submittedAt: at,
      submissions: 1,
      overdue: true,
      returnReason: null,
      acceptedAt: null,
    };
    await repos.upsertAnnualSummary(summary, 4);
    const staff: RecordOf<'organisationChange'> = {
      kind: 'organisationChange',
      centerId: CENTER,
      changeId: 'o1',
      change: 'staff',
      details: [{ name: '李雷', fullTime: false, background: 'law' }],
      effectiveOn: '2026-06-01',
      reason: 'left',
      belowStaffMinimum: true,
      recordedAt: at,
      recordedBy: university('bjut').id,
    };
    await repos.insertOrganisationChange(staff);
    await repos.insertOrganisationChange({ ...staff, changeId: 'o2', change: 'director', details: { name: 'Wang', title: 'Prof', department: 'TTO' }, belowStaffMinimum: false });
    const app = application('bjut');
    await repos.insertApplication({ kind: 'application', centerId: CENTER, callId: 'call-2026', universityId: 'bjut', version: 1, application: app, submittedAt: at });
    await repos.insertEligibility({
      kind: 'eligibility',
      centerId: CENTER,
      version: 1,
      checkedAt: at,
      results: [
        { condition: 1, key: 'c1', passed: true, reason: '' },
        { condition: 7, key: 'c7', passed: false, reason: 'too few staff' },
      ],
    });

    // Read back: the record as it went in.
    const { kind: _r, ...requestStored } = request;
    expect(await repos.fundingRequests(CENTER)).toEqual([
      {
        ...requestStored,
        requestedAt: at,
        kind: 'promotion',
        title: request.request.title,
        amountFen: maxFen,
        status: 'granted',
        grantedFen: beyond32Bits,
        reason: null,
        decidedAt: at,
        decidedBy: commission.id,
        updatedSeq: 3,
      },
    ]);
    expect(await repos.ledger(CENTER)).toEqual([
      { centerId: CENTER, cycle: 1, year: 1, requestId: 'r1', kind: 'promotion', amountFen: beyond32Bits, grantedAt: at, grantedBy: commission.id },
    ]);
    expect(await repos.ledgerTotals(CENTER)).toEqual([{ cycle: 1, year: 1, kind: 'promotion', totalFen: beyond32Bits, grants: 1 }]);
    const { kind: _s, ...summaryStored } = summary;
    expect(await repos.summaries(CENTER)).toEqual([{ ...summaryStored, updatedSeq: 4 }]);
    expect((await repos.organisationChanges(CENTER)).map((c) => [c.changeId, c.belowStaffMinimum, c.details])).toEqual([
      ['o1', true, staff.details],
      ['o2', false, { name: 'Wang', title: 'Prof', department: 'TTO' }],
    ]);
    expect((await repos.applications(CENTER))[0].application).toEqual(app);
    expect((await repos.eligibility(CENTER)).map((e) => [e.key, e.passed])).toEqual([
      ['c1', true],
      ['c7', false],
    ]);
    expect(await repos.getCenter(CENTER)).toEqual({ ...center, establishedAt: at, lastSeq: 1 });

    if (dialect === 'pg') {
      // As PostgreSQL holds them (pg's own parsers): booleans, jsonb documents, bigint fen (text from pg), timestamptz.
      expect(await plain(TableName.AnnualSummaries).first('overdue', 'summary', 'due_at')).toEqual({ overdue: true, summary: summary.summary, due_at: new Date(at) });
      expect(await plain(TableName.OrganisationChanges).orderBy('change_id').pluck('below_staff_minimum')).toEqual([true, false]);
      expect(await plain(TableName.FundingRequests).first('amount_fen', 'granted_fen', 'request')).toEqual({ amount_fen: String(maxFen), granted_fen: String(beyond32Bits), request: request.request });
      expect(await plain(TableName.Centers).first('established_at')).toEqual({ established_at: new Date(at) });
      expect(
        await rawRows(plain, `select pg_typeof(l.amount_fen)::text as t, pg_typeof(s.overdue)::text as o, pg_typeof(s.summary)::text as j, pg_typeof(s.due_at)::text as d, pg_typeof(c.effective_on)::text as e from ${TableName.FundingLedger} l, ${TableName.AnnualSummaries} s, ${TableName.OrganisationChanges} c limit 1`),
      ).toEqual([{ t: 'bigint', o: 'boolean', j: 'jsonb', d: 'timestamp with time zone', e: 'date' }]);
      return;
    }
    // As SQLite stores them: booleans 0/1, documents as their JSON text, fen as integers, timestamps as ISO text.
    expect(await plain(TableName.Centers).first('established_at')).toEqual({ established_at: at });
    expect(await plain(TableName.AnnualSummaries).first('overdue', 'summary', 'due_at')).toEqual({ overdue: 1, summary: JSON.stringify(summary.summary), due_at: at });
    expect(await plain(TableName.OrganisationChanges).orderBy('change_id').pluck('below_staff_minimum')).toEqual([1, 0]);
    expect(await plain(TableName.EligibilityResults).orderBy('condition').pluck('passed')).toEqual([1, 0]);
    expect(await plain(TableName.FundingRequests).first('amount_fen', 'granted_fen', 'request')).toEqual({
      amount_fen: maxFen,
      granted_fen: beyond32Bits,
      request: JSON.stringify(request.request),
    });
    expect(await plain(TableName.Applications).first('application')).toEqual({ application: JSON.stringify(app) });
    expect(await plain.raw(`select typeof(amount_fen) as t, typeof(overdue) as o from ${TableName.FundingLedger}, ${TableName.AnnualSummaries}`)).toEqual([{ t: 'integer', o: 'integer' }]);
  });

  it('a stored document that is not JSON, or a boolean that is not 0/1, is refused: on read (SQLite), on write (PostgreSQL)', async () => {
    const repos = createRepositories(db.knex);
    await repos.upsertCenter(center, 1);
    if (dialect === 'pg') {
      await expect(plain(TableName.Applications).insert({ center_id: CENTER, version: 1, call_id: 'call-2026', university_id: 'bjut', application: '{not json', submitted_at: at })).rejects.toThrow(/invalid input syntax for type json/);
      await expect(plain(TableName.EligibilityResults).insert({ center_id: CENTER, version: 1, condition: 1, condition_key: 'c1', passed: 2, reason: '', checked_at: at })).rejects.toThrow(/boolean/);
      return;
    }
    await plain(TableName.Applications).insert({ center_id: CENTER, version: 1, call_id: 'call-2026', university_id: 'bjut', application: '{not json', submitted_at: at });
    await expect(repos.applications(CENTER)).rejects.toThrow(/not valid JSON/);
    await plain(TableName.EligibilityResults).insert({ center_id: CENTER, version: 1, condition: 1, condition_key: 'c1', passed: 2, reason: '', checked_at: at });
    await expect(repos.eligibility(CENTER)).rejects.toThrow(/boolean/);
  });

  it('the repositories refuse a knex that does not map the names (and accept one given the mapping)', async () => {
    expect(mapsColumnNames(plain)).toBe(false);
    expect(() => createRepositories(plain)).toThrow(/createKnex/);
    const mapped = knexFactory({
      ...(dialect === 'pg' ? { client: 'pg', connection: db.database.connection! } : { client: 'sqlite3', connection: { filename: db.filename }, useNullAsDefault: true }),
      ...columnNameMapping,
    });
    try {
      expect(mapsColumnNames(mapped)).toBe(true);
      expect(await createRepositories(mapped).listCenters()).toEqual([]);
    } finally {
      await mapped.destroy();
    }
    // knex's migrator does its bookkeeping on a copy without the hooks: the instance it ran on keeps mapping.
    const migrated = createKnex(db.database);
    try {
      await migrated.migrate.latest();
      expect(mapsColumnNames(migrated)).toBe(true);
      expect(await createRepositories(migrated).listCenters()).toEqual([]);
    } finally {
      await migrated.destroy();
    }
  });
});

});

describe('one shape per concept: each record type is its schema’s z.infer, and equals what the workflow hands over', () => {
  it('the stored records have the shapes of the workflow’s records (compile-time)', () => {
    expectTypeOf<ApplicationRecord>().toEqualTypeOf<Stored<'application'>>();
    expectTypeOf<ReviewRecord>().branded.toEqualTypeOf<Stored<'review'>>();
    expectTypeOf<DecisionRecord>().toEqualTypeOf<Stored<'decision'>>();
    expectTypeOf<CycleRecord>().toEqualTypeOf<Stored<'cycle'>>();
    expectTypeOf<EvaluationReviewRecord>().toEqualTypeOf<Stored<'evaluationReview'>>();
    // The database fills an incident's severity (minor when the workflow's record has none: recorded before severities).
    expectTypeOf<IncidentRecord>().branded.toEqualTypeOf<Omit<Stored<'integrityIncident'>, 'incident'> & { incident: Required<Stored<'integrityIncident'>['incident']> }>();
    expectTypeOf<NoticeRecord>().toEqualTypeOf<Stored<'notice'>>();
    expectTypeOf<SupportStopRecord>().toEqualTypeOf<Stored<'supportStopped'>>();
    expectTypeOf<OrganisationChangeRecord>().toEqualTypeOf<Stored<'organisationChange'>>();
    expectTypeOf<AnnualSummaryRecord>().branded.toEqualTypeOf<Stored<'annualSummary'> & { updatedSeq: number }>();
    expectTypeOf<EvaluationRecord>().branded.toEqualTypeOf<Stored<'evaluation'> & { updatedSeq: number }>();
    expectTypeOf<RectificationRecord>().branded.toEqualTypeOf<Stored<'rectification'> & { updatedSeq: number }>();
    // The database fills the recipient's id (null for a role: every notice before experts were reminded in person).
    expectTypeOf<NotificationRecord>().branded.toEqualTypeOf<Omit<Stored<'notification'>, 'recipientId'> & { recipientId: string | null; status: 'pending' | 'delivered'; deliveredAt: string | null }>();
    expectTypeOf<CenterRecord>().branded.toEqualTypeOf<CenterRow & { lastSeq: number }>();
    expectTypeOf<AuditRecord>().branded.toEqualTypeOf<AuditRow & { id: number }>();
    expectTypeOf<CallEventRecord>().branded.toEqualTypeOf<CallEventInput>();
    expectTypeOf<EligibilityRecord>().branded.toEqualTypeOf<ConditionResult & { centerId: string; version: number; checkedAt: string }>();
    expectTypeOf<AssignmentRecord>().branded.toEqualTypeOf<{ centerId: string; stage: string; expert: Expert; assignedAt: string; assignedBy: string }>();
  });
});
