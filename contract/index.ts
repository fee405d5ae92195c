/**
 * The contract between the service's processes: the workflows' updates, queries and signals, their inputs and
 * results, the search-attribute keys and the activities' inputs — imported by workflows/, activities/, client/
 * and bench/ alike (no Node built-ins here: the workflow sandbox loads it too).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallCommand, Command, CommandType, RefusalReason } from '../machines/commands';
import { SEARCH_ATTRIBUTE_KEYS } from '../config/search-attributes';
import { z } from 'zod';
import { ActorSchema, CallInfoSchema, SlugSchema, type Actor, type CallInfo } from '../machines/domain';
import { PolicySchema, type Policy } from '../machines/policy';
import type { CallView } from '../machines/center';
import type { BudgetAnswer, FundingRound, RoundRubrics, RoundScore, RoundState, RoundSubmission } from '../machines/funding-rounds';
import { MACHINE_VERSION, type MovePlan } from '../machines/versions';

export const centerWorkflowId = (universityId: string) => `center-${universityId}`;
export const callWorkflowId = (callId: string) => `call-${callId}`;
/** A center is identified by the application that founded it: one university, one call. */
export const centerIdFor = (universityId: string, callId: string) => `${universityId}.${callId}`;

export interface CommandResult {
  commandId: string;
  type: CommandType;
  /** The center's state after the command. */
  state: string;
  /** The audit sequence number of the transition the command caused. */
  seq: number;
  at: string;
  /**
   * True when the command id had already been processed: answered from the workflow's own table (e.g. after a
   * continue-as-new), or — within a run — by Temporal from its update-id store, which the clients tell by the
   * sending the stored result names (CommandAttempt).
   */
  duplicate: boolean;
  /** The sending (CommandAttempt) the workflow ran the command for; the clients take it off their answer. */
  attempt?: string;
  /** Where the command left the center, so a client needs no read-back (absent for a repeated command id). */
  center?: CenterSummary;
}

export type { CenterSummary, CenterView } from '../machines/view';
import type { CenterSummary, CenterView } from '../machines/view';

export interface CenterResult {
  centerId: string;
  state: string;
  reason: string;
  at: string;
}

export interface CenterCarry {
  /** The statechart's persisted state (value + context). */
  snapshot: unknown;
  seq: number;
  /** Recent command results, so a command repeated after continue-as-new still gets its first answer. */
  results: [string, CommandResult][];
  /** The fingerprint of each carried result's command (absent in carries made before it existed). */
  fingerprints?: [string, string][];
  registeredWithCall: boolean;
  settledWithCall: boolean;
}

/**
 * What a center workflow must be started with; checked at its start (docs/security.md): a workflow started by
 * anyone but the service with a made-up input fails at once, naming what is wrong, and leaves the id free.
 */
export const CenterWorkflowInputSchema = z
  .object({
    centerId: z.string().min(3).max(140),
    universityId: SlugSchema,
    call: CallInfoSchema.innerType().extend({ approvedCount: z.number().int().min(0), closedEarlyAt: z.string().nullable() }).passthrough(),
    policy: PolicySchema,
    carried: z.object({ snapshot: z.object({ value: z.unknown(), context: z.record(z.unknown()) }).passthrough(), seq: z.number().int().min(0), results: z.array(z.tuple([z.string(), z.unknown()])) }).passthrough().optional(),
    /** The service's signature on the start (config/start-secret.ts); absent in the inputs of centers started before it. */
    startSignature: z.string().max(200).optional(),
    /** The version of the statechart the center starts with (machines/versions.ts); absent: the newest. */
    machineVersion: z.number().int().min(1).max(MACHINE_VERSION).optional(),
  })
  .passthrough()
  .refine((i) => i.centerId === centerIdFor(i.universityId, i.call.callId), { message: 'centerId must be <universityId>.<callId>', path: ['centerId'] });
export const CallWorkflowInputSchema = z
  .object({
    call: CallInfoSchema.innerType().passthrough(),
    openedBy: ActorSchema,
    commandId: z.string().min(1).max(200),
    carried: z.object({ state: z.record(z.unknown()), seq: z.number().int().min(0) }).passthrough().optional(),
    /** The service's signature on the start (config/start-secret.ts); absent in the inputs of calls opened before it. */
    startSignature: z.string().max(200).optional(),
  })
  .passthrough();

export interface CenterWorkflowInput {
  centerId: string;
  universityId: string;
  call: CallView;
  policy: Policy;
  carried?: CenterCarry;
  /** The service's signature on the start (config/start-secret.ts). */
  startSignature?: string;
  /** The version of the statechart a new center starts with (machines/versions.ts); absent: the newest. */
  machineVersion?: number;
}

/** Every user command to a center (SPEC §4: updates with validators). */
/**
 * Sent beside a command by the service's clients: a fresh id per sending. The workflow echoes it in the result it
 * runs the command for, and Temporal answers a repeated update id with that stored result — so a client whose own
 * attempt is not the one echoed was answered for an earlier sending: a repeat (client/operations.ts).
 */
export interface CommandAttempt {
  attempt: string;
}
export const centerCommand = defineUpdate<CommandResult, [Command, CommandAttempt?]>('command');
export const centerState = defineQuery<CenterView>('state');
/** Issue 15 item 4: the version of the statechart the center runs, and what a move to the next would do now. */
export interface CenterVersion {
  centerId: string;
  state: string;
  version: number;
  newest: number;
  /** Null when the center runs the newest version (or takes no more commands). */
  move: MovePlan | null;
}
export const centerVersion = defineQuery<CenterVersion>('version');
/**
 * A scheduler fires a deadline by its stable key (SPEC §3 "Time"); a repeat has no effect. Signals are not
 * authenticated by Temporal (docs/security.md): a workflow takes one only when its payload parses, and this one only
 * from the scheduler role.
 */
export const FireDeadlineSchema = z.object({ key: z.string().min(1).max(200), actor: ActorSchema }).strict();
export const fireDeadline = defineSignal<[z.infer<typeof FireDeadlineSchema>]>('fireDeadline');
/** The call's workflow reports quota and approvals, and answers a quota reservation. */
export const CallStatusChangedSchema = z
  .object({ quota: z.number().int().min(0), approvedCount: z.number().int().min(0), closedEarlyAt: z.string().datetime({ offset: true }).nullable(), at: z.string().datetime({ offset: true }) })
  .strict();
export const callStatusChanged = defineSignal<[z.infer<typeof CallStatusChangedSchema>]>('callStatusChanged');
export const QuotaSlotAnswerSchema = z.object({ requestId: z.string().min(1).max(200), granted: z.boolean(), quota: z.number().int().min(0), approvedCount: z.number().int().min(0) }).strict();
export const quotaSlotAnswer = defineSignal<[z.infer<typeof QuotaSlotAnswerSchema>]>('quotaSlotAnswer');

// ---- The call for applications (Art. 7) ----

export type { CallCommand };

export interface CallStatus extends CallView {
  status: 'open' | 'closed';
  approved: string[];
  applicants: { centerId: string; workflowId: string; settled: boolean }[];
  quotaHistory: { quota: number; reason: string; at: string; by: string }[];
}

export interface CallWorkflowInput {
  call: CallInfo;
  openedBy: Actor;
  commandId: string;
  /** The call's state and event sequence, carried across continue-as-new. */
  carried?: { state: CallStatus; seq: number; slots?: QuotaSlots };
  /** The service's signature on the start (config/start-secret.ts). */
  startSignature?: string;
}

/** Which request holds each center's slot, and the requests their centers withdrew (Art. 9, workflows/call.ts). */
export interface QuotaSlots {
  holders: Record<string, string>;
  withdrawn: string[];
}

export const callCommand = defineUpdate<CallStatus, [CallCommand]>('callCommand');
export const callStatus = defineQuery<CallStatus>('callStatus');
const Id = z.string().min(1).max(200);
export const RegisterApplicantSchema = z.object({ centerId: Id, workflowId: Id }).strict();
export const registerApplicant = defineSignal<[z.infer<typeof RegisterApplicantSchema>]>('registerApplicant');
export const ApplicantSettledSchema = z.object({ centerId: Id }).strict();
export const applicantSettled = defineSignal<[z.infer<typeof ApplicantSettledSchema>]>('applicantSettled');
/** Art. 9: an approval's request for a slot of the call's quota, and the call's answer (an update, via activities/quota.ts). */
export interface QuotaSlotRequest {
  callWorkflowId: string;
  centerId: string;
  requestId: string;
}
export interface QuotaSlotAnswer {
  granted: boolean;
  quota: number;
  approvedCount: number;
  closedEarlyAt: string | null;
  /** The request was withdrawn by its center before the call saw it (its wait ran out): it takes no slot. */
  withdrawn?: boolean;
}
export const reserveQuotaSlot = defineUpdate<QuotaSlotAnswer, [QuotaSlotRequest]>('reserveQuotaSlot');
/**
 * Art. 9: a center whose approval stopped waiting for the call's answer withdraws its request: the slot it may hold
 * under that request is given back, and the request, if the call has not seen it yet, will take none.
 */
export const releaseQuotaSlot = defineUpdate<{ released: boolean; approvedCount: number }, [QuotaSlotRequest]>('releaseQuotaSlot');
/** Kept for histories recorded before the quota slot was an update (workflows/center.ts `patched`). */
export const RequestQuotaSlotSchema = z.object({ centerId: Id, workflowId: Id, requestId: Id }).strict();
export const requestQuotaSlot = defineSignal<[z.infer<typeof RequestQuotaSlotSchema>]>('requestQuotaSlot');

export type { RefusalReason };

// ---- Search attributes (SPEC §4: centers are listed through Temporal visibility by these) ----

export const {
  CenterId: CenterIdKey,
  CenterState: CenterStateKey,
  UniversityId: UniversityIdKey,
  CallId: CallIdKey,
  CenterCycle: CenterCycleKey,
  NextDeadline: NextDeadlineKey,
} = SEARCH_ATTRIBUTE_KEYS;

// ---- Activity inputs (what the workflows hand to activities/) ----

export type { AuditRow, CallEventInput, CenterRow, DomainRecord, PersistTransitionInput } from '../machines/records.types';

// ---- Yearly funding rounds (Art. 13 择优, 14–15; workflows/funding-round.ts) ----

export const fundingRoundWorkflowId = (roundId: string) => `funding-round-${roundId}`;
export interface FundingRoundInput {
  round: FundingRound;
  /** The policy's rubrics when the round was opened: the round is scored on them to its end. */
  rubrics: RoundRubrics;
  openedBy: Actor;
  commandId: string;
}
export interface FundingRoundStatus extends RoundState {
  status: 'open' | 'closed' | 'decided';
  openedBy: string;
}
/** Each update names who sends it: the workflow checks the role (the API has checked the caller). */
export interface RoundSubmit { actor: Actor; submission: RoundSubmission }
export interface RoundScoreInput { actor: Actor; score: RoundScore }
export interface RoundReserve { actor: Actor; requestKey: string; amountFen: number; reason: string; departure: boolean }
export interface RoundDecline { actor: Actor; requestKey: string; reason: string; departure: boolean }
export const fundingRoundStatus = defineQuery<FundingRoundStatus>('fundingRoundStatus');
export const submitToRound = defineUpdate<FundingRoundStatus, [RoundSubmit]>('submitToRound');
export const scoreRoundRequest = defineUpdate<FundingRoundStatus, [RoundScoreInput]>('scoreRoundRequest');
/** Art. 13: one grant's amount reserved from the round's budget, answered in one step (never over-committed). */
export const reserveRoundBudget = defineUpdate<BudgetAnswer, [RoundReserve]>('reserveRoundBudget');
/** A grant the center refused after its reservation: the amount goes back, the request is declined. */
export const releaseRoundBudget = defineUpdate<FundingRoundStatus, [RoundDecline]>('releaseRoundBudget');
export const declineInRound = defineUpdate<FundingRoundStatus, [RoundDecline]>('declineInRound');
