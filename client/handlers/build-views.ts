/**
 * How the build cycle reads in a terminal (Art. 12–19): funding requests and the money granted, annual summaries,
 * evaluations and their scores, integrity incidents, rectification and notices. The live view (`show`) and the
 * database lists share these tables: the workflow's entries and the stored rows have the same fields.
 */
import type { EvaluationRecord, EvaluationReviewRecord, LedgerTotal, NoticeRecord, RectificationRecord } from '../../db/repositories';
import type { EvaluationEntry, FundingEntry, IncidentEntry, Rectification, SummaryEntry } from '../../machines/center';
import type { DimensionScores } from '../../machines/domain';
import { DIMENSIONS } from '../../machines/policy';
import type { CenterView } from '../../contract';
import { fields, money, section, table, time, type Cell } from '../format';

type FundingRow = Pick<FundingEntry, 'requestId' | 'cycle' | 'year' | 'status' | 'grantedFen' | 'reason' | 'requestedAt' | 'requestedBy' | 'decidedAt' | 'decidedBy'> & {
  request: Pick<FundingEntry['request'], 'kind' | 'title' | 'amountFen'>;
};
type SummaryRow = Pick<SummaryEntry, 'cycle' | 'year' | 'status' | 'openedAt' | 'dueAt' | 'submittedAt' | 'submissions' | 'overdue' | 'returnReason' | 'acceptedAt'>;
type IncidentRow = Pick<IncidentEntry, 'incidentId' | 'incident' | 'recordedAt' | 'recordedBy'>;

const KIND: Record<EvaluationEntry['kind'], string> = { midTerm: 'mid-term', acceptance: 'acceptance', reEvaluation: 're-evaluation' };
export const evaluationKind = (kind: EvaluationEntry['kind'], repeats?: EvaluationEntry['repeats']): string =>
  `${KIND[kind]}${repeats ? ` (of the ${KIND[repeats]})` : ''}`;

/** The five key tasks (Art. 10–11) as short column heads. */
const DIMENSION_HEADS: Record<(typeof DIMENSIONS)[number], string> = {
  mechanismInnovation: 'MECHANISM',
  ipManagement: 'IP',
  talentTraining: 'TALENT',
  resourceSharing: 'SHARING',
  professionalServices: 'SERVICES',
};
const scoreCells = (s: DimensionScores): Cell[] => DIMENSIONS.map((d) => s[d]);

export function fundingTable(rows: readonly FundingRow[], empty = '(no funding requests)'): string {
  return table(
    ['REQUEST', 'CYCLE', 'YEAR', 'KIND', 'TITLE', 'REQUESTED', 'STATUS', 'GRANTED', 'DECIDED', 'BY', 'REASON'],
    rows.map((f) => [f.requestId, f.cycle, f.year, f.request.kind, f.request.title, money(f.request.amountFen), f.status, money(f.grantedFen), time(f.decidedAt), f.decidedBy, f.reason]),
    empty,
  );
}

/** Art. 16: the money granted per cycle, year and kind, with the sum of all. */
export function ledgerTotalsTable(totals: readonly LedgerTotal[]): string {
  if (totals.length === 0) return '(nothing granted yet)';
  const all = totals.reduce((sum, t) => sum + t.totalFen, 0);
  const grants = totals.reduce((sum, t) => sum + t.grants, 0);
  return table(
    ['CYCLE', 'YEAR', 'KIND', 'GRANTS', 'GRANTED'],
    [...totals.map((t) => [t.cycle, t.year, t.kind, t.grants, money(t.totalFen)]), ['all', '', '', grants, money(all)]],
  );
}

export function summariesTable(rows: readonly SummaryRow[], empty = '(no annual summary has opened yet: one opens when a build year ends)'): string {
  return table(
    ['CYCLE', 'YEAR', 'STATUS', 'OVERDUE', 'OPENED', 'DUE', 'SUBMITTED', 'SUBMISSIONS', 'ACCEPTED', 'RETURNED BECAUSE'],
    rows.map((s) => [s.cycle, s.year, s.status, s.overdue, time(s.openedAt), time(s.dueAt), time(s.submittedAt), s.submissions, time(s.acceptedAt), s.returnReason]),
    empty,
  );
}

export function incidentsTable(rows: readonly IncidentRow[]): string {
  return table(
    ['INCIDENT', 'OCCURRED', 'CATEGORY', 'DESCRIPTION', 'RECORDED', 'BY'],
    rows.map((i) => [i.incidentId, i.incident.occurredOn, i.incident.category, i.incident.description, time(i.recordedAt), i.recordedBy]),
    '(no integrity incidents)',
  );
}

/** The step an evaluation is at, from the center's state (`building.evaluation.expertReview` → `expertReview`). */
export function evaluationStep(view: Pick<CenterView, 'state'>, ev: EvaluationEntry): string {
  if (ev.grade) return 'graded';
  const m = /(?:^|\.)evaluation\.([A-Za-z]+)/.exec(view.state);
  return m ? m[1] : '-';
}

/** Art. 17–18: one evaluation as the workflow holds it — steps, experts' scores, score and grade. */
export function evaluationBlock(view: Pick<CenterView, 'state'>, ev: EvaluationEntry): string {
  const reviews = Object.entries(ev.reviews);
  const head = fields([
    ['Evaluation', `${ev.evaluationId} — ${evaluationKind(ev.kind, ev.repeats)}, cycle ${ev.cycle}`],
    ['Started', time(ev.startedAt)],
    ['Step', evaluationStep(view, ev)],
    ['Self-evaluation', ev.selfEvaluation ? `submitted ${time(ev.selfEvaluation.submittedAt)}` : null],
    ['Inspection', ev.inspection ? `${ev.inspection.inspectedOn} by ${ev.inspection.inspectors.join(', ')}: ${ev.inspection.findings}` : null],
    ['Experts', ev.experts.length ? ev.experts.map((e) => `${e.id}@${e.orgId}${e.id in ev.reviews ? '' : ' (awaited)'}`).join(', ') : null],
    ['Score', ev.score],
    ['Computed grade', ev.computedGrade],
    ['Grade', ev.grade],
    ['Override reason', ev.overrideReason ?? undefined],
    ['Graded', ev.gradedAt ? `${time(ev.gradedAt)} by ${ev.gradedBy}` : undefined],
  ]);
  const rows: Cell[][] = [
    ...(ev.selfEvaluation ? [['(self)', ...scoreCells(ev.selfEvaluation.scores), null, time(ev.selfEvaluation.submittedAt)]] : []),
    ...reviews.map(([expertId, r]) => [expertId, ...scoreCells(r.scores), r.weightedScore, time(r.submittedAt)]),
  ];
  return rows.length ? `${head}\n\n${table(['SCORED BY', ...DIMENSIONS.map((d) => DIMENSION_HEADS[d]), 'WEIGHTED', 'AT'], rows)}` : head;
}

/** Art. 18: evaluations as stored, with the experts' scores of each. */
export function evaluationsTable(rows: readonly EvaluationRecord[]): string {
  return table(
    ['EVALUATION', 'KIND', 'CYCLE', 'STEP', 'STARTED', 'SCORE', 'COMPUTED', 'GRADE', 'OVERRIDE REASON', 'GRADED', 'BY'],
    rows.map((e) => [e.evaluationId, evaluationKind(e.evaluationKind), e.cycle, e.step, time(e.startedAt), e.score, e.computedGrade, e.grade, e.overrideReason, time(e.gradedAt), e.gradedBy]),
    '(no evaluations yet: the mid-term comes after two build years)',
  );
}

export function evaluationReviewsTable(rows: readonly EvaluationReviewRecord[]): string {
  return table(
    ['EVALUATION', 'EXPERT', ...DIMENSIONS.map((d) => DIMENSION_HEADS[d]), 'WEIGHTED', 'SUBMITTED', 'OPINION'],
    rows.map((r) => [r.stage, r.expertId, ...scoreCells(r.scores), r.weightedScore, time(r.submittedAt), r.opinion]),
    '(no expert scores yet)',
  );
}

/** Art. 19: the rectification under way — its notice, deadline, extensions and report. */
export function rectificationBlock(r: Rectification): string {
  const head = fields([
    ['Notice', `${r.noticeId} (published ${time(r.publishedAt)})`],
    ['Rectifies', `the ${KIND[r.repeats]} (evaluation ${r.evaluationId}, graded ${r.grade})`],
    ['Reasons', r.reasons],
    ['Deadline', `${time(r.dueAt)} (deadline ${r.deadlineKey})`],
    ['Extensions', r.extensions.length],
    ['Report', r.reportSubmittedAt ? `submitted ${time(r.reportSubmittedAt)}` : 'not yet submitted'],
    ['Funding', 'suspended until the re-evaluation passes'],
  ]);
  if (r.extensions.length === 0) return head;
  return `${head}\n\n${table(['EXTENDED FROM', 'TO', 'REASON', 'AT', 'BY'], r.extensions.map((e) => [time(e.from), time(e.to), e.reason, time(e.at), e.by]))}`;
}

/** Art. 19: notices, with the rectification each opened when it is known (the database's lists). */
export function noticesTable(notices: readonly (NoticeRecord & { rectification?: Pick<RectificationRecord, 'status' | 'dueAt'> | null })[]): string {
  const withRectification = notices.some((n) => n.rectification !== undefined);
  return table(
    ['NOTICE', 'CENTER', 'PUBLISHED', 'EVALUATION', 'GRADE', 'REASONS', ...(withRectification ? ['RECTIFICATION', 'DUE'] : [])],
    notices.map((n) => [
      n.noticeId,
      n.centerId,
      time(n.publishedAt),
      n.evaluationId,
      n.grade,
      n.reasons,
      ...(withRectification ? [n.rectification?.status, time(n.rectification?.dueAt)] : []),
    ]),
    '(no notices)',
  );
}

/** `show`: the build cycle blocks of a center, once it is established (incidents as soon as there are any). */
export function buildCycleBlocks(view: CenterView): string[] {
  const blocks: string[] = [];
  if (view.establishedAt) {
    blocks.push(
      section(
        'Build cycle (Art. 6)',
        fields([
          ['Cycle', `${view.cycle}, tier ${view.tier ?? 'none yet (Art. 19: set by a passed mid-term or the acceptance)'}`],
          ['Cycle start', time(view.cycleStartAt)],
          ['Years ended', view.yearsEnded],
          [
            'Granted this year',
            view.fundingYear &&
              `year ${view.fundingYear.year}: ` +
                Object.entries(view.fundingYear.kinds)
                  .map(([kind, k]) => `${kind} ${k.grantedFen} fen${k.ceilingFen === null ? '' : ` of ${k.ceilingFen} (Art. 19 ceiling)`}`)
                  .join(', '),
          ],
          ['Support', view.supportStopped ? `STOPPED ${time(view.supportStopped.at)}: ${view.supportStopped.reason}` : view.rectification ? 'suspended (rectification)' : 'running'],
        ]),
      ),
      section(
        'Director and staff (Art. 6, 8(7))',
        [
          fields([['Director', view.director ? `${view.director.name}, ${view.director.title}, ${view.director.department}` : null]]),
          table(['STAFF', 'FULL-TIME', 'BACKGROUND'], view.staff.map((m) => [m.name, m.fullTime, m.background]), '(no staff recorded)'),
        ].join('\n'),
      ),
      section('Funding requests (Art. 13–16)', fundingTable(view.funding)),
      section('Annual summaries (Art. 18)', summariesTable(view.summaries)),
      section(
        view.evaluation?.grade ? 'Last evaluation (Art. 17–18)' : 'Current evaluation (Art. 17–18)',
        view.evaluation ? evaluationBlock(view, view.evaluation) : '(none yet: the mid-term comes after two build years)',
      ),
    );
    if (view.evaluations.length) {
      blocks.push(
        section(
          'Graded evaluations',
          table(['EVALUATION', 'KIND', 'CYCLE', 'SCORE', 'GRADE', 'GRADED'], view.evaluations.map((e) => [e.evaluationId, evaluationKind(e.kind), e.cycle, e.score, e.grade, time(e.gradedAt)])),
        ),
      );
    }
  }
  if (view.establishedAt || view.incidents.length) blocks.push(section('Integrity incidents (Art. 12)', incidentsTable(view.incidents)));
  if (view.rectification) blocks.push(section('Rectification (Art. 19)', rectificationBlock(view.rectification)));
  if (view.notices.length) blocks.push(section('Notices (Art. 19)', noticesTable(view.notices.map((n) => ({ ...n, centerId: view.centerId })))));
  if (view.supportStopped) {
    blocks.push(section('Support stopped (Art. 19)', fields([['At', time(view.supportStopped.at)], ['Reason', view.supportStopped.reason]])));
  }
  return blocks;
}
