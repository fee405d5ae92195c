/**
 * The auditor's tools (SPEC §1 "auditors", §4 "Auditors"): given only a center's id, fetch every run of its
 * workflow, replay them with the current code, rebuild the timeline of transitions from the history, and
 * reconcile it with the database's audit rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createRepositories, type AuditRecord, type CenterRecord, type Repositories } from '../../db/repositories';
import { createKnex } from '../../db/knex';
import { writeRecord } from '../../activities';
import { CenterIdKey } from '../../contract';
import type { PersistTransitionInput } from '../../machines/records.types';
import { fetchCenterRuns, parseCenterRef, type CenterRuns } from './fetch';
import { centerTimeline, summarizeRun, transitionInputs, type RunSummary, type TimelineEntry } from './history';
import { differenceOrder, reconcile, type Difference, type DossierSummary, type Reconciliation } from './reconcile';
import { DOSSIER_TABLES, reconcileDossier, type Dossier } from './dossier';
import { AuditRecordSchema, type EvidenceFileRecord } from '../../db/schemas';
import type { EvidenceStore } from '../../evidence/store';
import { archiveRuns, buildArchive, type Archive, type ArchiveEvidence } from './export';

export * from './dossier';
export * from './export';
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

/** What the dossier comparison reads (issue 15 item 1): every record table's reader of db/repositories. */
export type DossierRepositories = Pick<
  Repositories,
  | 'getCenter'
  | 'applications'
  | 'eligibility'
  | 'assignments'
  | 'reviews'
  | 'decision'
  | 'cycles'
  | 'fundingRequests'
  | 'ledger'
  | 'summaries'
  | 'notifications'
  | 'evaluations'
  | 'evaluationReviews'
  | 'incidents'
  | 'notices'
  | 'rectifications'
  | 'supportStop'
  | 'organisationChanges'
  | 'reserveResults'
  | 'budgetLines'
  | 'spending'
  | 'finalAccounts'
  | 'evidenceFiles'
>;

const hasDossier = (repos: AuditRepositories): repos is AuditRepositories & DossierRepositories =>
  typeof (repos as Partial<DossierRepositories>).getCenter === 'function' && typeof (repos as Partial<DossierRepositories>).ledger === 'function';

/** A center's rows in every dossier table, read through the repositories (the shape they answer). */
export async function readDossier(repos: DossierRepositories, centerId: string): Promise<Dossier> {
  const one = <T>(row: T | undefined): T[] => (row === undefined ? [] : [row]);
  const rows: { [K in keyof Dossier]-?: Promise<readonly object[]> } = {
    centers: repos.getCenter(centerId).then(one),
    applications: repos.applications(centerId),
    eligibility_results: repos.eligibility(centerId),
    expert_assignments: repos.assignments(centerId),
    reviews: repos.reviews(centerId),
    decisions: repos.decision(centerId).then(one),
    cycles: repos.cycles(centerId),
    funding_requests: repos.fundingRequests(centerId),
    funding_ledger: repos.ledger(centerId),
    annual_summaries: repos.summaries(centerId),
    notifications: repos.notifications({ centerId }),
    evaluations: repos.evaluations(centerId),
    evaluation_reviews: repos.evaluationReviews(centerId),
    integrity_incidents: repos.incidents(centerId),
    notices: repos.notices({ centerId }),
    rectifications: repos.rectifications(centerId),
    support_stops: repos.supportStop(centerId).then(one),
    organisation_changes: repos.organisationChanges(centerId),
    reserve_results: repos.reserveResults(centerId),
    budget_lines: repos.budgetLines(centerId),
    spending: repos.spending(centerId),
    final_accounts: repos.finalAccounts(centerId),
    evidence_files: repos.evidenceFiles(centerId),
  };
  const out: Dossier = {};
  // One at a time: a SQLite connection pool has one connection, and the order keeps the reads easy to follow.
  for (const { table } of DOSSIER_TABLES) out[table] = (await rows[table]) as Dossier[typeof table];
  return out;
}

/**
 * What the database should hold for a center, by the history: its `persistTransition` inputs folded in order through
 * the activity's own writers (activities/index.ts writeRecord, db/repositories) into a scratch SQLite database —
 * the same audit gate (a seq written once), the center row's lastSeq guard, inserts that keep the first row, upserts
 * guarded by their seq, the Art. 16 ledger row of a granted decision, the Art. 19 notice's outbox row — then read
 * back through the repositories, exactly as the real database is read. The scratch database is removed after.
 */
export async function expectedDossier(centerId: string, inputs: readonly PersistTransitionInput[]): Promise<Dossier> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-dossier-'));
  const knex = createKnex({ client: 'sqlite3', filename: path.join(dir, 'dossier.sqlite'), connection: null });
  try {
    await knex.migrate.latest();
    const repos = createRepositories(knex);
    for (const input of inputs) {
      await knex.transaction(async (tx) => {
        // The activity's gate: a transition already written (same center and seq) writes nothing again.
        if (!(await repos.insertAudit(input.audit, tx))) return;
        await repos.upsertCenter(input.center, input.audit.seq, tx);
        for (const record of input.records) await writeRecord(repos, record, input.audit.seq, tx);
      });
    }
    return await readDossier(repos, centerId);
  } finally {
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The dossier of a center (every record table beside the audit rows) against its history: the differences and a
 * summary. A history whose transitions were written by a local activity does not carry their rows: not checked.
 */
export async function dossierDifferences(repos: DossierRepositories, centerId: string, runs: CenterRuns['runs']): Promise<{ differences: Difference[]; summary: DossierSummary }> {
  return dossierAgainstHistory(() => readDossier(repos, centerId), centerId, runs);
}

/** The same, against a dossier read elsewhere (an archive of `audit export`): read only when it will be compared. */
export async function dossierAgainstHistory(actual: () => Promise<Dossier> | Dossier, centerId: string, runs: CenterRuns['runs']): Promise<{ differences: Difference[]; summary: DossierSummary }> {
  const tables = DOSSIER_TABLES.length;
  const { inputs, local } = transitionInputs(runs);
  if (local > 0) {
    const reason = `${local} transition${local === 1 ? ' was' : 's were'} written by a local activity (persist-transition-locally): the history keeps no rows of ${local === 1 ? 'it' : 'them'}`;
    return { differences: [], summary: { checked: false, reason, tables, historyRows: 0, databaseRows: 0, matched: 0 } };
  }
  let expected: Dossier;
  try {
    expected = await expectedDossier(centerId, inputs.filter((i) => i.audit.centerId === centerId));
  } catch (err) {
    throw new Error(`the dossier of ${centerId} could not be derived from its history: ${(err as Error).message}`);
  }
  const result = reconcileDossier(expected, await actual());
  return {
    differences: result.differences,
    summary: { checked: true, reason: null, tables, historyRows: result.historyRows, databaseRows: result.databaseRows, matched: result.matched },
  };
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
  const differences = [...r.differences, ...extra].sort(differenceOrder);
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
  const audited = withEvidence({ ...reconcile({ centerId, workflowId: history.workflowId, runs: history.runs.length, timeline: history.timeline, rows }), history }, await evidenceDifferences(repos, store, centerId));
  if (!hasDossier(repos)) return audited;
  // Issue 15 item 1: every record table beside the audit rows, after the audit's own differences.
  const dossier = await dossierDifferences(repos, centerId, history.runs);
  const differences = [...audited.differences, ...dossier.differences];
  return { ...audited, differences, clean: differences.length === 0, dossier: dossier.summary };
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

/** What an export reads from the database: the audit chain and every dossier table. */
export type ExportRepositories = DossierRepositories & Pick<Repositories, 'auditChain'>;

/**
 * Issue 15 item 6: a center's dossier as one archive (client/audit/export.ts) — every run of its history from
 * Temporal, its audit rows (with the chain), every record table and its evidence files' hashes (each checked against
 * the store when one is given) from the database.
 */
export async function exportCenter(
  client: Client,
  repos: ExportRepositories,
  ref: string,
  options: { store?: EvidenceChecker; onProgress?(line: string): void; now?: Date } = {},
): Promise<Archive> {
  const { workflowId, centerId: fromRuns, runs } = await fetchCenterRuns(client, ref);
  const centerId = fromRuns ?? parseCenterRef(ref).centerId ?? ref;
  options.onProgress?.(`Fetched ${runs.length} run${runs.length === 1 ? '' : 's'} of ${workflowId} (${runs.reduce((n, r) => n + (r.history.events?.length ?? 0), 0)} events).`);
  const auditRows = await repos.auditChain(centerId);
  const records = await readDossier(repos, centerId);
  const recordRows = Object.values(records).reduce((n, rows) => n + (rows?.length ?? 0), 0);
  options.onProgress?.(`Read ${auditRows.length} audit rows and ${recordRows} record rows of ${centerId} from the database.`);
  const evidence: ArchiveEvidence[] = [];
  // readDossier filled the table from repos.evidenceFiles: its rows are EvidenceFileRecords.
  for (const row of (records.evidence_files ?? []) as readonly EvidenceFileRecord[]) {
    if (evidence.some((e) => e.sha256 === row.sha256)) continue;
    const stored = options.store ? (await options.store.check(row.sha256)).status : 'unchecked';
    evidence.push({ sha256: row.sha256, mediaType: row.mediaType, sizeBytes: row.sizeBytes, stored });
  }
  if (evidence.length) {
    const bad = evidence.filter((e) => e.stored === 'missing' || e.stored === 'changed').length;
    options.onProgress?.(`Checked ${evidence.length} evidence file${evidence.length === 1 ? '' : 's'} against the store${bad ? `: ${bad} missing or changed (recorded as such)` : ''}.`);
  }
  return buildArchive({ centerId, workflowId, runs, auditRows, records, evidence, exportedAt: options.now });
}

/**
 * An archive's history against its own audit rows and record tables (issue 15 item 6), as `reconcileCenter` compares
 * the server's history with the database: no server, no database (the history's dossier is folded in a scratch SQLite
 * file, as always). An archive whose history or rows were edited, and its digests rewritten to match, is caught here.
 */
export async function reconcileArchive(archive: Archive, label: string): Promise<Reconciliation> {
  const { centerId, workflowId } = archive.content;
  const runs = archiveRuns(archive, label);
  const rows = archive.content.auditRows.map((r) => AuditRecordSchema.parse(r));
  const audited = reconcile({ centerId, workflowId, runs: runs.length, timeline: centerTimeline(runs), rows });
  const dossier = await dossierAgainstHistory(() => archive.content.records as Dossier, centerId, runs);
  const differences = [...audited.differences, ...dossier.differences];
  return { ...audited, differences, clean: differences.length === 0, dossier: dossier.summary };
}
