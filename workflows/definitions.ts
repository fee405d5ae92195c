/**
 * Message definitions shared by the workflows and the client (imported by both; no Node built-ins here).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Command, CommandType, RefusalReason } from '../machines/commands';
import type { Actor, CallInfo } from '../machines/domain';
import type { CallView } from '../machines/center';
import type { Policy } from '../machines/policy';

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
   * True when the workflow answered a repeated command id from its own table (e.g. after a continue-as-new).
   * Within a run Temporal itself answers a repeated update id with the stored first result, unchanged.
   */
  duplicate: boolean;
}

export type { CenterView } from '../machines/view';
import type { CenterView } from '../machines/view';

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
  registeredWithCall: boolean;
  settledWithCall: boolean;
}

export interface CenterWorkflowInput {
  centerId: string;
  universityId: string;
  call: CallView;
  policy: Policy;
  carried?: CenterCarry;
}

/** Every user command to a center (SPEC §4: updates with validators). */
export const centerCommand = defineUpdate<CommandResult, [Command]>('command');
export const centerState = defineQuery<CenterView>('state');
/** A scheduler fires a deadline by its stable key (SPEC §3 "Time"); a repeat has no effect. */
export const fireDeadline = defineSignal<[{ key: string; actor: Actor }]>('fireDeadline');
/** The call's workflow reports quota and approvals, and answers a quota reservation. */
export const callStatusChanged = defineSignal<[{ quota: number; approvedCount: number; closedEarlyAt: string | null; at: string }]>('callStatusChanged');
export const quotaSlotAnswer = defineSignal<[{ requestId: string; granted: boolean; quota: number; approvedCount: number }]>('quotaSlotAnswer');

// ---- The call for applications (Art. 7) ----

export type CallCommand =
  | { commandId: string; actor: Actor; type: 'RAISE_QUOTA'; payload: { quota: number; reason: string } }
  | { commandId: string; actor: Actor; type: 'CLOSE_EARLY'; payload: { reason: string } };

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
  carried?: { state: CallStatus; seq: number };
}

export const callCommand = defineUpdate<CallStatus, [CallCommand]>('callCommand');
export const callStatus = defineQuery<CallStatus>('callStatus');
export const registerApplicant = defineSignal<[{ centerId: string; workflowId: string }]>('registerApplicant');
export const applicantSettled = defineSignal<[{ centerId: string }]>('applicantSettled');
export const requestQuotaSlot = defineSignal<[{ centerId: string; workflowId: string; requestId: string }]>('requestQuotaSlot');

export type { RefusalReason };
