/**
 * Reconciliation (SPEC §3 "Audit", §4 "Auditors"): the timeline rebuilt from the workflow history against the
 * database's audit rows, matched by sequence number (unique per center, across cycles), naming every difference.
 * Pure: it compares what it is given.
 */
import type { Actor } from '../../machines/domain';
import type { AuditRow } from '../../machines/records.types';
import type { ReplayOutcome } from './replay';
import type { TimelineEntry } from './history';
import { describeRecordDifference, type RecordDifference } from './dossier';

/** The audit fields compared, in the order a reader expects them. */
export const AUDIT_FIELDS = ['centerId', 'cycle', 'fromState', 'event', 'toState', 'actor', 'commandId', 'at'] as const;
export type AuditField = (typeof AUDIT_FIELDS)[number];

export interface FieldDifference {
  field: AuditField;
  history: string | number | null;
  database: string | number | null;
}

export type Difference =
  /** In the history, no audit row with its sequence number. */
  | { kind: 'missing'; seq: number; history: TimelineEntry }
  /** An audit row no transition in the history accounts for. */
  | { kind: 'extra'; seq: number; database: AuditRow }
  /** Same sequence number, different content: each differing field with both values. */
  | { kind: 'altered'; seq: number; fields: FieldDifference[]; history: TimelineEntry; database: AuditRow }
  /** The history itself numbers two transitions alike (the workflow must never do so). */
  | { kind: 'duplicate'; seq: number; history: TimelineEntry }
  /** An evidence file the transition's command carried is missing from the content store, or no longer matches its hash. */
  | { kind: 'evidence'; seq: number; status: 'missing' | 'changed'; name: string; path: string; expected: string; actual: string | null }
  /**
   * The rest of the dossier (issue 15 item 1, client/audit/dossier.ts): a field of a record table that differs
   * (`record`), a row the history writes that the database lacks (`missingRecord`), a row the history does not
   * account for (`extraRecord`) — each with its table and key. No sequence number (seq null): listed after the rest.
   */
  | RecordDifference;

/** What the dossier comparison found (absent when it was not made: the center could not be reconciled at all). */
export interface DossierSummary {
  /** False when the history does not carry every transition's rows (written by a local activity): see `reason`. */
  checked: boolean;
  reason: string | null;
  tables: number;
  historyRows: number;
  databaseRows: number;
  matched: number;
}

/** Differences in sequence order; those without one (the dossier's) after, in the order they were found. */
export function differenceOrder(a: Difference, b: Difference): number {
  return (a.seq ?? Number.POSITIVE_INFINITY) - (b.seq ?? Number.POSITIVE_INFINITY) || 0;
}

export interface Reconciliation {
  centerId: string;
  workflowId: string | null;
  runs: number;
  historyTransitions: number;
  databaseRows: number;
  matched: number;
  clean: boolean;
  differences: Difference[];
  /** Set when the center could not be reconciled at all (no workflow, history unreadable). */
  error: string | null;
  /** The record tables beside the audit rows (issue 15 item 1). */
  dossier?: DossierSummary;
}

export const actorText = (a: Actor): string => `${a.role}:${a.id}${a.orgId ? `@${a.orgId}` : ''}`;

/** Instants are compared as instants: a database may hand back the same time in another ISO spelling. */
function sameInstant(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return !Number.isNaN(x) && x === y;
}

function fieldValue(row: AuditRow, field: AuditField): string | number | null {
  return field === 'actor' ? actorText(row.actor) : row[field];
}

export function compareRows(history: AuditRow, database: AuditRow): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const field of AUDIT_FIELDS) {
    const [h, d] = [fieldValue(history, field), fieldValue(database, field)];
    const same = field === 'at' && typeof h === 'string' && typeof d === 'string' ? sameInstant(h, d) : h === d;
    if (!same) out.push({ field, history: h, database: d });
  }
  return out;
}

/** Pure: compares a center's history-derived timeline with its audit rows. */
export function reconcile(input: { centerId: string; workflowId?: string | null; runs?: number; timeline: readonly TimelineEntry[]; rows: readonly AuditRow[] }): Reconciliation {
  const differences: Difference[] = [];
  const bySeq = new Map<number, TimelineEntry>();
  for (const entry of input.timeline) {
    if (bySeq.has(entry.seq)) differences.push({ kind: 'duplicate', seq: entry.seq, history: entry });
    else bySeq.set(entry.seq, entry);
  }
  const rowsBySeq = new Map(input.rows.map((r) => [r.seq, r]));
  let matched = 0;
  for (const [seq, entry] of bySeq) {
    const row = rowsBySeq.get(seq);
    if (!row) {
      differences.push({ kind: 'missing', seq, history: entry });
      continue;
    }
    const fields = compareRows(entry, row);
    if (fields.length) differences.push({ kind: 'altered', seq, fields, history: entry, database: row });
    else matched++;
  }
  for (const row of input.rows) if (!bySeq.has(row.seq)) differences.push({ kind: 'extra', seq: row.seq, database: row });
  differences.sort(differenceOrder);
  return {
    centerId: input.centerId,
    workflowId: input.workflowId ?? null,
    runs: input.runs ?? 0,
    historyTransitions: input.timeline.length,
    databaseRows: input.rows.length,
    matched,
    clean: differences.length === 0,
    differences,
    error: null,
  };
}

const show = (v: string | number | null) => (v === null ? 'null' : typeof v === 'number' ? String(v) : `"${v}"`);
const brief = (r: AuditRow) => `${r.event} ${r.fromState} → ${r.toState} by ${actorText(r.actor)} at ${r.at}`;

/** One sentence per difference, naming the sequence number, the fields and both values. */
export function describeDifference(d: Difference): string {
  switch (d.kind) {
    case 'missing':
      return (
        `seq ${d.seq} missing from the database: the history has ${brief(d.history)} (run ${d.history.runId}, event ${d.history.eventId})` +
        (d.history.persisted === 'pending' ? '; its persistTransition activity has not completed yet' : '')
      );
    case 'extra':
      return `seq ${d.seq} extra in the database: ${brief(d.database)} is in no run of the history`;
    case 'altered':
      return `seq ${d.seq} altered: ${d.fields.map((f) => `${f.field} is ${show(f.database)} in the database but ${show(f.history)} in the history`).join('; ')}`;
    case 'duplicate':
      return `seq ${d.seq} appears twice in the history (run ${d.history.runId}, event ${d.history.eventId})`;
    case 'evidence':
      return d.status === 'missing'
        ? `seq ${d.seq} evidence file ${d.name} missing: ${d.path} is not in the store (expected sha256 ${d.expected}); restore it from a backup`
        : `seq ${d.seq} evidence file ${d.name} changed: ${d.path} has sha256 ${d.actual}, expected ${d.expected}; restore it from a backup`;
    case 'record':
    case 'missingRecord':
    case 'extraRecord':
      return describeRecordDifference(d);
  }
}

/** SPEC §4: any difference or non-determinism fails the audit with its own exit code (listed in `centers --help`). */
export const AUDIT_FAILED_EXIT_CODE = 6;

/** The audit's exit code: 0 when every run replays and every reconciliation is clean, else AUDIT_FAILED_EXIT_CODE. */
export function auditExitCode(result: { replay?: readonly ReplayOutcome[]; reconciliations?: readonly Reconciliation[] }): 0 | typeof AUDIT_FAILED_EXIT_CODE {
  const replayFailed = (result.replay ?? []).some((r) => !r.ok);
  const differs = (result.reconciliations ?? []).some((r) => !r.clean || r.error !== null);
  return replayFailed || differs ? AUDIT_FAILED_EXIT_CODE : 0;
}
