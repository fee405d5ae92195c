/**
 * Model-based test of the whole lifecycle after establishment (xstate/graph): building (Art. 13–16 funding, Art. 18
 * annual summaries and their deadlines), every evaluation (Art. 17–18 mid-term, acceptance; Art. 19 re-evaluation),
 * rectification (Art. 19 report, extension, STOP_SUPPORT, the deadline), stopped support and the start of the next
 * cycle. The model starts from an established center (the application stage is model.test.ts's) and is given, per
 * snapshot, concrete candidate events built from that snapshot: commands of entitled actors with fixed command ids
 * and times derived from the snapshot's pending deadlines, and DEADLINE_REACHED for the earliest pending deadline.
 *
 * Keeping the graph finite (and small enough for two shared cores):
 *  - a short policy: a two-year cycle with the mid-term after year 1, panels of two experts;
 *  - the snapshot is serialised without timestamps or ids: state, cycle, years ended, the pending deadlines in due
 *    order, summary and funding statuses, the evaluation's panel and reviews, the rectification's extensions and the
 *    grades so far. Command times are a function of the pending deadlines (an hour before the earliest one), so two
 *    snapshots with the same serialisation behave the same — the replay below checks exactly that;
 *  - exploration (the events a model follows) is narrower than comparison, and split in two models (see `Focus`):
 *    one follows the funding and summary commands with the deadlines (the evaluation waiting at its first step),
 *    the other every evaluation, rectification and deadline event with one funding request per cycle. Following
 *    both kinds in one model multiplies them (over 20,000 states, minutes on two cores). Each model stops at
 *    cycle 2's building.running or at supportStopped.
 * Every candidate command (followed or not, accepted or refused) is compared at every snapshot either model reaches.
 */
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { checkCommand } from '../../machines/authorize';
import { centerMachine, isClosed, stateName, type CenterEvent, type CenterSnapshot } from '../../machines/center';
import { toEvent, type Command } from '../../machines/commands';
import type { Expert } from '../../machines/domain';
import { PolicySchema } from '../../machines/policy';
import { annualSummary, cmd, commission, expertActor, experts, promotionRequest, scores, university } from '../helpers/fixtures';
import { DAY, ESTABLISHED, HOUR, established, scheduler } from './drive';

/** Art. 6, 18 in small: a two-year cycle, the mid-term after year 1; Art. 9, 18: panels of two. */
const policy = PolicySchema.parse({ cycleYears: 2, midTermAfterYears: 1, minExpertsPerReview: 2 });
const START = established({ policy });

const uni = university();
const PANEL: Expert[] = experts('tsinghua', 2);
const OUTSIDER: Expert = { id: 'expert-zju-9', name: 'Expert 9', orgId: 'zju' };
const CONFLICTED: Expert[] = [{ id: 'expert-bjut-1', name: 'Expert B', orgId: 'bjut' }, PANEL[0]];
const REQUESTED_FEN = 500_000_00;
const EXTEND_DAYS = 30;

const iso = (ms: number) => new Date(ms).toISOString();
const pendingDeadlines = (s: CenterSnapshot) =>
  s.context.deadlines.filter((d) => d.status === 'pending').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.key.localeCompare(b.key));
/** The snapshot's "now": an hour before its earliest pending deadline (or a day after its last one). */
function nowOf(s: CenterSnapshot): number {
  const next = pendingDeadlines(s)[0];
  if (next) return Date.parse(next.dueAt) - HOUR;
  return Math.max(...s.context.deadlines.map((d) => Date.parse(d.dueAt))) + DAY;
}
const currentYear = (s: CenterSnapshot) => (s.context.yearsEnded < s.context.policy.cycleYears ? s.context.yearsEnded + 1 : null);

interface Candidate {
  /** Stable across snapshots: the command id, or `deadline:<key>`. */
  label: string;
  event: CenterEvent;
  command: Command | null;
  /** Whether the model follows it (every candidate command is compared). */
  follow: boolean;
}

const command = (c: Command, at: number, follow: boolean): Candidate => ({ label: c.commandId, event: toEvent(c, iso(at)), command: c, follow });

/**
 * Which part of the lifecycle a model follows: `building` follows every funding and summary command and every
 * deadline, but no evaluation step (its mid-term stays at the self-evaluation while the years, summaries and
 * funding go on); `evaluation` follows every evaluation, rectification and deadline event, with one funding request
 * per cycle (so that it is held, resumed or cancelled) and no summary command. Both compare every candidate.
 */
type Focus = 'building' | 'evaluation';

/** The candidate events of a snapshot (`follow` says which of them the model of `focus` follows). */
function candidates(s: CenterSnapshot, focus: Focus = 'evaluation'): Candidate[] {
  const ctx = s.context;
  const now = nowOf(s);
  const side = focus === 'building' && s.matches('building');
  const rectifying = focus === 'evaluation' && s.matches({ building: 'rectification' });
  const inEvaluation = focus === 'evaluation' && s.matches({ building: 'evaluation' });
  const out: Candidate[] = [];

  // Art. 13–16: one request per build year (per cycle in the evaluation focus); grants at, above and below the
  // amount, declines.
  const year = currentYear(s);
  const requested = year !== null && ctx.funding.some((f) => f.cycle === ctx.cycle && (focus === 'evaluation' || f.year === year));
  const running = s.matches({ building: 'running' });
  out.push(command(cmd('REQUEST_FUNDING', uni, { request: promotionRequest(REQUESTED_FEN) }, 'lc-request-funding'), now, (side || (running && focus === 'evaluation')) && !requested));
  for (const requestId of ['c1-y1-f1', 'c1-y2-f1']) {
    out.push(command(cmd('GRANT_FUNDING', commission, { requestId, amountFen: REQUESTED_FEN }, `lc-grant-${requestId}`), now, side));
    out.push(command(cmd('GRANT_FUNDING', commission, { requestId, amountFen: REQUESTED_FEN + 1 }, `lc-grant-over-${requestId}`), now, false));
    out.push(command(cmd('GRANT_FUNDING', commission, { requestId, amountFen: REQUESTED_FEN - 1 }, `lc-grant-less-${requestId}`), now, false));
    out.push(command(cmd('DECLINE_FUNDING', commission, { requestId, reason: 'No co-funding committed' }, `lc-decline-${requestId}`), now, side));
  }

  // Art. 18: each year's summary — submit, return for rework, resubmit, accept.
  for (const y of [1, 2]) {
    out.push(command(cmd('SUBMIT_SUMMARY', uni, { year: y, summary: annualSummary() }, `lc-summary-submit-y${y}`), now, side));
    out.push(command(cmd('RETURN_SUMMARY', commission, { year: y, reason: 'Spin-off figures missing' }, `lc-summary-return-y${y}`), now, side));
    out.push(command(cmd('ACCEPT_SUMMARY', commission, { year: y }, `lc-summary-accept-y${y}`), now, side));
  }

  // Art. 17–18: the evaluation sub-process; Art. 19: unqualified (with a reason) opens a rectification.
  const step = (c: Command, follow = inEvaluation) => out.push(command(c, now, follow));
  step(cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(75), report: 'Self-evaluation report' }, 'lc-self-evaluation'));
  step(cmd('RECORD_INSPECTION', commission, { inspectedOn: iso(now).slice(0, 10), inspectors: ['Inspector Liu'], findings: 'Records seen' }, 'lc-inspection'));
  step(cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: PANEL }, 'lc-assign-panel'));
  step(cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: CONFLICTED }, 'lc-assign-conflicted'), false);
  step(cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: PANEL.slice(0, 1) }, 'lc-assign-too-few'), false);
  for (const e of [...PANEL, OUTSIDER]) step(cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(75), opinion: 'Scored' }, `lc-review-${e.id}`), inEvaluation && e !== OUTSIDER);
  step(cmd('ASSESS', commission, {}, 'lc-assess-computed'));
  step(cmd('ASSESS', commission, { grade: 'unqualified', reason: 'IP management mechanism not running' }, 'lc-assess-unqualified'));
  step(cmd('ASSESS', commission, { grade: 'excellent', reason: 'Transfers far above the plan' }, 'lc-assess-excellent'));
  step(cmd('ASSESS', commission, { grade: 'unqualified' }, 'lc-assess-unqualified-no-reason'), false);
  step(cmd('ASSESS', commission, { grade: 'excellent' }, 'lc-assess-excellent-no-reason'), false);

  // Art. 19: the rectification — report in time or late, one extension (the policy's maximum), stopping support
  // before or once the deadline has passed. The late ones are followed only when no other deadline comes first.
  const r = ctx.rectification;
  const dueAt = r ? Date.parse(r.dueAt) : now + DAY;
  const rectificationNext = !!r && pendingDeadlines(s)[0]?.key === r.deadlineKey;
  out.push(command(cmd('SUBMIT_RECTIFICATION', uni, { report: 'The IP office now runs' }, 'lc-rectification-report'), now, rectifying));
  out.push(command(cmd('SUBMIT_RECTIFICATION', uni, { report: 'The IP office now runs' }, 'lc-rectification-report-late'), dueAt, false));
  out.push(command(cmd('EXTEND_RECTIFICATION', commission, { days: EXTEND_DAYS, reason: 'Inspection postponed' }, 'lc-rectification-extend'), now, rectifying));
  out.push(command(cmd('STOP_SUPPORT', commission, { reason: 'No report by the deadline' }, 'lc-stop-support-early'), now, false));
  out.push(command(cmd('STOP_SUPPORT', commission, { reason: 'No report by the deadline' }, 'lc-stop-support'), dueAt, rectifying && rectificationNext));

  // SPEC §3 "Time": the earliest pending deadline fires at its due time.
  const next = pendingDeadlines(s)[0];
  if (next) out.push({ label: `deadline:${next.key}`, event: { type: 'DEADLINE_REACHED', key: next.key, meta: { actor: scheduler, commandId: null, at: next.dueAt } }, command: null, follow: true });
  return out;
}

/** Commands by actors who may never send them here: refused by the check whatever the state (SPEC §3a). */
const unentitled: Command[] = [
  cmd('REQUEST_FUNDING', university('pku'), { request: promotionRequest() }, 'lc-other-university-request'),
  cmd('ASSESS', uni, {}, 'lc-university-assesses'),
  cmd('STOP_SUPPORT', uni, { reason: 'Stop it ourselves' }, 'lc-university-stops'),
];

const keyOf = (key: string) => key.replace(/^c1-.*:rectification$/, 'rectification');
/** What distinguishes two snapshots for the model: no timestamps, no ids. */
const serializeState = (s: CenterSnapshot) => {
  const c = s.context;
  return JSON.stringify({
    state: stateName(s),
    cycle: Math.min(c.cycle, 2),
    tier: c.cycle >= 2 ? c.tier : null,
    yearsEnded: c.yearsEnded,
    pending: pendingDeadlines(s).map((d) => keyOf(d.key)),
    summaries: c.summaries.map((x) => `${x.cycle}.${x.year}:${x.status}`),
    funding: c.funding.map((f) => `${f.requestId}:${f.status}`),
    evaluation: c.evaluation && !c.evaluation.grade ? { kind: c.evaluation.kind, repeats: c.evaluation.repeats, panel: c.evaluation.experts.length, reviews: Object.keys(c.evaluation.reviews).sort() } : null,
    graded: c.evaluations.map((e) => `${e.cycle}.${e.kind}:${e.grade}`),
    rectification: c.rectification && { repeats: c.rectification.repeats, extensions: c.rectification.extensions.length, reported: c.rectification.reportSubmittedAt !== null },
    // Art. 19: which of the three causes stopped support.
    supportStopped: c.supportStopped && (/re-evaluation/.test(c.supportStopped.reason) ? 'reEvaluation' : /report: /.test(c.supportStopped.reason) ? 'commission' : 'deadline'),
  });
};

const modelOf = (focus: Focus) =>
  createTestModel(centerMachine, {
    fromState: START,
    events: (s) =>
      candidates(s as CenterSnapshot, focus)
        .filter((c) => c.follow)
        .map((c) => c.event),
    // Only our concrete events: the graph adds a bare { type } for every other event a state handles.
    filterEvents: (_s, e) => 'meta' in e,
    stopWhen: (s) => (s as CenterSnapshot).context.cycle >= 2 || isClosed(s as CenterSnapshot),
    serializeState: (s) => serializeState(s as CenterSnapshot),
  });

const labelOf = (e: CenterEvent) => (e.type === 'DEADLINE_REACHED' ? `deadline:${e.key}` : e.meta.commandId!);

/** A model's reachable snapshots and the shortest path to each, built once per focus. */
function explore(focus: Focus) {
  const model = modelOf(focus);
  const snapshots = Object.values(model.getAdjacencyMap()).map((a) => a.state as CenterSnapshot);
  const paths = model.getShortestPaths({ allowDuplicatePaths: true });
  return { focus, snapshots, paths };
}

describe('Model-based (Art. 13–19): the whole lifecycle of an established center, through checkCommand', () => {
  const started = performance.now();
  const models = (['building', 'evaluation'] as const).map(explore);
  const snapshots = models.flatMap((m) => m.snapshots);
  const explored = Math.round(performance.now() - started);

  it('starts from an established center', () => {
    expect(stateName(START)).toBe(ESTABLISHED);
    expect(START.context.cycle).toBe(1);
    console.log(`model-lifecycle: ${models.map((m) => `${m.focus} ${m.snapshots.length} states, ${m.paths.length} shortest paths`).join('; ')}; explored in ${explored} ms`);
  });

  it('reaches every state of building (Art. 13–18), rectification (Art. 19), stopped support and the next cycle', () => {
    const reached = new Set(snapshots.map(stateName));
    // building.evaluation.graded is transient (it only routes the grade: Art. 19), so no snapshot rests in it.
    expect([...reached].sort()).toEqual(
      [
        'building.running',
        'building.evaluation.selfEvaluation',
        'building.evaluation.onSiteInspection',
        'building.evaluation.expertAssignment',
        'building.evaluation.expertReview',
        'building.evaluation.assessment',
        'building.rectification',
        'supportStopped',
      ].sort(),
    );
    const kinds = new Set(snapshots.map((s) => s.context.evaluation?.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(['acceptance', 'midTerm', 'reEvaluation']);
    // Art. 19: re-evaluations of a failed mid-term and of a failed acceptance.
    expect(new Set(snapshots.map((s) => s.context.evaluation?.repeats).filter(Boolean))).toEqual(new Set(['midTerm', 'acceptance']));
    // Art. 19: the next cycle at tier A (excellent) and B (qualified); support stopped by each of its three causes.
    const next = snapshots.filter((s) => s.context.cycle === 2);
    expect(new Set(next.map((s) => s.context.tier))).toEqual(new Set(['A', 'B']));
    const stops = snapshots.filter((s) => s.context.supportStopped).map((s) => s.context.supportStopped!.reason);
    expect(stops.some((r) => /re-evaluation .* was graded unqualified/.test(r))).toBe(true);
    expect(stops.some((r) => /passed with no rectification report: No report by the deadline/.test(r))).toBe(true);
    expect(stops.some((r) => /passed with no rectification report$/.test(r))).toBe(true);
    // Art. 19: the extension the policy allows was granted.
    expect(snapshots.some((s) => s.context.rectification?.extensions.length === policy.maxRectificationExtensions)).toBe(true);
    // Art. 18: every summary status, of both years, and the summary deadlines fired.
    const statuses = new Set(snapshots.flatMap((s) => s.context.summaries.map((x) => `${x.year}:${x.status}`)));
    expect([...statuses].sort()).toEqual(['1:accepted', '1:open', '1:returned', '1:submitted', '2:accepted', '2:open', '2:returned', '2:submitted']);
    const fired = new Set(snapshots.flatMap((s) => s.context.deadlines.filter((d) => d.status === 'fired').map((d) => d.kind)));
    // Art. 9, 18, 19: and the steps that waited were reminded and came due (issue 14 item 4).
    expect([...fired].sort()).toEqual(['rectification', 'stepDue', 'stepReminder', 'summaryDue', 'summaryReminder', 'yearEnd']);
    // Art. 13–16, 19: funding pending, granted, declined, held during the suspension and cancelled when support stops.
    const funding = new Set(snapshots.flatMap((s) => s.context.funding.map((f) => f.status)));
    expect([...funding].sort()).toEqual(['cancelled', 'declined', 'granted', 'held', 'pending']);
  });

  it('in every reachable snapshot, checkCommand accepts a candidate command of an entitled actor iff the machine takes it', () => {
    let compared = 0;
    let accepted = 0;
    const disagreements: string[] = [];
    for (const snapshot of snapshots) {
      for (const c of candidates(snapshot)) {
        if (!c.command) continue;
        const checked = checkCommand(snapshot, c.command, c.event.meta.at);
        const can = snapshot.can(c.event);
        if (checked.ok !== can) {
          disagreements.push(`${c.label} at ${c.event.meta.at} in ${serializeState(snapshot)}: checkCommand ${checked.ok ? 'accepts' : `refuses (${checked.refusal.reason}: ${checked.refusal.message})`}, can() is ${can}`);
        }
        compared += 1;
        if (checked.ok) accepted += 1;
      }
      for (const c of unentitled) {
        const checked = checkCommand(snapshot, c, iso(nowOf(snapshot)));
        expect(checked.ok ? null : checked.refusal.reason).toMatch(/^(forbidden-role|wrong-organisation)$/);
      }
    }
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(500);
    expect(compared - accepted).toBeGreaterThan(500);
    console.log(`model-lifecycle: ${compared} comparisons (${accepted} accepted, ${compared - accepted} refused) in ${snapshots.length} snapshots`);
  });

  it('each shortest path replays through checkCommand → transition from the established center, state by state', async () => {
    // Shortest paths share their prefixes (each is its parent's path and one step), so each step is run once and
    // its result memoised by the path so far; every path is still checked state by state against the model.
    for (const { focus, paths } of models) {
      const memo = new Map<string, { sut: CenterSnapshot; serial: string }>([['', { sut: START, serial: serializeState(START) }]]);
      const serialOf = new WeakMap<object, string>();
      const modelSerial = (state: CenterSnapshot) => serialOf.get(state) ?? (serialOf.set(state, serializeState(state)), serialOf.get(state)!);
      for (const path of paths) {
        let prefix = '';
        const exec = ({ event }: { event: CenterEvent }) => {
          const label = labelOf(event);
          const key = `${prefix}|${label}`;
          if (!memo.has(key)) {
            let sut = memo.get(prefix)!.sut;
            const candidate = candidates(sut, focus).find((c) => c.label === label && c.follow);
            if (!candidate) throw new Error(`${label} is not followed in ${serializeState(sut)}`);
            if (candidate.command) {
              const checked = checkCommand(sut, candidate.command, candidate.event.meta.at);
              if (!checked.ok) throw new Error(`${label}: ${checked.refusal.reason}: ${checked.refusal.message}`);
              sut = transition(centerMachine, sut, checked.event)[0];
            } else {
              expect(sut.can(candidate.event)).toBe(true);
              sut = transition(centerMachine, sut, candidate.event)[0];
            }
            expect(sut.status).not.toBe('error');
            memo.set(key, { sut, serial: serializeState(sut) });
          }
          prefix = key;
        };
        const types = [...new Set(path.steps.map((s) => s.event.type))].filter((t) => (t as string) !== 'xstate.init');
        await path.test({
          events: Object.fromEntries(types.map((t) => [t, exec])),
          states: { '*': (state) => expect(memo.get(prefix)!.serial).toBe(modelSerial(state as CenterSnapshot)) },
        });
      }
      expect(paths.length).toBeGreaterThan(100);
    }
  });
});
