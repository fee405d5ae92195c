import { assign, setup, transition, type SnapshotFrom } from 'xstate';
import { anyDueDeadline, markDeadlineFired, type CenterContext, type CenterInput } from './context';
import type { PersistParams } from './core';
import type { CenterEvent } from './commands';
import { applicationAssigners, applicationStates, callWindowKey } from './stages/application';
import { deadlineAssigners, deadlineHandlers, stepDeadlineTransitions, syncStepDeadlines } from './stages/deadlines';
import { evaluationAssigners, evaluationStates } from './stages/evaluation';
import { fundingAssigners, fundingHandlers } from './stages/funding';
import { organisationAssigners, organisationHandlers } from './stages/organisation';
import { rectificationAssigners, rectificationStates } from './stages/rectification';
import { reserveAssigners, reserveHandlers } from './stages/reserve';
import { accountsAssigners, accountsHandlers } from './stages/accounts';
import { summaryAssigners, summaryDeadlines, summaryHandlers } from './stages/summaries';
import { MACHINE_VERSION, migrate } from './versions';

export type { CenterContext, CenterInput, CallView, Deadline } from './context';
export type { CenterEvent, CenterEventType, EventOf } from './commands';
export { callWindowKey };

/**
 * The center statechart (SPEC §3), put together from the stages of the regulation in machines/stages/: each stage
 * owns its commands, rules, context updates, effects and states. Pure: no I/O, no timers, no Temporal. Time arrives
 * as `meta.at` on each event and every deadline is data in context, which the hosting workflow turns into durable
 * timers (SPEC §6). What a transition persists is named by its `persist` actions, which `transition()` returns.
 */

/**
 * Adapts a stage's context update to an assigner (XState runs it with the event of its transition). After every
 * update the step deadlines follow what the center now waits for (Art. 9, 18, 19; stages/deadlines.ts): what waits
 * is a function of the context, and the context changes only here.
 */
const assigners = <T extends Record<string, (ctx: CenterContext, event: never) => Partial<CenterContext>>>(updates: T) =>
  Object.fromEntries(
    Object.entries(updates).map(([name, fn]) => [
      name,
      assign(({ context, event }: { context: CenterContext; event: CenterEvent }) => {
        const update = (fn as (c: CenterContext, e: CenterEvent) => Partial<CenterContext>)(context, event);
        const deadlines = syncStepDeadlines({ ...context, ...update }, event.meta.at);
        return deadlines ? { ...update, deadlines } : update;
      }),
    ]),
  ) as { [K in keyof T]: ReturnType<typeof assign<CenterContext, CenterEvent, undefined, CenterEvent, never>> };

/**
 * The context of an established center that an application does not yet fill. Also what a snapshot carried across
 * continue-as-new by an older version of the code gets for fields added since (restoreSnapshot).
 */
const contextDefaults = (): Pick<
  CenterContext,
  'cycleStartAt' | 'yearsEnded' | 'funding' | 'summaries' | 'evaluation' | 'evaluations' | 'incidents' | 'reserve' | 'spending' | 'finalAccounts' | 'rectification' | 'notices' | 'supportStopped' | 'director' | 'staff' | 'organisationChanges'
> => ({
  cycleStartAt: null,
  yearsEnded: 0,
  funding: [],
  summaries: [],
  evaluation: null,
  evaluations: [],
  incidents: [],
  reserve: [],
  spending: [],
  finalAccounts: [],
  rectification: null,
  notices: [],
  supportStopped: null,
  director: null,
  staff: [],
  organisationChanges: 0,
});

export const centerSetup = setup({
  types: { context: {} as CenterContext, events: {} as CenterEvent, input: {} as CenterInput },
  actions: {
    ...assigners({ ...applicationAssigners, ...fundingAssigners, ...summaryAssigners, ...evaluationAssigners, ...rectificationAssigners, ...organisationAssigners, ...reserveAssigners, ...accountsAssigners, ...deadlineAssigners }),
    /** An effect: the workflow collects these from `transition()` and persists their records (core.ts `effect`). */
    persist: (_: unknown, _params: PersistParams) => {},
  },
});
type MachineConfig = Parameters<typeof centerSetup.createMachine>[0];
/** A state's configuration, as the stage modules write theirs (checked against the registered actions). */
export type StateConfig = NonNullable<MachineConfig['states']>[string];

/** A deadline that no state reacts to is still recorded as fired, so it is never armed again. */
const anyDeadline = { guard: anyDueDeadline, actions: 'markDeadlineFired' } as const;

export const centerMachine = centerSetup.createMachine({
  id: 'center',
  context: ({ input }) => ({
    policy: input.policy,
    centerId: input.centerId,
    workflowId: input.workflowId,
    universityId: input.universityId,
    call: input.call,
    application: null,
    applicationVersion: 0,
    eligibility: null,
    experts: [],
    reviews: {},
    decision: null,
    names: null,
    establishedAt: null,
    cycle: 0,
    tier: null,
    ...contextDefaults(),
    deadlines: [{ key: callWindowKey(input.call.callId), kind: 'callWindow', dueAt: input.call.closesAt, status: 'pending', firedAt: null, cycle: 0, year: 0 }],
    machineVersion: input.machineVersion ?? MACHINE_VERSION,
  }),
  initial: 'awaitingApplication',
  states: {
    awaitingApplication: { ...applicationStates.awaitingApplication, on: { ...applicationStates.awaitingApplication.on, CALL_STATUS: { actions: 'updateCallStatus' } } },
    application: {
      ...applicationStates.application,
      // Art. 9: the experts' reviews have deadlines the commission may extend.
      states: { ...applicationStates.application.states, inReview: { ...applicationStates.application.states.inReview, on: { ...applicationStates.application.states.inReview.on, ...deadlineHandlers } } },
      on: { ...organisationHandlers, CALL_STATUS: { actions: 'updateCallStatus' }, DEADLINE_REACHED: [...stepDeadlineTransitions, anyDeadline] },
    },
    /** Established (Art. 9, 20) and building: a five-year cycle (Art. 6) of yearly funding and summaries. */
    building: {
      initial: 'running',
      on: {
        ...fundingHandlers,
        ...reserveHandlers,
        ...accountsHandlers,
        ...summaryHandlers,
        ...organisationHandlers,
        CALL_STATUS: { actions: 'updateCallStatus' },
        DEADLINE_REACHED: [...summaryDeadlines, ...stepDeadlineTransitions, anyDeadline],
      },
      states: {
        running: evaluationStates.running,
        // Art. 18: every step of an evaluation has a deadline the commission may extend.
        evaluation: { ...evaluationStates.evaluation, on: deadlineHandlers, states: { ...evaluationStates.evaluation.states, graded: rectificationStates.graded } },
        rectification: rectificationStates.rectification,
      },
    },
    /** Art. 19: support stopped — final; the workflow completes with the reason and the date. */
    supportStopped: { type: 'final' },
    closed: applicationStates.closed,
  },
});
void markDeadlineFired;

/** A persisted snapshot ({ value, context }) back as a snapshot of the current machine. */
export function restoreSnapshot(persisted: { value: unknown; context: CenterContext }): CenterSnapshot {
  return centerMachine.resolveState({
    value: persisted.value as Parameters<typeof centerMachine.resolveState>[0]['value'],
    context: { ...contextDefaults(), ...persisted.context },
  });
}

export type CenterMachine = typeof centerMachine;
export type CenterSnapshot = SnapshotFrom<CenterMachine>;

/**
 * One step of the center: the statechart's transition, or — for MIGRATE_CENTER, which is no event of the statechart
 * — the move to the next version of it (machines/versions.ts: state mapping, context transform), which persists no
 * records of its own (its audit row is written as every transition's). The workflow, the view's `applyEvent` and
 * the what-if simulator all step with it. Check the event first (checkCommand): a move that cannot be made throws.
 */
export function advance(snapshot: CenterSnapshot, event: CenterEvent): [CenterSnapshot, ReturnType<typeof transition<CenterMachine>>[1]] {
  if (event.type !== 'MIGRATE_CENTER') return transition(centerMachine, snapshot, event);
  return [restoreSnapshot(migrate({ value: snapshot.value, context: snapshot.context }, event.meta.at)), []];
}

/** Dotted state path, e.g. "application.inReview" — the name used in queries, search attributes and audit rows. */
export function stateName(snapshot: CenterSnapshot): string {
  const flatten = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Object.entries(v as Record<string, unknown>).map(([k, sub]) => `${k}.${flatten(sub).join('|')}`);
  return flatten(snapshot.value).join('|');
}

/** True once the center can take no more commands: a closed application or stopped support. */
export const isClosed = (snapshot: CenterSnapshot): boolean => snapshot.matches('closed') || snapshot.matches('supportStopped') || snapshot.status === 'done';

export type { Decision } from './stages/application';
export type { FundingEntry } from './stages/funding';
export type { SummaryEntry } from './stages/summaries';
export type { EvaluationEntry, GradedEvaluation } from './stages/evaluation';
export type { Notice, Rectification, SupportStopped } from './stages/rectification';
export type { IncidentEntry } from './stages/organisation';
