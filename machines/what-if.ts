/**
 * Policy what-if (SPEC §4 "Auditors"): a center's recorded commands run again through the statechart under another
 * policy, to see who would change — eligibility (Art. 8, and which condition), grade and tier (Art. 17–19), annual
 * summaries met or missed (Art. 18), rectification met or missed and support stopped or not (Art. 19). Pure: no I/O,
 * no Temporal; the caller reads the recorded commands from the histories (client/audit/what-if.ts).
 *
 * Deadlines are the policy's, so they are derived again: the recorded firings (the recorded policy's) are not
 * replayed. Between two recorded inputs the machine fires every deadline it has pending that falls due before the
 * next input's time, each at its due time and in due order (context.ts `dueInOrder`, as the workflow's timers do
 * since `deadlines-in-due-order`), and after the last input every one due by the end of the record. A recorded
 * command the machine refuses under the candidate policy is reported with its refusal and not applied; the ones
 * after it are still tried, each at its recorded time.
 */
import { initialTransition } from 'xstate';
import { checkCommand } from './authorize';
import { advance, callWindowKey, centerMachine, isClosed, stateName, type CenterEvent, type CenterInput, type CenterSnapshot } from './center';
import { dueInOrder, type Deadline } from './context';
import { planMove } from './versions';
import type { Command, RefusalReason } from './commands';
import type { Actor } from './domain';
import type { Grade, Tier } from './vocabulary';

/** One recorded input of a center, in time order: an accepted command, or a status report of its call. */
export type RecordedInput =
  /** The command as sent (checked again by checkCommand: one today's schema refuses is reported as refused). */
  | { kind: 'command'; command: Command; at: string }
  /** The call's workflow's report (quota, approvals, an early close, Art. 7, 9): not a transition. */
  | { kind: 'callStatus'; quota: number; approvedCount: number; closedEarlyAt: string | null; at: string }
  /** The workflow's own move to the next statechart version at a continue-as-new (machines/versions.ts): no command. */
  | { kind: 'move'; toVersion: number; commandId: string; actor: Actor; at: string };

export interface WhatIfInput {
  /** The center's start (its policy is the one simulated). */
  start: CenterInput;
  /** The recorded inputs, in the order they were applied. */
  inputs: readonly RecordedInput[];
  /** The end of the record (the last event of the history): deadlines due by then fire. */
  until: string;
}

export interface RefusedCommand {
  commandId: string;
  type: string;
  at: string;
  reason: RefusalReason;
  message: string;
}

/** A deadline that asks something of the center: an annual summary (Art. 18) or a rectification report (Art. 19). */
export interface DeadlineOutcome {
  key: string;
  what: string;
  dueAt: string;
  outcome: 'met' | 'missed' | 'pending';
}

export interface SimulatedOutcome {
  state: string;
  cycle: number;
  /** Art. 8: null before an application is screened. */
  eligible: boolean | null;
  /** The Art. 8 conditions that fail, as "8(7) staff". */
  failingConditions: string[];
  /** The reasons of the failing conditions, in the same order. */
  failingReasons: string[];
  /** Art. 17–18: the last graded evaluation's grade (null before any). */
  grade: Grade | null;
  grades: { evaluationId: string; kind: string; grade: Grade }[];
  tier: Tier | null;
  deadlines: DeadlineOutcome[];
  /** Art. 19 */
  supportStopped: { reason: string; at: string } | null;
  /** Recorded commands this policy refuses (none under the recorded policy, unless the record is not its own). */
  refused: RefusedCommand[];
  /** Transitions applied: commands accepted and deadlines fired. */
  transitions: number;
  deadlinesFired: string[];
  /** Every transition, in order, as an audit row names it (event, from-state → to-state, time). */
  trace: { event: string; fromState: string; toState: string; at: string }[];
}

/** The simulated timers fire deadlines as the workflow's own timers do. */
const TIMER: Actor = { id: 'workflow-timer', role: 'scheduler' };
/** The call's workflow, when the commission closes the call early (Art. 7). */
const CALL: Actor = { id: 'call-workflow', role: 'scheduler' };

const deadlineEvent = (key: string, actor: Actor, at: string): CenterEvent => ({ type: 'DEADLINE_REACHED', key, meta: { actor, commandId: `deadline:${key}`, at } });

/** Runs a center's recorded inputs through the statechart under `input.start.policy`. */
export function simulateCenter(input: WhatIfInput): SimulatedOutcome {
  let snapshot: CenterSnapshot = initialTransition(centerMachine, input.start)[0];
  const refused: RefusedCommand[] = [];
  const fired: string[] = [];
  const trace: SimulatedOutcome['trace'] = [];

  const apply = (event: CenterEvent, counts = true) => {
    const [after] = advance(snapshot, event);
    if (after.status === 'error') throw new Error(`The statechart failed on ${event.type} at ${event.meta.at}: ${String(after.error)}`);
    if (counts) trace.push({ event: event.type, fromState: stateName(snapshot), toState: stateName(after), at: event.meta.at });
    snapshot = after;
  };

  /** Fires, in due order, every pending deadline due before `limitMs` (or at it, when `inclusive`). */
  const fireDeadlines = (limitMs: number, inclusive: boolean) => {
    let from = -Infinity;
    for (;;) {
      if (isClosed(snapshot)) return;
      const next = snapshot.context.deadlines
        .filter((d) => d.status === 'pending')
        .map((d) => Date.parse(d.dueAt))
        .filter((t) => t >= from && (inclusive ? t <= limitMs : t < limitMs))
        .sort((a, b) => a - b)[0];
      if (next === undefined) return;
      const at = new Date(next).toISOString();
      for (;;) {
        if (isClosed(snapshot)) return;
        const event = dueInOrder(snapshot.context, at)
          .map((d) => deadlineEvent(d.key, TIMER, at))
          .find((e) => snapshot.can(e));
        if (!event) break;
        apply(event);
        fired.push((event as { key: string }).key);
      }
      from = next + 1;
    }
  };

  for (const step of input.inputs) {
    fireDeadlines(Date.parse(step.at), false);
    if (step.kind === 'move') {
      // Made again when the simulated center can move then (as the workflow's planMove decides at a continue-as-new).
      if (!isClosed(snapshot) && planMove(snapshot)?.ok) apply({ type: 'MIGRATE_CENTER', toVersion: step.toVersion, meta: { actor: step.actor, commandId: step.commandId, at: step.at } });
      continue;
    }
    if (step.kind === 'callStatus') {
      apply({ type: 'CALL_STATUS', quota: step.quota, approvedCount: step.approvedCount, closedEarlyAt: step.closedEarlyAt, meta: { actor: TIMER, commandId: null, at: step.at } }, false);
      // An early close fires the call window (the workflow's deliverDeadline with the call as actor).
      const close = deadlineEvent(callWindowKey(snapshot.context.call.callId), CALL, step.at);
      if (step.closedEarlyAt && !isClosed(snapshot) && snapshot.can(close)) {
        apply(close);
        fired.push(callWindowKey(snapshot.context.call.callId));
      }
      continue;
    }
    const { command } = step;
    const type = String(command.type ?? '(no type)');
    if (isClosed(snapshot)) {
      refused.push({ commandId: command.commandId, type, at: step.at, reason: 'not-allowed-in-state', message: `The center is closed ("${stateName(snapshot)}").` });
      continue;
    }
    const check = checkCommand(snapshot, command, step.at);
    if (!check.ok) {
      refused.push({ commandId: command.commandId, type, at: step.at, reason: check.refusal.reason, message: check.refusal.message });
      continue;
    }
    apply(check.event);
  }
  fireDeadlines(Date.parse(input.until), true);
  return outcomeOf(snapshot, refused, trace, fired);
}

function outcomeOf(snapshot: CenterSnapshot, refused: RefusedCommand[], trace: SimulatedOutcome['trace'], deadlinesFired: string[]): SimulatedOutcome {
  const ctx = snapshot.context;
  const failing = (ctx.eligibility ?? []).filter((c) => !c.passed);
  const grades = ctx.evaluations.map((e) => ({ evaluationId: e.evaluationId, kind: e.kind, grade: e.grade }));
  const deadlines: DeadlineOutcome[] = [
    ...ctx.summaries.map((s): DeadlineOutcome => ({
      key: `c${s.cycle}:summary${s.year}`,
      what: `annual summary, cycle ${s.cycle} year ${s.year} (Art. 18)`,
      dueAt: s.dueAt,
      outcome: s.overdue ? 'missed' : s.submittedAt !== null ? 'met' : 'pending',
    })),
    ...ctx.deadlines
      .filter((d) => d.kind === 'rectification')
      .map((d): DeadlineOutcome => ({
        key: d.key,
        what: 'rectification report (Art. 19)',
        dueAt: d.dueAt,
        outcome: rectificationOutcome(d, ctx.rectification?.deadlineKey === d.key ? ctx.rectification.reportSubmittedAt : null),
      })),
  ];
  return {
    state: stateName(snapshot),
    cycle: ctx.cycle,
    eligible: ctx.eligibility === null ? null : failing.length === 0,
    failingConditions: failing.map((c) => `8(${c.condition}) ${c.key}`),
    failingReasons: failing.map((c) => c.reason),
    grade: grades.at(-1)?.grade ?? null,
    grades,
    tier: ctx.tier,
    deadlines,
    supportStopped: ctx.supportStopped ? { reason: ctx.supportStopped.reason, at: ctx.supportStopped.at } : null,
    refused,
    transitions: trace.length,
    deadlinesFired,
    trace,
  };
}

/** A report by the due date meets it; a deadline that fired without one is missed (Art. 19). */
function rectificationOutcome(d: Deadline, submittedAt: string | null): DeadlineOutcome['outcome'] {
  if (submittedAt !== null && Date.parse(submittedAt) <= Date.parse(d.dueAt)) return 'met';
  return d.status === 'fired' ? 'missed' : d.status === 'cancelled' ? 'met' : 'pending';
}

/** One difference between the recorded policy's outcome and the candidate's. */
export interface OutcomeChange {
  field: 'state' | 'eligibility' | 'grade' | 'tier' | 'deadline' | 'supportStopped' | 'refused';
  recorded: string;
  candidate: string;
}

const eligibilityText = (o: SimulatedOutcome) => (o.eligible === null ? 'not screened' : o.eligible ? 'eligible' : `ineligible: ${o.failingConditions.join(', ')}`);
const gradesText = (o: SimulatedOutcome) => (o.grades.length ? o.grades.map((g) => `${g.kind} ${g.grade}`).join(', ') : 'none');
const stoppedText = (o: SimulatedOutcome) => (o.supportStopped ? `stopped ${o.supportStopped.at}: ${o.supportStopped.reason}` : 'not stopped');

/** What would change: eligibility, grades, tier, deadlines, stopped support, final state, refused commands. */
export function compareOutcomes(recorded: SimulatedOutcome, candidate: SimulatedOutcome): OutcomeChange[] {
  const changes: OutcomeChange[] = [];
  const add = (field: OutcomeChange['field'], a: string, b: string) => {
    if (a !== b) changes.push({ field, recorded: a, candidate: b });
  };
  add('eligibility', eligibilityText(recorded), eligibilityText(candidate));
  add('grade', gradesText(recorded), gradesText(candidate));
  add('tier', recorded.tier ?? 'none', candidate.tier ?? 'none');
  const byKey = new Map(recorded.deadlines.map((d) => [d.key, d]));
  const keys = [...new Set([...recorded.deadlines.map((d) => d.key), ...candidate.deadlines.map((d) => d.key)])];
  for (const key of keys) {
    const a = byKey.get(key);
    const b = candidate.deadlines.find((d) => d.key === key);
    add('deadline', a ? `${a.what}: ${a.outcome}` : `${b!.what}: not due`, b ? `${b.what}: ${b.outcome}` : `${a!.what}: not due`);
  }
  add('supportStopped', stoppedText(recorded), stoppedText(candidate));
  add('state', recorded.state, candidate.state);
  const refusedText = (o: SimulatedOutcome) => (o.refused.length ? o.refused.map((r) => `${r.type} (${r.reason})`).join(', ') : 'none');
  add('refused', refusedText(recorded), refusedText(candidate));
  return changes;
}
