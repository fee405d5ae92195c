/**
 * Drives the center statechart purely (no actor, no Temporal, no DB): every command goes through
 * `checkCommand` first and the machine only ever sees the event it returns, so the checks and the
 * transitions are tested together, exactly as the workflow's update validator and handler use them.
 */
import { expect } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { checkCommand } from '../../machines/authorize';
import { callWindowKey, centerMachine, type CallView, type CenterEvent, type CenterInput, type CenterSnapshot } from '../../machines/center';
import type { Command, Refusal, RefusalReason } from '../../machines/commands';
import type { Actor, Application, CallInfo, Expert } from '../../machines/domain';
import { defaultPolicy, type Policy } from '../../machines/policy';
import { application, callInfo, callView, cmd, commission, expertActor, experts, understaffed, university } from '../helpers/fixtures';

/**
 * The state an approval leads to (Art. 9, 20: established; Art. 6: the build cycle starts at once). The
 * application stage ends there; the building stage has its own tests.
 */
export const ESTABLISHED = 'building.running';

/** A fixed "now" in 2026, so Art. 8(4)'s last three years are 2023–2025, as in examples/application.json. */
export const NOW = Date.parse('2026-03-01T00:00:00.000Z');
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;
export const iso = (offsetMs = 0) => new Date(NOW + offsetMs).toISOString();

/** The call of the fixtures: opened a day before NOW, closes 30 days after NOW, quota 2. */
export const CALL: CallInfo = callInfo(NOW);
export const scheduler: Actor = { id: 'calendar', role: 'scheduler' };
export const auditor: Actor = { id: 'auditor-1', role: 'auditor' };

export interface StartOptions {
  policy?: Policy;
  call?: Partial<CallView>;
}

/** The input the workflow gives the statechart: bjut's center for the fixtures' call. */
export const centerInput = (options: StartOptions = {}): CenterInput => ({
  policy: options.policy ?? defaultPolicy,
  centerId: 'center-bjut',
  workflowId: 'center-bjut',
  universityId: 'bjut',
  call: callView(CALL, options.call),
});

export function start(options: StartOptions = {}): CenterSnapshot {
  const [snapshot] = initialTransition(centerMachine, centerInput(options));
  return snapshot;
}

/** checkCommand must accept; returns the event it produced and the snapshot after the transition. */
export function step(snapshot: CenterSnapshot, command: Command | unknown, at = iso()): { event: CenterEvent; after: CenterSnapshot } {
  const checked = checkCommand(snapshot, command, at);
  if (!checked.ok) throw new Error(`expected the command to be accepted, got ${checked.refusal.reason}: ${checked.refusal.message}`);
  const [after] = transition(centerMachine, snapshot, checked.event);
  expect(after.status).not.toBe('error');
  return { event: checked.event, after };
}

export const send = (snapshot: CenterSnapshot, command: Command | unknown, at = iso()): CenterSnapshot => step(snapshot, command, at).after;

/** checkCommand must refuse; returns the refusal. */
export function refusal(snapshot: CenterSnapshot, command: Command | unknown, at = iso()): Refusal {
  const checked = checkCommand(snapshot, command, at);
  if (checked.ok) throw new Error(`expected a refusal, but ${JSON.stringify((command as Command).type)} was accepted`);
  return checked.refusal;
}

/** Asserts the refusal's reason and that its message names the cause. */
export function expectRefused(snapshot: CenterSnapshot, command: Command | unknown, reason: RefusalReason, message: RegExp, at = iso()): Refusal {
  const r = refusal(snapshot, command, at);
  expect(r.reason).toBe(reason);
  expect(r.message).toMatch(message);
  return r;
}

export function deadlineEvent(at: string, key = callWindowKey(CALL.callId)): CenterEvent {
  return { type: 'DEADLINE_REACHED', key, meta: { actor: scheduler, commandId: null, at } };
}

export function callStatusEvent(status: { quota: number; approvedCount: number; closedEarlyAt: string | null }, at = iso()): CenterEvent {
  return { type: 'CALL_STATUS', ...status, meta: { actor: commission, commandId: null, at } };
}

/** Non-command events (timers, the call's workflow) go straight to the machine; `can` must hold. */
export function fire(snapshot: CenterSnapshot, event: CenterEvent): CenterSnapshot {
  expect(snapshot.can(event)).toBe(true);
  const [after] = transition(centerMachine, snapshot, event);
  expect(after.status).not.toBe('error');
  return after;
}

// ---- Commands of the application stage ----

export const submit = (app: Application = application(), actor = university(), callId = CALL.callId) =>
  cmd('SUBMIT_APPLICATION', actor, { callId, application: app });
export const amend = (app: Application = application(), actor = university()) => cmd('AMEND_APPLICATION', actor, { application: app });
export const assign = (panel: Expert[] = experts(), actor = commission) => cmd('ASSIGN_EXPERTS', actor, { experts: panel });
export const review = (expert: Expert, score = 85, recommendation: 'approve' | 'reject' = 'approve') =>
  cmd('SUBMIT_REVIEW', expertActor(expert), { review: { score, recommendation, opinion: `Opinion of ${expert.id}` } });
export const approve = (actor = commission, reason = 'Best of the 2026 call') => cmd('APPROVE', actor, { reason });
export const reject = (actor = commission, reason = 'Weaker than the approved applications') => cmd('REJECT', actor, { reason });

// ---- Paths to each state of the application stage (submit now, assign +2 d, reviews +5 d, decision +10 d) ----

export const PANEL = experts('pku', 3);

export const eligible = (options?: StartOptions) => send(start(options), submit());
export const ineligible = (options?: StartOptions) => send(start(options), submit(understaffed()));
export const inReview = (options?: StartOptions) => send(eligible(options), assign(PANEL), iso(2 * DAY));
export function awaitingDecision(options?: StartOptions): CenterSnapshot {
  let s = inReview(options);
  for (const e of PANEL) s = send(s, review(e), iso(5 * DAY));
  return s;
}
export const established = (options?: StartOptions) => send(awaitingDecision(options), approve(), iso(10 * DAY));
export const rejected = (options?: StartOptions) => send(awaitingDecision(options), reject(), iso(10 * DAY));
