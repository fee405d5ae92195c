/**
 * The whole dossier reconciled (issue 15 item 1): beyond the audit rows, every table that holds a center's records,
 * as the history says it should be (the `persistTransition` inputs folded in order, client/audit/index.ts) against
 * what the database holds. Pure: it compares the rows it is given, table by table, row by row (by each table's
 * natural key), field by field, and names every difference with its table, key, field and both values.
 */

/** A row as the repositories answer it (db/repositories, camelCase, JSON parsed, booleans real booleans). */
export type DossierRow = Record<string, unknown>;

/** A table and how its rows are matched (the natural key it is written by) and which columns are not the history's. */
export interface DossierTable {
  table: string;
  /** The fields of the row's natural key (beside the center), in the order the key is written. */
  key: readonly string[];
  /** Columns some other process changes after the transition wrote them: not compared. */
  ignore?: readonly string[];
}

/**
 * Every table holding a center's records, in the order a reader of the dossier expects them; the audit rows
 * (audit_log) are reconciled on their own (reconcile.ts). Keys are the tables' unique keys (db/migrations).
 */
export const DOSSIER_TABLES = [
  /** The read model (SPEC §1): one row per center, upserted by each transition (guarded by lastSeq). */
  { table: 'centers', key: ['centerId'] },
  /** Art. 8: every submitted version of the application. */
  { table: 'applications', key: ['version'] },
  /** Art. 8(1)–(7): the seven conditions' results of each version. */
  { table: 'eligibility_results', key: ['version', 'condition'] },
  /** Art. 9, 18: the experts assigned to each stage. */
  { table: 'expert_assignments', key: ['stage', 'expert.id'] },
  /** Art. 9: one review per expert and stage. */
  { table: 'reviews', key: ['stage', 'expertId'] },
  /** Art. 9: the commission's decision. */
  { table: 'decisions', key: ['centerId'] },
  /** Art. 6, 19: the build cycles. */
  { table: 'cycles', key: ['cycle'] },
  /** Art. 13–15: the funding requests and their decisions. */
  { table: 'funding_requests', key: ['requestId'] },
  /** Art. 16: the ledger, one row per grant. */
  { table: 'funding_ledger', key: ['requestId'] },
  /** Art. 18: the annual summaries. */
  { table: 'annual_summaries', key: ['cycle', 'year'] },
  /** Art. 18, 19: the outbox; its delivery (status, time) is the outbox's, not the history's. */
  { table: 'notifications', key: ['key', 'notice'], ignore: ['status', 'deliveredAt', 'claimedBy', 'claimedAt'] },
  /** Art. 17–18: the evaluations and their grades. */
  { table: 'evaluations', key: ['evaluationId'] },
  /** Art. 18: the experts' dimension scores. */
  { table: 'evaluation_reviews', key: ['stage', 'expertId'] },
  /** Art. 12: integrity incidents. */
  { table: 'integrity_incidents', key: ['incidentId'] },
  /** Art. 19: public notices of an unqualified grade. */
  { table: 'notices', key: ['noticeId'] },
  /** Art. 19: the rectification each notice opens. */
  { table: 'rectifications', key: ['noticeId'] },
  /** Art. 19: support stopped. */
  { table: 'support_stops', key: ['centerId'] },
  /** Art. 6, 8(7): director and staff changes. */
  { table: 'organisation_changes', key: ['changeId'] },
  /** Op. 4(4), Art. 15: the results reserve. */
  { table: 'reserve_results', key: ['resultId'] },
  /** Art. 16: the grants' budget lines, the spending against them, the final accounts. */
  { table: 'budget_lines', key: ['requestId', 'line'] },
  { table: 'spending', key: ['spendingId'] },
  { table: 'final_accounts', key: ['requestId'] },
  /** Evidence files (issue 14 item 3): one row per file a command carried. */
  { table: 'evidence_files', key: ['seq', 'sha256'] },
] as const satisfies readonly DossierTable[];

export type DossierTableName = (typeof DOSSIER_TABLES)[number]['table'];

/** A center's rows in every dossier table (a table without rows may be left out). */
export type Dossier = Partial<Record<DossierTableName, readonly DossierRow[]>>;

export type RecordDifference =
  /** Same table and key, different content: one difference per field, with both values. */
  | { kind: 'record'; seq: null; table: DossierTableName; key: string; field: string; history: unknown; database: unknown }
  /** A row the history writes that the database does not hold. */
  | { kind: 'missingRecord'; seq: null; table: DossierTableName; key: string; history: DossierRow }
  /** A row of the center that no transition in the history accounts for. */
  | { kind: 'extraRecord'; seq: null; table: DossierTableName; key: string; database: DossierRow };

const path = (row: DossierRow, field: string): unknown =>
  field.split('.').reduce<unknown>((v, part) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined), row);

/** The row's key as a reader names it: `requestId=c1-y1-f1`, `cycle=1, year=2`. */
export function keyOf(table: DossierTable, row: DossierRow): string {
  return table.key.map((f) => `${f}=${String(path(row, f))}`).join(', ');
}

/** An ISO-8601 date and time (a date alone is not an instant: it is compared as text). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Deep equality as an auditor means it: instants as instants (a database may spell the same time otherwise),
 * numbers, booleans and text exactly, JSON documents member by member (their key order aside), absent as null.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    if (!INSTANT.test(a) || !INSTANT.test(b)) return false;
    const [x, y] = [Date.parse(a), Date.parse(b)];
    return !Number.isNaN(x) && x === y;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => sameValue(x[k], y[k]));
}

/** The fields of two rows that differ, in the order the history's row lists them (then the database's). */
export function compareRecord(table: DossierTable, history: DossierRow, database: DossierRow): { field: string; history: unknown; database: unknown }[] {
  const ignored = new Set(table.ignore ?? []);
  const fields = [...new Set([...Object.keys(history), ...Object.keys(database)])].filter((f) => !ignored.has(f));
  return fields.filter((f) => !sameValue(history[f], database[f])).map((f) => ({ field: f, history: history[f] ?? null, database: database[f] ?? null }));
}

/** Pure: the history-derived dossier against the database's, every difference named (table order, then key order). */
export function reconcileDossier(expected: Dossier, actual: Dossier): { differences: RecordDifference[]; historyRows: number; databaseRows: number; matched: number } {
  const differences: RecordDifference[] = [];
  let [historyRows, databaseRows, matched] = [0, 0, 0];
  for (const table of DOSSIER_TABLES as readonly (DossierTable & { table: DossierTableName })[]) {
    const want = new Map((expected[table.table] ?? []).map((r) => [keyOf(table, r), r]));
    const have = new Map((actual[table.table] ?? []).map((r) => [keyOf(table, r), r]));
    historyRows += want.size;
    databaseRows += have.size;
    for (const [key, h] of want) {
      const d = have.get(key);
      if (!d) {
        differences.push({ kind: 'missingRecord', seq: null, table: table.table, key, history: h });
        continue;
      }
      const fields = compareRecord(table, h, d);
      if (fields.length === 0) matched++;
      for (const f of fields) differences.push({ kind: 'record', seq: null, table: table.table, key, ...f });
    }
    for (const [key, d] of have) if (!want.has(key)) differences.push({ kind: 'extraRecord', seq: null, table: table.table, key, database: d });
  }
  return { differences, historyRows, databaseRows, matched };
}

/** A value as the report shows it: text quoted, documents as JSON. */
export const showValue = (v: unknown): string => (v === undefined || v === null ? 'null' : JSON.stringify(v));

export function describeRecordDifference(d: RecordDifference): string {
  switch (d.kind) {
    case 'record':
      return `${d.table} [${d.key}] altered: ${d.field} is ${showValue(d.database)} in the database but ${showValue(d.history)} in the history`;
    case 'missingRecord':
      return `${d.table} [${d.key}] missing from the database: the history writes ${showValue(d.history)}`;
    case 'extraRecord':
      return `${d.table} [${d.key}] extra in the database: no transition in the history writes ${showValue(d.database)}`;
  }
}
