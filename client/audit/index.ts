/**
 * The auditor's tools (SPEC §1 "auditors", §4 "Auditors"): given only a center's id, fetch every run of its
 * workflow, replay them with the current code, rebuild the timeline of transitions from the history, and
 * reconcile it with the database's audit rows.
 */
import type { Client } from '@temporalio/client';
import type { AuditRecord, CenterRecord } from '../../db/repositories';
import { CenterIdKey } from '../../contract';
import { fetchCenterRuns, parseCenterRef, type CenterRuns } from './fetch';
import { centerTimeline, summarizeRun, type RunSummary, type TimelineEntry } from './history';
import { reconcile, type Difference, type Reconciliation } from './reconcile';
import type { EvidenceFileRecord } from '../../db/schemas';
import type { EvidenceStore } from '../../evidence/store';

export * from './fetch';
export * from './history';
export * from './reconcile';
export * from './replay';
export * from './what-if';
export * from './verify';
export { historyFromJSON, historyToJSON } from './proto-json';

/** What reconciliation reads from the database (db/repositories). */
export interface AuditRepositories {
  auditLog(centerId: string): Promise<AuditRecord[]>;
  listCenters(): Promise<CenterRecord[]>;
  /** The evidence rows (issue 14 item 3): each stored file is checked against its hash when a store is given. */
  evidenceFiles?(centerId: string): Promise<EvidenceFileRecord[]>;
}

/** Where reconciliation finds the evidence files (evidence/store.ts); without one, files are not checked. */
export type EvidenceChecker = Pick<EvidenceStore, 'check'>;

/** Every evidence file of a center against the store: each missing or changed one named. */
export async function evidenceDifferences(repos: AuditRepositories, store: EvidenceChecker | undefined, centerId: string): Promise<Difference[]> {
  if (!store || !repos.evidenceFiles) return [];
  const out: Difference[] = [];
  const checked = new Map<string, Awaited<ReturnType<EvidenceChecker['check']>>>();
  for (const row of await repos.evidenceFiles(centerId)) {
    let found = checked.get(row.sha256);
    if (!found) checked.set(row.sha256, (found = await store.check(row.sha256)));
    if (found.status === 'ok') continue;
    out.push({ kind: 'evidence', seq: row.seq, status: found.status, name: row.name, path: found.path, expected: row.sha256, actual: found.status === 'changed' ? found.actual : null });
  }
  return out;
}

/** A reconciliation with the evidence differences added (in sequence order), clean only if there are none. */
function withEvidence<R extends Reconciliation>(r: R, extra: Difference[]): R {
  if (extra.length === 0) return r;
  const differences = [...r.differences, ...extra].sort((a, b) => a.seq - b.seq);
  return { ...r, differences, clean: false };
}

export interface CenterHistory extends CenterRuns {
  summaries: RunSummary[];
  timeline: TimelineEntry[];
}

/** Every run of a center (first → last), each summarized, and the timeline they record. */
export async function centerHistory(client: Client, ref: string): Promise<CenterHistory> {
  const runs = await fetchCenterRuns(client, ref);
  return { ...runs, summaries: runs.runs.map(summarizeRun), timeline: centerTimeline(runs.runs) };
}

/**
 * One center: its history-derived timeline against its audit rows. A center the database knows but Temporal does
 * not (no workflow, or not this center's) is reconciled against an empty history: every row is named as extra.
 */
export async function reconcileCenter(client: Client, repos: AuditRepositories, ref: string, store?: EvidenceChecker): Promise<Reconciliation & { history: CenterHistory | null }> {
  let history: CenterHistory;
  try {
    history = await centerHistory(client, ref);
  } catch (err) {
    const { centerId, workflowId } = parseCenterRef(ref);
    const rows = centerId && err instanceof Error && err.name === 'NotFoundError' ? await repos.auditLog(centerId) : [];
    if (!centerId || rows.length === 0) throw err;
    return withEvidence({ ...reconcile({ centerId, workflowId, timeline: [], rows }), error: (err as Error).message, history: null }, await evidenceDifferences(repos, store, centerId));
  }
  const centerId = history.centerId ?? ref;
  const rows = await repos.auditLog(centerId);
  return withEvidence({ ...reconcile({ centerId, workflowId: history.workflowId, runs: history.runs.length, timeline: history.timeline, rows }), history }, await evidenceDifferences(repos, store, centerId));
}

/** A center that could not be reconciled at all still counts as a difference. */
function failed(centerId: string, workflowId: string | null, rows: number, err: unknown): Reconciliation {
  return {
    centerId,
    workflowId,
    runs: 0,
    historyTransitions: 0,
    databaseRows: rows,
    matched: 0,
    clean: false,
    differences: [],
    error: err instanceof Error ? err.message : String(err),
  };
}

export interface ReconcileAllOptions {
  /** Called after each center: progress for people (stderr). */
  onProgress?(done: number, total: number, result: Reconciliation): void;
  /**
   * Centers known to Temporal but perhaps not to the database (visibility); each is reconciled too, so a center
   * whose rows never reached the database is named. Omit where the server has no visibility.
   */
  temporalCenters?: readonly string[];
  /** The evidence store: every center's files are checked against their hashes. */
  evidence?: EvidenceChecker;
}

/** Every center of the database (and of Temporal, when listed), one at a time. */
export async function reconcileAll(client: Client, repos: AuditRepositories, options: ReconcileAllOptions = {}): Promise<Reconciliation[]> {
  const centers = await repos.listCenters();
  const ids = [...new Set([...centers.map((c) => c.centerId), ...(options.temporalCenters ?? [])])].sort();
  const results: Reconciliation[] = [];
  for (const centerId of ids) {
    let result: Reconciliation;
    try {
      const { history: _history, ...r } = await reconcileCenter(client, repos, centerId, options.evidence);
      result = r;
    } catch (err) {
      const row = centers.find((c) => c.centerId === centerId);
      result = failed(centerId, row?.workflowId ?? null, (await repos.auditLog(centerId)).length, err);
    }
    results.push(result);
    options.onProgress?.(results.length, ids.length, result);
  }
  return results;
}

/** Centers Temporal knows through visibility (distinct CenterId of center workflows). */
export async function listTemporalCenters(client: Client): Promise<string[]> {
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({ query: "WorkflowType = 'centerWorkflow'" })) {
    const id = wf.typedSearchAttributes.get(CenterIdKey);
    if (id) ids.add(id);
  }
  return [...ids];
}
