import * as wf from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import { checkCommand } from '../machines/authorize';
import { centerView } from '../machines/view';
import { callWindowKey, centerMachine, isClosed, restoreSnapshot, stateName, type CenterEvent, type CenterSnapshot } from '../machines/center';
import type { Actor } from '../machines/domain';
import { centerRowFor, nextDeadline, recordsFor } from '../machines/records';
import {
  applicantSettled,
  callStatusChanged,
  callWorkflowId,
  centerCommand,
  centerState,
  fireDeadline,
  quotaSlotAnswer,
  registerApplicant,
  requestQuotaSlot,
  type CenterResult,
  type CenterView,
  type CenterWorkflowInput,
  type CommandResult,
} from './definitions';
import { CenterCycleKey, CenterStateKey, NextDeadlineKey } from './search-attributes';
import { createLock, nowIso, persistence, refusalFailure } from './shared';
import type { Activities } from '../activities';

/**
 * Art. 18: reminders and escalations leave the outbox right after the transition that wrote them. A few retries
 * only: a channel that is down must not hold up the center; its notices stay pending for the next delivery (the
 * center's next notice, or a calendar round's sweep).
 */
const outbox = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** What a finished center workflow answers: where it ended, why and when (Art. 19 for stopped support). */
function resultOf(snapshot: CenterSnapshot): CenterResult {
  const ctx = snapshot.context;
  const state = stateName(snapshot);
  if (ctx.supportStopped) return { centerId: ctx.centerId, state, reason: `support stopped: ${ctx.supportStopped.reason}`, at: ctx.supportStopped.at };
  if (ctx.decision?.outcome === 'rejected') return { centerId: ctx.centerId, state, reason: `application rejected: ${ctx.decision.reason}`, at: ctx.decision.at };
  const window = ctx.deadlines.find((d) => d.kind === 'callWindow');
  const reason =
    state === 'closed.ineligible'
      ? `the call window closed with the application ineligible: ${(ctx.eligibility ?? []).filter((c) => !c.passed).map((c) => `Art. 8(${c.condition}) ${c.reason}`).join('; ')}`
      : 'the call window closed with no application';
  return { centerId: ctx.centerId, state, reason, at: window?.firedAt ?? window?.dueAt ?? new Date().toISOString() };
}

/** The workflow's own timers fire deadlines as this actor. */
const TIMER: Actor = { id: 'workflow-timer', role: 'scheduler' };
/** The call's workflow, when it closes the window early. */
const CALL: Actor = { id: 'call-workflow', role: 'scheduler' };
/** Command results kept across continue-as-new, so a repeated command id is still answered as before. */
const CARRIED_RESULTS = 500;
/** How long an approval waits for the call's workflow to answer its quota reservation. */
const QUOTA_ANSWER_TIMEOUT = '2 minutes';

/**
 * One center's whole life (SPEC §1): hosts the pure statechart, turns its deadlines into durable timers, checks
 * every command before anything is written, and persists every transition through activities.
 */
export async function centerWorkflow(input: CenterWorkflowInput): Promise<CenterResult> {
  const { workflowId } = wf.workflowInfo();
  let snapshot: CenterSnapshot = input.carried
    ? restoreSnapshot(input.carried.snapshot as Parameters<typeof restoreSnapshot>[0])
    : initialTransition(centerMachine, {
        policy: input.policy,
        centerId: input.centerId,
        workflowId,
        universityId: input.universityId,
        call: input.call,
      })[0];
  let seq = input.carried?.seq ?? 0;
  let registeredWithCall = input.carried?.registeredWithCall ?? false;
  let settledWithCall = input.carried?.settledWithCall ?? false;
  const results = new Map<string, CommandResult>(input.carried?.results ?? []);
  const slotAnswers = new Map<string, { granted: boolean; quota: number; approvedCount: number }>();
  const lock = createLock((fn) => wf.condition(fn));
  const armed = new Map<string, { dueAt: string; scope: wf.CancellationScope }>();

  const view = (): CenterView => centerView(snapshot, seq);

  /** Applies one event: transition, persist (audit row + records + read model), then tell the call. */
  async function apply(event: CenterEvent): Promise<{ state: string; seq: number; at: string }> {
    const before = snapshot;
    const [after] = transition(centerMachine, before, event);
    // SPEC §6: an error inside the statechart must never pass silently.
    if (after.status === 'error') {
      throw wf.ApplicationFailure.nonRetryable(`The statechart failed on ${event.type}: ${String(after.error)}`, 'statechart-error');
    }
    snapshot = after;
    seq += 1;
    const at = event.meta.at;
    const records = recordsFor(event, before, after);
    await persistence.persistTransition({
      audit: {
        centerId: after.context.centerId,
        cycle: after.context.cycle,
        seq,
        fromState: stateName(before),
        event: event.type,
        toState: stateName(after),
        actor: event.meta.actor,
        commandId: event.meta.commandId,
        at,
      },
      center: centerRowFor(after, at),
      records,
    });
    // Patched: histories recorded before the outbox was delivered replay without this activity.
    if (records.some((r) => r.kind === 'notification') && wf.patched('deliver-notifications')) {
      await deliverNotifications(after.context.centerId);
    }
    const next = nextDeadline(after);
    wf.upsertSearchAttributes([
      { key: CenterStateKey, value: stateName(after) },
      { key: CenterCycleKey, value: after.context.cycle },
      { key: NextDeadlineKey, value: next ? new Date(next.dueAt) : null },
    ]);
    await tellCall();
    syncTimers();
    return { state: stateName(after), seq, at };
  }

  /** Delivers the center's pending notices (activities/outbox.ts); a failure leaves them pending, never lost. */
  async function deliverNotifications(centerId: string): Promise<void> {
    try {
      await outbox.deliverNotifications({ centerId });
    } catch (err) {
      if (wf.isCancellation(err)) throw err;
      wf.log.warn('the outbox could not deliver; the notices stay pending', { centerId, error: String(err) });
    }
  }

  /** Keeps the call's workflow (quota, early closing) informed of this applicant. */
  async function tellCall(): Promise<void> {
    const call = wf.getExternalWorkflowHandle(callWorkflowId(snapshot.context.call.callId));
    const applied = snapshot.context.applicationVersion > 0;
    const settled = isClosed(snapshot) || snapshot.context.decision !== null;
    try {
      if (applied && !registeredWithCall) {
        registeredWithCall = true;
        await call.signal(registerApplicant, { centerId: input.centerId, workflowId });
      }
      if (registeredWithCall && settled && !settledWithCall) {
        settledWithCall = true;
        await call.signal(applicantSettled, { centerId: input.centerId });
      }
    } catch (err) {
      // A call that has already ended has nothing left to count; the center's own state is unaffected.
      wf.log.warn('the call workflow could not be told', { callId: snapshot.context.call.callId, error: String(err) });
    }
  }

  /** Art. 9: an approval takes a slot of the call's quota; the call's workflow is the one that counts. */
  async function reserveQuotaSlot(requestId: string): Promise<void> {
    await wf
      .getExternalWorkflowHandle(callWorkflowId(snapshot.context.call.callId))
      .signal(requestQuotaSlot, { centerId: input.centerId, workflowId, requestId });
    const answered = await wf.condition(() => slotAnswers.has(requestId), QUOTA_ANSWER_TIMEOUT);
    if (!answered) {
      throw refusalFailure({ reason: 'quota-exceeded', message: `The call "${snapshot.context.call.callId}" did not confirm a quota slot; try again.` });
    }
    const answer = slotAnswers.get(requestId)!;
    if (!answer.granted) {
      throw refusalFailure({ reason: 'quota-exceeded', message: `The call "${snapshot.context.call.callId}" has used its quota (${answer.approvedCount} of ${answer.quota} approved); the commission may raise it with a reason.` });
    }
  }

  /** Deadlines are data in the statechart; each pending one has exactly one durable timer (SPEC §6). */
  function syncTimers(): void {
    const pending = isClosed(snapshot) ? [] : snapshot.context.deadlines.filter((d) => d.status === 'pending');
    for (const [key, timer] of armed) {
      if (!pending.some((d) => d.key === key && d.dueAt === timer.dueAt)) {
        timer.scope.cancel();
        armed.delete(key);
      }
    }
    for (const d of pending) {
      if (armed.has(d.key)) continue;
      const scope = new wf.CancellationScope();
      armed.set(d.key, { dueAt: d.dueAt, scope });
      // A deadline already due fires at once (a timer needs at least 1 ms).
      const delay = Math.max(1, Date.parse(d.dueAt) - Date.now());
      scope
        .run(() => wf.sleep(delay, { summary: `deadline ${d.key}` }))
        .then(
          () => {
            if (armed.get(d.key)?.scope === scope) armed.delete(d.key);
            void deliverDeadline(d.key, TIMER);
          },
          (err) => {
            if (!wf.isCancellation(err)) throw err;
          },
        );
    }
  }

  /** A deadline fired by a timer or a scheduler; a key already fired has no effect. */
  let deliveries = 0;
  async function deliverDeadline(key: string, actor: Actor): Promise<void> {
    deliveries += 1;
    try {
      await deliverUnderLock(key, actor);
    } finally {
      deliveries -= 1;
    }
  }
  async function deliverUnderLock(key: string, actor: Actor): Promise<void> {
    await lock.run(async () => {
      // A deadline's stable key is its idempotency key: the audit row carries it where a command carries its id.
      const event: CenterEvent = { type: 'DEADLINE_REACHED', key, meta: { actor, commandId: `deadline:${key}`, at: nowIso() } };
      if (isClosed(snapshot) || !snapshot.can(event)) return;
      await apply(event);
    });
  }

  wf.setHandler(centerState, view);

  wf.setHandler(
    centerCommand,
    async (command) => {
      const first = results.get(command.commandId);
      if (first) return { ...first, duplicate: true };
      return lock.run(async () => {
        const again = results.get(command.commandId);
        if (again) return { ...again, duplicate: true };
        // Checked again under the lock: another command may have moved the state since validation.
        let check = checkCommand(snapshot, command, nowIso());
        if (!check.ok) throw refusalFailure(check.refusal);
        if (check.command.type === 'APPROVE') {
          await reserveQuotaSlot(check.command.commandId);
          // Art. 6: the cycle starts on the approval date, which is when the slot was granted, not when it was asked.
          check = checkCommand(snapshot, command, nowIso());
          if (!check.ok) throw refusalFailure(check.refusal);
        }
        const applied = await apply(check.event);
        const result: CommandResult = { commandId: command.commandId, type: check.command.type, ...applied, duplicate: false };
        results.set(command.commandId, result);
        return result;
      });
    },
    {
      // SPEC §3: refused before anything is written; a refused update leaves no trace in history.
      validator: (command) => {
        const commandId = (command as { commandId?: unknown } | null)?.commandId;
        if (typeof commandId === 'string' && results.has(commandId)) return;
        const check = checkCommand(snapshot, command, nowIso());
        if (!check.ok) throw refusalFailure(check.refusal);
      },
    },
  );

  // Awaited, so allHandlersFinished() covers it before a continue-as-new.
  wf.setHandler(fireDeadline, ({ key, actor }) => deliverDeadline(key, actor));

  wf.setHandler(callStatusChanged, (status) => {
    // Not a transition of the center: the call's own events are audited by the call.
    const [after] = transition(centerMachine, snapshot, {
      type: 'CALL_STATUS',
      quota: status.quota,
      approvedCount: status.approvedCount,
      closedEarlyAt: status.closedEarlyAt,
      meta: { actor: TIMER, commandId: null, at: status.at },
    });
    snapshot = after;
    // An early close by the commission fires the call-window deadline: the same stable key as the timer's.
    if (status.closedEarlyAt) void deliverDeadline(callWindowKey(snapshot.context.call.callId), CALL);
  });

  wf.setHandler(quotaSlotAnswer, ({ requestId, ...answer }) => {
    slotAnswers.set(requestId, answer);
  });

  syncTimers();
  const cycleAtStart = snapshot.context.cycle;
  // SPEC §3 "Next cycle": a new cycle is a continue-as-new carrying the snapshot, so a history never grows
  // without bound across decades; SPEC §6: also whenever Temporal suggests it. Always from the main function,
  // after every handler has finished.
  const nextCycleStarted = () => snapshot.context.cycle >= 2 && snapshot.context.cycle > cycleAtStart;
  // A deadline a timer has just delivered is applied before this run ends (else it would wait for the next run).
  await wf.condition(() => (isClosed(snapshot) || nextCycleStarted() || wf.workflowInfo().continueAsNewSuggested) && !lock.busy && deliveries === 0);
  await wf.condition(wf.allHandlersFinished);
  if (!isClosed(snapshot)) {
    return wf.continueAsNew<typeof centerWorkflow>({
      ...input,
      call: snapshot.context.call,
      carried: {
        snapshot: { value: snapshot.value, context: snapshot.context },
        seq,
        results: [...results].slice(-CARRIED_RESULTS),
        registeredWithCall,
        settledWithCall,
      },
    });
  }
  return resultOf(snapshot);
}
