/**
 * The auditor's commands (SPEC §4 "Auditors"): `centers audit replay` replays a center's runs (from the server or
 * an exported history file) with the current code and prints the timeline of transitions; `centers audit
 * reconcile` compares that timeline with the database's audit rows. Any non-determinism or difference exits
 * with AUDIT_FAILED_EXIT_CODE (6), after printing the whole report.
 */
import fs from 'node:fs';
import { createEvidenceStore } from '../../evidence/store';
import {
  auditExitCode,
  bundleForReplay,
  centerTimeline,
  describeDifference,
  fetchCenterRuns,
  listTemporalCenters,
  AUDIT_FAILED_EXIT_CODE,
  archiveRuns,
  exportCenter,
  writeArchive,
  describeMismatches,
  readAuditFile,
  type Archive,
  type ArchiveMismatch,
  reconcileAll,
  reconcileCenter,
  replayRuns,
  showValue,
  summarizeRun,
  type Reconciliation,
  type ReplayOutcome,
  type RunHistory,
  type RunSummary,
  type TimelineEntry,
  type WhatIfResult,
  parseCandidatePolicy,
  whatIfCenter,
} from '../audit';
import { workflowsPath } from '../../worker/bundle';
import type { CommandContext, Output } from '../commands';
import { centerOrAll, readJson } from '../args';
import { UsageError } from '../errors';
import { actorText, section, table, time } from '../format';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The replay worker logs through the SDK runtime (on stderr): errors only — a run that does not replay is reported
 * in the result, not also as a worker warning.
 */
async function quietRuntime(): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed (in-process callers such as tests): keep theirs.
  }
}

export function timelineTable(timeline: readonly TimelineEntry[], runIds: readonly string[] = []): string {
  const runNo = (id: string) => (runIds.indexOf(id) >= 0 ? runIds.indexOf(id) + 1 : '?');
  return table(
    ['SEQ', 'CYCLE', 'TIME', 'ACTOR', 'EVENT', 'FROM → TO', 'COMMAND', 'RUN'],
    timeline.map((e) => [
      e.seq,
      e.cycle,
      time(e.at),
      actorText(e.actor),
      e.event,
      `${e.fromState} → ${e.toState}${e.persisted === 'completed' ? '' : ` (${e.persisted})`}`,
      e.commandId,
      runNo(e.runId),
    ]),
    '(no transitions)',
  );
}

function runsTable(summaries: readonly RunSummary[], replay: readonly ReplayOutcome[]): string {
  return table(
    ['RUN', 'RUN ID', 'STATUS', 'STARTED', 'EVENTS', 'TRANSITIONS', 'REPLAY'],
    summaries.map((s, i) => [
      i + 1,
      s.runId,
      s.status,
      time(s.startedAt),
      s.events,
      s.transitions,
      replay[i] ? (replay[i].ok ? 'ok' : replay[i].error?.kind === 'nondeterminism' ? 'NON-DETERMINISTIC' : 'FAILED') : '-',
    ]),
  );
}

/**
 * An export whose parts no longer match their digests (issue 15 item 6): nothing in it is replayed or verified, the
 * parts are named, and the audit fails (exit AUDIT_FAILED_EXIT_CODE): the copy is not what was exported.
 */
export function archiveRefusal(label: string, mismatches: readonly ArchiveMismatch[]): Output {
  return {
    data: { source: 'archive', file: label, intact: false, mismatches },
    text: describeMismatches(label, mismatches),
    exitCode: AUDIT_FAILED_EXIT_CODE,
  };
}

export async function auditReplayCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.file);
  const [ref] = ctx.positionals;
  if (file && ref) throw new UsageError('Give a center or --file, not both.', 'audit replay');
  if (!file && !ref) throw new UsageError('Give a center (e.g. bjut.call-2026) or --file history.json.', 'audit replay');
  const givenWorkflowId = str(ctx.values['workflow-id']);
  if (givenWorkflowId && !file) throw new UsageError('--workflow-id goes with --file (a center names its own workflow).', 'audit replay');

  let runs: RunHistory[];
  let workflowId: string;
  let centerId: string | null;
  let archive: Archive | null = null;
  if (file) {
    const given = readAuditFile(file, givenWorkflowId);
    if (given.kind === 'archive') {
      // Issue 15 item 6: an export of `centers audit export` — every run of the center, no server needed.
      if (givenWorkflowId) throw new UsageError('--workflow-id goes with a single history file; an export names the workflow of its runs.', 'audit replay');
      if (given.opened.mismatches.length) return archiveRefusal(given.label, given.opened.mismatches);
      ({ archive } = given.opened);
      runs = archiveRuns(archive, given.label);
      ({ workflowId, centerId } = archive.content);
      ctx.warn(`Read ${runs.length} run${runs.length === 1 ? '' : 's'} of ${workflowId} from the export of ${centerId} made ${archive.content.exportedAt} (digests intact).`);
    } else {
      runs = [given.run];
      ({ workflowId } = given.run);
      centerId = summarizeRun(given.run).centerId;
    }
  } else {
    const t = await ctx.services.temporal();
    const fetched = await fetchCenterRuns(t.client, ref);
    ({ runs, workflowId, centerId } = fetched);
    ctx.warn(`Fetched ${runs.length} run${runs.length === 1 ? '' : 's'} of ${workflowId}.`);
  }

  await quietRuntime();
  const code = await bundleForReplay(workflowsPath, {
    onBundle: () => ctx.warn('Bundling the workflow code (once for this version of the code; kept under node_modules/.cache/centers)…'),
  });
  ctx.warn('Replaying with the current workflow code…');
  const replay = await replayRuns(runs, code);
  const summaries = runs.map(summarizeRun);
  const timeline = centerTimeline(runs);
  const deterministic = replay.every((r) => r.ok);
  const exitCode = auditExitCode({ replay });

  const what = centerId ? `center ${centerId} (workflow ${workflowId})` : `workflow ${workflowId}`;
  const failures = replay
    .map((r, i) => (r.ok ? null : `Run ${i + 1} (${r.runId}): ${r.error!.name}: ${r.error!.message}`))
    .filter((l): l is string => l !== null);
  const text = [
    `Replay of ${what}${archive ? ` from the export ${file} (made ${archive.content.exportedAt})` : file ? ` from ${file}` : ''} with the current code: ${runs.length} run${runs.length === 1 ? '' : 's'}, ` +
      `${timeline.length} transitions — ${deterministic ? 'deterministic' : 'NOT deterministic'}.`,
    section('Runs (first → last)', runsTable(summaries, replay)),
    ...(failures.length ? [section('Replay failures (a change to the workflow code needs a patched() guard):', failures.join('\n'))] : []),
    section('Timeline (from the workflow history)', timelineTable(timeline, summaries.map((s) => s.runId))),
  ].join('\n\n');

  return {
    data: { source: archive ? 'archive' : file ? 'file' : 'temporal', file: file ?? null, exportedAt: archive?.content.exportedAt ?? null, workflowId, centerId, deterministic, runs: summaries.map((s, i) => ({ ...s, replay: replay[i] })), timeline },
    text,
    exitCode,
  };
}

// ── audit export (issue 15 item 6) ─────────────────────────────────────────────────────────────────────────────

/** Where an export goes without --out: named after the center and the time, in the current folder. */
export const defaultExportPath = (archive: Archive): string =>
  `${archive.content.centerId}.audit-export-${archive.content.exportedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json.gz`;

export async function auditExportCommand(ctx: CommandContext): Promise<Output> {
  const [ref] = ctx.positionals;
  if (!ref) throw new UsageError('Give a center (e.g. bjut.call-2026, or bjut for its latest center).', 'audit export');
  const given = str(ctx.values.out);
  // Before anything is fetched: an export never replaces a file.
  if (given && fs.existsSync(given)) throw new UsageError(`${given} already exists; give another --out path, or move the old export away first.`, 'audit export');
  const t = await ctx.services.temporal();
  const repos = await ctx.services.repos();
  const archive = await exportCenter(t.client, repos, ref, { store: createEvidenceStore(ctx.services.cfg.evidence), onProgress: (line) => ctx.warn(line) });
  const { content } = archive;
  if (content.auditRows.length === 0) {
    ctx.warn(`Warning: the database holds no audit rows of ${content.centerId}; is CENTERS_DATABASE_FILENAME (or the connection) the service's database?`);
  }
  const out = given ?? defaultExportPath(archive);
  const bytes = writeArchive(out, archive);
  const events = content.runs.reduce((n, r) => n + r.history.events.length, 0);
  const records = Object.values(content.records).reduce((n, rows) => n + (rows?.length ?? 0), 0);
  const text = [
    `Wrote ${out} (${bytes} bytes): the dossier of ${content.centerId} (workflow ${content.workflowId}) as exported at ${content.exportedAt} — ` +
      `${content.runs.length} run${content.runs.length === 1 ? '' : 's'} (${events} history events), ${content.auditRows.length} audit rows, ` +
      `${records} record rows in ${Object.keys(content.records).length} tables, ${content.evidence.length} evidence file hash${content.evidence.length === 1 ? '' : 'es'}.`,
    `Digest ${archive.digest}.`,
    `Check it on any machine, with no server and no database: centers audit verify --file ${out} && centers audit replay --file ${out}`,
  ].join('\n');
  return {
    data: { file: out, bytes, digest: archive.digest, centerId: content.centerId, workflowId: content.workflowId, exportedAt: content.exportedAt, runs: content.runs.length, events, auditRows: content.auditRows.length, recordRows: records, evidence: content.evidence.length },
    text,
  };
}

function differencesTable(r: Reconciliation): string {
  const rows: (string | number | null)[][] = [];
  const brief = (x: { event: string; fromState: string; toState: string; actor: { id: string; role: string; orgId?: string } }) =>
    `${x.event} ${x.fromState} → ${x.toState} by ${actorText(x.actor as never)}`;
  for (const d of r.differences) {
    if (d.kind === 'record' || d.kind === 'missingRecord' || d.kind === 'extraRecord') continue;
    if (d.kind === 'altered') for (const f of d.fields) rows.push(['altered', d.seq, f.field, f.history === null ? 'null' : String(f.history), f.database === null ? 'null' : String(f.database)]);
    else if (d.kind === 'missing') rows.push(['missing', d.seq, null, brief(d.history), '(no audit row)']);
    else if (d.kind === 'extra') rows.push(['extra', d.seq, null, '(no such transition)', brief(d.database)]);
    else if (d.kind === 'evidence') rows.push([`evidence ${d.status}`, d.seq, d.path, `sha256 ${d.expected}`, d.actual === null ? '(no file)' : `sha256 ${d.actual}`]);
    else rows.push(['duplicate', d.seq, null, brief(d.history), null]);
  }
  return table(['DIFFERENCE', 'SEQ', 'FIELD', 'HISTORY', 'DATABASE'], rows);
}

/** A row or value of the dossier, short enough for a table cell (the whole of it is in --json). */
const cell = (v: unknown, width = 100): string => {
  const text = showValue(v);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
};

/** Issue 15 item 1: the record tables' differences, each with its table, key, field and both values. */
function recordDifferencesTable(r: Reconciliation): string | null {
  const rows: (string | number | null)[][] = [];
  for (const d of r.differences) {
    if (d.kind === 'record') rows.push(['altered', d.table, d.key, d.field, cell(d.history), cell(d.database)]);
    else if (d.kind === 'missingRecord') rows.push(['missing', d.table, d.key, null, cell(d.history), '(no row)']);
    else if (d.kind === 'extraRecord') rows.push(['extra', d.table, d.key, null, '(no such record)', cell(d.database)]);
  }
  return rows.length ? table(['DIFFERENCE', 'TABLE', 'KEY', 'FIELD', 'HISTORY', 'DATABASE'], rows) : null;
}

function dossierLine(r: Reconciliation): string | null {
  const d = r.dossier;
  if (!d) return null;
  if (!d.checked) return `Record tables not checked: ${d.reason}.`;
  return `Record tables (${d.tables}): ${d.historyRows} rows by the history, ${d.databaseRows} in the database, ${d.matched} matching.`;
}

function verdict(r: Reconciliation): string {
  if (r.error) return `cannot be reconciled: ${r.error.split('\n')[0]}`;
  if (r.clean) return 'clean';
  return `${r.differences.length} difference${r.differences.length === 1 ? '' : 's'}`;
}

export function reconciliationText(r: Reconciliation): string {
  const head =
    `Reconciliation of ${r.centerId}${r.workflowId ? ` (workflow ${r.workflowId}, ${r.runs} run${r.runs === 1 ? '' : 's'})` : ''}: ` +
    `${r.historyTransitions} transitions in the history, ${r.databaseRows} audit rows, ${r.matched} matching — ${verdict(r)}.`;
  const line = dossierLine(r);
  const audit = r.differences.some((d) => d.seq !== null) ? differencesTable(r) : null;
  return [line ? `${head}\n${line}` : head, audit, recordDifferencesTable(r)].filter((x) => x !== null).join('\n\n');
}

/** A reconciliation without the fetched histories, for --json. */
const plain = (r: Reconciliation) => ({
  centerId: r.centerId,
  workflowId: r.workflowId,
  runs: r.runs,
  historyTransitions: r.historyTransitions,
  databaseRows: r.databaseRows,
  matched: r.matched,
  clean: r.clean,
  error: r.error,
  dossier: r.dossier ?? null,
  differences: r.differences.map((d) => ({ ...d, description: describeDifference(d) })),
});

export async function auditReconcileCommand(ctx: CommandContext): Promise<Output> {
  const { all, ref } = centerOrAll(ctx.values, ctx.positionals, 'audit reconcile');
  const t = await ctx.services.temporal();
  const repos = await ctx.services.repos();

  if (!all) {
    const r = await reconcileCenter(t.client, repos, ref, createEvidenceStore(ctx.services.cfg.evidence));
    return { data: plain(r), text: reconciliationText(r), exitCode: auditExitCode({ reconciliations: [r] }) };
  }

  let temporalCenters: string[] | undefined;
  try {
    temporalCenters = await listTemporalCenters(t.client);
  } catch (err) {
    ctx.warn(`Warning: Temporal visibility could not list centers (${(err as Error).message.split('\n')[0]}); reconciling the database's centers only.`);
  }
  const results = await reconcileAll(t.client, repos, {
    temporalCenters,
    evidence: createEvidenceStore(ctx.services.cfg.evidence),
    onProgress: (done, total, r) => ctx.warn(`[${done}/${total}] ${r.centerId}: ${verdict(r)}`),
  });
  const failing = results.filter((r) => !r.clean);
  const summary = table(
    ['CENTER', 'RUNS', 'HISTORY', 'DATABASE', 'MATCHING', 'RESULT'],
    results.map((r) => [r.centerId, r.runs, r.historyTransitions, r.databaseRows, r.matched, verdict(r)]),
    'No centers to reconcile.',
  );
  const text = [
    `Reconciliation of ${results.length} center${results.length === 1 ? '' : 's'}: ${results.length - failing.length} clean, ${failing.length} with differences.`,
    summary,
    ...failing.map(reconciliationText),
  ].join('\n\n');
  return {
    data: { centers: results.length, clean: results.length - failing.length, withDifferences: failing.length, results: results.map(plain) },
    text,
    exitCode: auditExitCode({ reconciliations: results }),
  };
}

// ── audit what-if ───────────────────────────────────────────────────────────────────────────────────────────────

/** A center's what-if, or why it could not be read. */
type WhatIfRow = { centerId: string; result: WhatIfResult | null; error: string | null };

const missedText = (o: WhatIfResult['recorded']) => o.deadlines.filter((d) => d.outcome === 'missed').map((d) => d.key).join(' ') || '-';
const gradeText = (o: WhatIfResult['recorded']) => o.grades.map((g) => `${g.kind}:${g.grade}`).join(' ') || '-';
const eligibilityCell = (o: WhatIfResult['recorded']) => (o.eligible === null ? '-' : o.eligible ? 'eligible' : `ineligible ${o.failingConditions.join(' ')}`);
const stoppedCell = (o: WhatIfResult['recorded']) => (o.supportStopped ? `stopped ${o.supportStopped.at.slice(0, 10)}` : '-');
const arrow = (a: string, b: string) => (a === b ? a : `${a} → ${b}`);

function whatIfTable(rows: readonly WhatIfRow[]): string {
  return table(
    ['CENTER', 'CHANGES', 'ELIGIBILITY', 'GRADES', 'TIER', 'MISSED DEADLINES', 'SUPPORT', 'WOULD REFUSE'],
    rows.map(({ centerId, result: r, error }) =>
      r
        ? [
            centerId,
            r.changes.length || '-',
            arrow(eligibilityCell(r.recorded), eligibilityCell(r.candidate)),
            arrow(gradeText(r.recorded), gradeText(r.candidate)),
            arrow(r.recorded.tier ?? '-', r.candidate.tier ?? '-'),
            arrow(missedText(r.recorded), missedText(r.candidate)),
            arrow(stoppedCell(r.recorded), stoppedCell(r.candidate)),
            r.firstRefused ? `${r.firstRefused.type} ${time(r.firstRefused.at)} (${r.firstRefused.reason})` : '-',
          ]
        : [centerId, 'ERROR', error, null, null, null, null, null],
    ),
    'No centers.',
  );
}

function whatIfDetails(r: WhatIfResult): string {
  const lines = r.changes.map((c) => `  ${c.field}: ${c.recorded} → ${c.candidate}`);
  for (const x of r.candidate.refused.filter((x) => !r.recorded.refused.some((o) => o.commandId === x.commandId))) {
    lines.push(`  refused ${x.type} (${x.commandId}) at ${time(x.at)}: ${x.reason}: ${x.message}`);
  }
  if (r.candidate.failingReasons.length) lines.push(...r.candidate.failingReasons.map((reason, i) => `  Art. ${r.candidate.failingConditions[i].split(' ')[0]}: ${reason}`));
  return `${r.centerId}:\n${lines.join('\n')}`;
}

const WHAT_IF_CSV_HEADERS = [
  'center_id',
  'changed',
  'changes',
  'eligibility_recorded',
  'eligibility_candidate',
  'failing_conditions_candidate',
  'grades_recorded',
  'grades_candidate',
  'tier_recorded',
  'tier_candidate',
  'missed_deadlines_recorded',
  'missed_deadlines_candidate',
  'support_stopped_recorded',
  'support_stopped_candidate',
  'state_recorded',
  'state_candidate',
  'first_refused_type',
  'first_refused_at',
  'first_refused_reason',
  'refused_count',
  'faithful',
  'error',
];

export function whatIfCsv(rows: readonly WhatIfRow[]): string {
  const quote = (c: string | number | boolean | null) => (c === null ? '' : typeof c !== 'string' || !/[",\n\r]/.test(c) ? String(c) : `"${c.replace(/"/g, '""')}"`);
  const lines = rows.map(({ centerId, result: r, error }) =>
    (r
      ? [
          centerId,
          r.changed,
          r.changes.length,
          r.recorded.eligible === null ? '' : r.recorded.eligible ? 'eligible' : 'ineligible',
          r.candidate.eligible === null ? '' : r.candidate.eligible ? 'eligible' : 'ineligible',
          r.candidate.failingConditions.join(' '),
          gradeText(r.recorded),
          gradeText(r.candidate),
          r.recorded.tier,
          r.candidate.tier,
          missedText(r.recorded),
          missedText(r.candidate),
          r.recorded.supportStopped?.at ?? '',
          r.candidate.supportStopped?.at ?? '',
          r.recorded.state,
          r.candidate.state,
          r.firstRefused?.type ?? '',
          r.firstRefused?.at ?? '',
          r.firstRefused?.reason ?? '',
          r.candidate.refused.length - r.recorded.refused.length,
          r.faithful,
          '',
        ]
      : [centerId, ...WHAT_IF_CSV_HEADERS.slice(1, -1).map(() => null), error]
    )
      .map(quote)
      .join(','),
  );
  return `${[WHAT_IF_CSV_HEADERS.join(','), ...lines].join('\r\n')}\r\n`;
}

export async function auditWhatIfCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.policy);
  if (!file) throw new UsageError('Give the candidate policy with --policy FILE (JSON, e.g. {"minFullTimeStaff": 4}).', 'audit what-if');
  const { all, ref } = centerOrAll(ctx.values, ctx.positionals, 'audit what-if');
  const label = file === '-' ? 'standard input' : file;
  const candidate = parseCandidatePolicy(readJson(file), label);
  const t = await ctx.services.temporal();

  let rows: WhatIfRow[];
  if (!all) {
    const result = await whatIfCenter(t.client, ref, candidate, label);
    rows = [{ centerId: result.centerId, result, error: null }];
  } else {
    const centers = (await (await ctx.services.repos()).listCenters()).map((c) => c.centerId).sort();
    rows = [];
    for (const centerId of centers) {
      let row: WhatIfRow;
      try {
        const result = await whatIfCenter(t.client, centerId, candidate, label);
        row = { centerId, result, error: null };
      } catch (err) {
        row = { centerId, result: null, error: (err as Error).message.split('\n')[0] };
      }
      rows.push(row);
      ctx.warn(`[${rows.length}/${centers.length}] ${centerId}: ${row.result ? (row.result.changed ? `${row.result.changes.length} change(s)` : 'unchanged') : `cannot be read: ${row.error}`}`);
    }
  }
  const results = rows.map((r) => r.result).filter((r): r is WhatIfResult => r !== null);
  const changed = results.filter((r) => r.changed);
  const refused = results.filter((r) => r.firstRefused);
  const unfaithful = results.filter((r) => !r.faithful);
  const data = {
    policy: candidate,
    centers: rows.length,
    changed: changed.length,
    wouldRefuse: refused.map((r) => r.centerId),
    results: rows.map(({ centerId, result, error }) => (result ? { ...result, error: null } : { centerId, error })),
  };
  if (ctx.values.csv === true) return { data, text: whatIfCsv(rows).trimEnd() };
  const text = [
    `What-if of ${rows.length} center${rows.length === 1 ? '' : 's'} under ${label} (${Object.entries(candidate).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'no change'}): ` +
      `${changed.length} would change, ${rows.length - results.length} could not be read. Nothing was written.`,
    whatIfTable(rows),
    ...(refused.length ? [section('Would have refused (the first recorded command the candidate policy refuses):', refused.map((r) => `${r.centerId}: ${r.firstRefused!.type} at ${time(r.firstRefused!.at)} — ${r.firstRefused!.message}`).join('\n'))] : []),
    ...(changed.length ? [section('Changes', changed.map(whatIfDetails).join('\n\n'))] : []),
    ...(unfaithful.length
      ? [
          section(
            'Note: for these centers the recorded policy, simulated, does not end where the history does (a command refused after it was accepted, or a calendar round that fired a deadline late); read their rows with care:',
            unfaithful.map((r) => `${r.centerId}: history ${r.recordedState}, simulated ${r.recorded.state}`).join('\n'),
          ),
        ]
      : []),
  ].join('\n\n');
  return { data, text };
}
