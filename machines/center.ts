import { and, assign, not, setup, stateIn, type SnapshotFrom } from 'xstate';
import { isEligible } from './eligibility';
import * as rules from './rules';
import * as u from './updates';
import type { CenterContext, CenterEvent, CenterInput, EventOf } from './types';

export * from './types';
export {
  callWindowKey,
  conflictedExperts,
  hasReviewed,
  isAssignedExpert,
  isCallOpen,
  isWithinQuota,
  pendingDeadline,
} from './rules';

/**
 * The center statechart (SPEC §3). Pure: no I/O, no timers, no Temporal. Time arrives as `meta.at` on each
 * event and every deadline is data in context (`deadlines`), which the hosting workflow turns into durable
 * timers (SPEC §6: persisted snapshots do not carry XState `after` delays). The rules live in rules.ts and the
 * context updates in updates.ts; this file wires them into states.
 */

/** Adapts a pure update to an assigner that only runs for the event types it is written for. */
function update<T extends CenterEvent['type']>(types: readonly T[], fn: (ctx: CenterContext, event: EventOf<T>) => Partial<CenterContext>) {
  return ({ context, event }: { context: CenterContext; event: CenterEvent }): Partial<CenterContext> =>
    (types as readonly string[]).includes(event.type) ? fn(context, event as EventOf<T>) : {};
}
const anyEvent =
  (fn: (ctx: CenterContext, event: CenterEvent) => Partial<CenterContext>) =>
  ({ context, event }: { context: CenterContext; event: CenterEvent }): Partial<CenterContext> =>
    fn(context, event);

const deadlineOf = (ctx: CenterContext, event: CenterEvent, kind: string) => {
  if (event.type !== 'DEADLINE_REACHED') return undefined;
  const d = rules.dueDeadline(ctx, event.key, event.meta.at);
  return d?.kind === kind ? d : undefined;
};

/**
 * The context of an established center that an application does not yet fill. Also what a snapshot carried across
 * continue-as-new by an older version of the code gets for fields added since (restoreSnapshot).
 */
const contextDefaults = (): Pick<
  CenterContext,
  'cycleStartAt' | 'yearsEnded' | 'funding' | 'summaries' | 'evaluation' | 'evaluations' | 'incidents' | 'rectification' | 'notices' | 'supportStopped' | 'director' | 'staff' | 'organisationChanges'
> => ({
  cycleStartAt: null,
  yearsEnded: 0,
  funding: [],
  summaries: [],
  evaluation: null,
  evaluations: [],
  incidents: [],
  rectification: null,
  notices: [],
  supportStopped: null,
  director: null,
  staff: [],
  organisationChanges: 0,
});

export const centerMachine = setup({
  types: {
    context: {} as CenterContext,
    events: {} as CenterEvent,
    input: {} as CenterInput,
  },
  guards: {
    // Application (Art. 7–9)
    callOpen: ({ context, event }) => rules.isCallOpen(context, event.meta.at),
    isEligible: ({ context }) => isEligible(context.eligibility),
    enoughExperts: ({ context, event }) => 'experts' in event && rules.enoughExperts(context, event.experts),
    noConflictOfInterest: ({ context, event }) => 'experts' in event && rules.conflictedExperts(context, event.experts).length === 0,
    isAssignedExpert: ({ context, event }) => rules.isAssignedExpert(context, event.meta.actor.id),
    hasNotReviewed: ({ context, event }) => !rules.hasReviewed(context, event.meta.actor.id),
    completesReviews: ({ context, event }) => context.experts.every((e) => e.id === event.meta.actor.id || rules.hasReviewed(context, e.id)),
    withinQuota: ({ context }) => rules.isWithinQuota(context),
    // Deadlines
    isPendingDeadline: ({ context, event }) => event.type === 'DEADLINE_REACHED' && !!rules.dueDeadline(context, event.key, event.meta.at),
    isCallWindowDeadline: ({ context, event }) => !!deadlineOf(context, event, 'callWindow'),
    isYearEnd: ({ context, event }) => !!deadlineOf(context, event, 'yearEnd'),
    isMidTermYearEnd: ({ context, event }) => deadlineOf(context, event, 'yearEnd')?.year === context.policy.midTermAfterYears,
    isSummaryReminder: ({ context, event }) => !!deadlineOf(context, event, 'summaryReminder'),
    isSummaryDue: ({ context, event }) => !!deadlineOf(context, event, 'summaryDue'),
    isRectificationDeadline: ({ context, event }) =>
      event.type === 'DEADLINE_REACHED' && event.key === context.rectification?.deadlineKey && !!deadlineOf(context, event, 'rectification'),
    // Funding (Art. 13–16, 19)
    canRequestFunding: ({ context }) => rules.currentYear(context) !== null && !rules.isSupportSuspended(context),
    canDecideFunding: ({ context, event }) =>
      'requestId' in event && rules.findRequest(context, event.requestId)?.status === 'pending' && !rules.isSupportSuspended(context),
    grantWithinRequest: ({ context, event }) =>
      event.type === 'GRANT_FUNDING' &&
      event.amountFen > 0 &&
      event.amountFen <= (rules.findRequest(context, event.requestId)?.request.amountFen ?? 0),
    // Annual summaries (Art. 18)
    summaryAwaitsSubmission: ({ context, event }) => 'year' in event && rules.awaitsSubmission(rules.findSummary(context, event)),
    summarySubmitted: ({ context, event }) => 'year' in event && rules.findSummary(context, event)?.status === 'submitted',
    // Evaluations (Art. 17–19)
    enoughEvaluationExperts: ({ context, event }) => 'experts' in event && rules.enoughExperts(context, event.experts),
    isEvaluationExpert: ({ context, event }) => rules.isEvaluationExpert(context.evaluation, event.meta.actor.id),
    hasNotEvaluated: ({ context, event }) => !rules.hasEvaluated(context.evaluation, event.meta.actor.id),
    completesEvaluationReviews: ({ context, event }) => rules.completesEvaluationReviews(context.evaluation, event.meta.actor.id),
    assessmentValid: ({ context, event }) =>
      event.type === 'ASSESS' && rules.assessmentProblem(context, event.grade, event.reason) === null,
    acceptanceDue: ({ context }) => rules.isAcceptanceDue(context),
    passedAcceptance: ({ context }) => {
      const ev = context.evaluation;
      return !!ev && ev.grade !== 'unqualified' && (ev.kind === 'acceptance' || ev.repeats === 'acceptance');
    },
    passed: ({ context }) => !!context.evaluation && context.evaluation.grade !== 'unqualified',
    failedReEvaluation: ({ context }) => context.evaluation?.kind === 'reEvaluation' && context.evaluation.grade === 'unqualified',
    rectificationOpen: ({ context, event }) => !!context.rectification && Date.parse(event.meta.at) < Date.parse(context.rectification.dueAt),
    canExtendRectification: ({ context }) => rules.canExtendRectification(context),
  },
  actions: {
    recordApplication: assign(update(['SUBMIT_APPLICATION', 'AMEND_APPLICATION'], u.recordApplication)),
    assignExperts: assign(update(['ASSIGN_EXPERTS'], u.assignExperts)),
    recordReview: assign(update(['SUBMIT_REVIEW'], u.recordReview)),
    establish: assign(update(['APPROVE'], u.establish)),
    reject: assign(update(['REJECT'], u.reject)),
    markDeadlineFired: assign(update(['DEADLINE_REACHED'], u.markDeadlineFired)),
    updateCallStatus: assign(update(['CALL_STATUS'], u.updateCallStatus)),
    endYear: assign(update(['DEADLINE_REACHED'], u.endYear)),
    remindSummary: assign(update(['DEADLINE_REACHED'], u.remindSummary)),
    flagSummaryOverdue: assign(update(['DEADLINE_REACHED'], u.flagSummaryOverdue)),
    submitSummary: assign(update(['SUBMIT_SUMMARY'], u.submitSummary)),
    acceptSummary: assign(update(['ACCEPT_SUMMARY'], u.acceptSummary)),
    returnSummary: assign(update(['RETURN_SUMMARY'], u.returnSummary)),
    addFundingRequest: assign(update(['REQUEST_FUNDING'], u.addFundingRequest)),
    grantFunding: assign(update(['GRANT_FUNDING'], u.grantFunding)),
    declineFunding: assign(update(['DECLINE_FUNDING'], u.declineFunding)),
    startMidTerm: assign(update(['DEADLINE_REACHED'], u.startMidTerm)),
    startAcceptance: assign(anyEvent(u.startAcceptance)),
    startReEvaluation: assign(update(['SUBMIT_RECTIFICATION'], u.startReEvaluation)),
    recordSelfEvaluation: assign(update(['SUBMIT_SELF_EVALUATION'], u.recordSelfEvaluation)),
    recordInspection: assign(update(['RECORD_INSPECTION'], u.recordInspection)),
    assignEvaluationExperts: assign(update(['ASSIGN_EVALUATION_EXPERTS'], u.assignEvaluationExperts)),
    recordEvaluationReview: assign(update(['SUBMIT_EVALUATION_REVIEW'], u.recordEvaluationReview)),
    assess: assign(update(['ASSESS'], u.assess)),
    closeEvaluation: assign(anyEvent(u.closeEvaluation)),
    startNextCycle: assign(anyEvent(u.startNextCycle)),
    publishNotice: assign(anyEvent(u.publishNotice)),
    openRectification: assign(anyEvent(u.openRectification)),
    extendRectification: assign(update(['EXTEND_RECTIFICATION'], u.extendRectification)),
    stopSupport: assign(anyEvent(u.stopSupport)),
    recordIncident: assign(update(['RECORD_INTEGRITY_INCIDENT'], u.recordIncident)),
    recordDirectorChange: assign(update(['RECORD_DIRECTOR_CHANGE'], u.recordDirectorChange)),
    recordStaffChange: assign(update(['RECORD_STAFF_CHANGE'], u.recordStaffChange)),
  },
}).createMachine({
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
    deadlines: [
      { key: rules.callWindowKey(input.call.callId), kind: 'callWindow', dueAt: input.call.closesAt, status: 'pending', firedAt: null, cycle: 0, year: 0 },
    ],
  }),
  initial: 'awaitingApplication',
  on: {
    // Closed applications take nothing more (their final states are nested in `closed`).
    CALL_STATUS: { guard: not(stateIn('#center.closed')), actions: 'updateCallStatus' },
    // A deadline that no state reacts to is still recorded as fired, so it is never armed again.
    DEADLINE_REACHED: { guard: and(['isPendingDeadline', not(stateIn('#center.closed'))]), actions: 'markDeadlineFired' },
  },
  states: {
    awaitingApplication: {
      on: {
        SUBMIT_APPLICATION: { guard: 'callOpen', target: 'application', actions: 'recordApplication' },
        DEADLINE_REACHED: { guard: 'isCallWindowDeadline', target: 'closed.lapsed', actions: 'markDeadlineFired' },
      },
    },
    application: {
      initial: 'screening',
      on: {
        RECORD_INTEGRITY_INCIDENT: { actions: 'recordIncident' },
        RECORD_DIRECTOR_CHANGE: { actions: 'recordDirectorChange' },
        RECORD_STAFF_CHANGE: { actions: 'recordStaffChange' },
      },
      states: {
        // Art. 8: the automatic check of the seven conditions.
        screening: { always: [{ guard: 'isEligible', target: 'eligible' }, { target: 'ineligible' }] },
        ineligible: {
          on: {
            AMEND_APPLICATION: { guard: 'callOpen', target: 'screening', actions: 'recordApplication' },
            DEADLINE_REACHED: { guard: 'isCallWindowDeadline', target: '#center.closed.ineligible', actions: 'markDeadlineFired' },
          },
        },
        eligible: {
          on: {
            AMEND_APPLICATION: { guard: 'callOpen', target: 'screening', actions: 'recordApplication' },
            ASSIGN_EXPERTS: { guard: and(['enoughExperts', 'noConflictOfInterest']), target: 'inReview', actions: 'assignExperts' },
          },
        },
        // Art. 9: expert review; each assigned expert once.
        inReview: {
          on: {
            SUBMIT_REVIEW: [
              { guard: and(['isAssignedExpert', 'hasNotReviewed', 'completesReviews']), target: 'awaitingDecision', actions: 'recordReview' },
              { guard: and(['isAssignedExpert', 'hasNotReviewed']), actions: 'recordReview' },
            ],
          },
        },
        // Art. 9: the commission approves the best, within the call's quota.
        awaitingDecision: {
          on: {
            APPROVE: { guard: 'withinQuota', target: '#center.building', actions: 'establish' },
            REJECT: { target: '#center.closed.rejected', actions: 'reject' },
          },
        },
      },
    },
    /** Established (Art. 9, 20) and building: a five-year cycle (Art. 6) of yearly funding and summaries. */
    building: {
      initial: 'running',
      on: {
        REQUEST_FUNDING: { guard: 'canRequestFunding', actions: 'addFundingRequest' },
        GRANT_FUNDING: { guard: and(['canDecideFunding', 'grantWithinRequest']), actions: 'grantFunding' },
        DECLINE_FUNDING: { guard: 'canDecideFunding', actions: 'declineFunding' },
        SUBMIT_SUMMARY: { guard: 'summaryAwaitsSubmission', actions: 'submitSummary' },
        ACCEPT_SUMMARY: { guard: 'summarySubmitted', actions: 'acceptSummary' },
        RETURN_SUMMARY: { guard: 'summarySubmitted', actions: 'returnSummary' },
        RECORD_INTEGRITY_INCIDENT: { actions: 'recordIncident' },
        RECORD_DIRECTOR_CHANGE: { actions: 'recordDirectorChange' },
        RECORD_STAFF_CHANGE: { actions: 'recordStaffChange' },
        DEADLINE_REACHED: [
          { guard: 'isYearEnd', actions: 'endYear' },
          { guard: 'isSummaryReminder', actions: 'remindSummary' },
          { guard: 'isSummaryDue', actions: 'flagSummaryOverdue' },
          { guard: 'isPendingDeadline', actions: 'markDeadlineFired' },
        ],
      },
      states: {
        running: {
          // Art. 18: acceptance at the end of the cycle (also when the cycle ended during a mid-term evaluation).
          always: { guard: 'acceptanceDue', target: 'evaluation', actions: 'startAcceptance' },
          on: {
            // Art. 18: the mid-term evaluation after two full years.
            DEADLINE_REACHED: { guard: 'isMidTermYearEnd', target: 'evaluation', actions: ['endYear', 'startMidTerm'] },
          },
        },
        /** Art. 17–18: the evaluation sub-process, the same for mid-term, acceptance and re-evaluation. */
        evaluation: {
          initial: 'selfEvaluation',
          states: {
            selfEvaluation: { on: { SUBMIT_SELF_EVALUATION: { target: 'onSiteInspection', actions: 'recordSelfEvaluation' } } },
            onSiteInspection: { on: { RECORD_INSPECTION: { target: 'expertAssignment', actions: 'recordInspection' } } },
            expertAssignment: {
              on: {
                ASSIGN_EVALUATION_EXPERTS: {
                  guard: and(['enoughEvaluationExperts', 'noConflictOfInterest']),
                  target: 'expertReview',
                  actions: 'assignEvaluationExperts',
                },
              },
            },
            expertReview: {
              on: {
                SUBMIT_EVALUATION_REVIEW: [
                  { guard: and(['isEvaluationExpert', 'hasNotEvaluated', 'completesEvaluationReviews']), target: 'assessment', actions: 'recordEvaluationReview' },
                  { guard: and(['isEvaluationExpert', 'hasNotEvaluated']), actions: 'recordEvaluationReview' },
                ],
              },
            },
            assessment: { on: { ASSESS: { guard: 'assessmentValid', target: 'graded', actions: 'assess' } } },
            // Art. 19: what the grade leads to.
            graded: {
              always: [
                { guard: 'passedAcceptance', target: '#center.building.running', actions: 'startNextCycle' },
                { guard: 'passed', target: '#center.building.running', actions: 'closeEvaluation' },
                { guard: 'failedReEvaluation', target: '#center.supportStopped', actions: ['publishNotice', 'stopSupport'] },
                { target: '#center.building.rectification', actions: 'openRectification' },
              ],
            },
          },
        },
        /** Art. 19: notice published, rectification within a deadline; funding suspended. */
        rectification: {
          on: {
            SUBMIT_RECTIFICATION: { guard: 'rectificationOpen', target: 'evaluation', actions: 'startReEvaluation' },
            EXTEND_RECTIFICATION: { guard: 'canExtendRectification', actions: 'extendRectification' },
            DEADLINE_REACHED: { guard: 'isRectificationDeadline', target: '#center.supportStopped', actions: 'stopSupport' },
          },
        },
      },
    },
    /** Art. 19: support stopped — final; the workflow completes with the reason and the date. */
    supportStopped: { type: 'final' },
    closed: {
      initial: 'rejected',
      states: {
        ineligible: { type: 'final' },
        rejected: { type: 'final' },
        /** The call window passed with no application accepted. */
        lapsed: { type: 'final' },
      },
    },
  },
});

/** A persisted snapshot ({ value, context }) back as a snapshot of the current machine. */
export function restoreSnapshot(persisted: { value: unknown; context: CenterContext }): CenterSnapshot {
  return centerMachine.resolveState({
    value: persisted.value as Parameters<typeof centerMachine.resolveState>[0]['value'],
    context: { ...contextDefaults(), ...persisted.context },
  });
}

export type CenterMachine = typeof centerMachine;
export type CenterSnapshot = SnapshotFrom<CenterMachine>;

/** Dotted state path, e.g. "application.inReview" — the name used in queries, search attributes and audit rows. */
export function stateName(snapshot: CenterSnapshot): string {
  const flatten = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Object.entries(v as Record<string, unknown>).map(([k, sub]) => `${k}.${flatten(sub).join('|')}`);
  return flatten(snapshot.value).join('|');
}

/** True once the center can take no more commands: a closed application or stopped support. */
export const isClosed = (snapshot: CenterSnapshot): boolean =>
  snapshot.matches('closed') || snapshot.matches('supportStopped') || snapshot.status === 'done';
