import * as wf from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import { checkCommand } from '../machines/authorize';
import { centerRowFor, centerSummary, centerView, nextDeadline, recordsOf } from '../machines/view';
import { evidenceRecords } from '../machines/evidence';
import { REFUSAL_REASONS, toEvent, type Command, type RefusalReason } from '../machines/commands';
import type { BudgetAnswer } from '../machines/funding-rounds';
import { commandFingerprint } from '../machines/fingerprint';
import { advance, callWindowKey, centerMachine, isClosed, restoreSnapshot, stateName, type CenterEvent, type CenterSnapshot } from '../machines/center';
import type { Actor } from '../machines/domain';
import { dueInOrder } from '../machines/context';
import { MACHINE_VERSION, planMove, versionOf } from '../machines/versions';
import {
  applicantSettled,
  callStatusChanged,
  callWorkflowId,
  centerCommand,
  centerState,
  centerVersion,
  CallStatusChangedSchema,
  CenterWorkflowInputSchema,
  fireDeadline,
  FireDeadlineSchema,
  quotaSlotAnswer,
  QuotaSlotAnswerSchema,
  registerApplicant,
  requestQuotaSlot,
  type QuotaSlotAnswer,
  type QuotaSlotRequest,
  type CenterResult,
  type CenterView,
  type CenterWorkflowInput,
  type CommandResult,
  type CommandAttempt,
} from '../contract';
import { CenterCycleKey, CenterStateKey, NextDeadlineKey } from '../contract';
import { createLock, dropSignal, nowIso, persistence, refusalFailure, refuseInvalidInput, checkStart } from './shared';
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
/**
 * The transition's rows, written by a local activity since `persist-transition-locally`: its input (the audit row,
 * the records, the read-model row) stays out of the history, which keeps only the result — the audit row, so an
 * auditor still rebuilds the timeline from the history (client/audit/history.ts). Idempotent by (center, seq), so a
 * local activity run again after a lost workflow task writes nothing twice.
 *
 * A local activity holds the workflow task open while it runs: until it ends, the server buffers the center's
 * queries, updates, signals and fired timers (the SDK only heartbeats the task, at 80% of its 10-second timeout).
 * So it gets one short attempt and no local retries: when the database does not answer within LOCAL_PERSIST_TIMEOUT
 * (a write lock held elsewhere: SQLite's busy_timeout is 5 s) or the attempt fails retryably, the same input goes to
 * the ordinary `persistence` activity (persistTransitionOf), which waits and retries without holding the task.
 */
const LOCAL_PERSIST_TIMEOUT = '2 seconds';
const local = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: LOCAL_PERSIST_TIMEOUT,
  retry: { maximumAttempts: 1 },
});
type PersistTransition = Activities['persistTransition'];

/**
 * The local attempt first, then, on a timeout or a retryable failure, the ordinary activity. A non-retryable failure
 * (input that can never be written) and a cancellation are thrown as they came: the activity would fail the same.
 */
async function persistTransitionLocallyFirst(input: Parameters<PersistTransition>[0]): ReturnType<PersistTransition> {
  try {
    return await local.persistTransition(input);
  } catch (err) {
    // A local activity's failure comes as it was raised (an ApplicationFailure, a TimeoutFailure), not always wrapped.
    const cause = err instanceof wf.ActivityFailure ? err.cause : err;
    if (wf.isCancellation(err) || !(cause instanceof wf.TemporalFailure)) throw err;
    if (cause instanceof wf.ApplicationFailure && cause.nonRetryable) throw err;
    wf.log.warn('the local persistTransition did not complete; the activity writes the transition', { error: String(cause) });
    return persistence.persistTransition(input);
  }
}
/** Art. 9: the call's answer to a quota reservation; retried until the call answers, so a slot is never lost. */
const quota = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['not-allowed-in-state'] },
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

/** The workflow moves its center to the next version as this actor, at a continue-as-new. */
const MIGRATION: Actor = { id: 'workflow-migration', role: 'scheduler' };
const moveEvent = (to: number): CenterEvent => ({ type: 'MIGRATE_CENTER', toVersion: to, meta: { actor: MIGRATION, commandId: `migrate:v${to}`, at: nowIso() } });

/** The workflow's own timers fire deadlines as this actor. */
const TIMER: Actor = { id: 'workflow-timer', role: 'scheduler' };
/** The call's workflow, when it closes the window early. */
const CALL: Actor = { id: 'call-workflow', role: 'scheduler' };
/** Command results kept across continue-as-new, so a repeated command id is still answered as before. */
const CARRIED_RESULTS = 500;
/** How long an approval waits for the call's workflow to answer its quota reservation. */
const QUOTA_ANSWER_TIMEOUT = '2 minutes';
/**
 * Art. 9: a reservation withdrawn after its wait ran out, retried until the call has it (it may be down for long):
 * the call gives back the slot the request may hold, and refuses the request if it reaches the call later. Only
 * the call's own refusal (this center is no applicant awaiting a decision: there is no slot to give back) is final.
 */
const withdrawal = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['not-allowed-in-state'] },
});

/**
 * One center's whole life (SPEC §1): hosts the pure statechart, turns its deadlines into durable timers, checks
 * every command before anything is written, and persists every transition through activities.
 */
export async function centerWorkflow(input: CenterWorkflowInput): Promise<CenterResult> {
  refuseInvalidInput(CenterWorkflowInputSchema, input, 'center');
  const { workflowId } = wf.workflowInfo();
  // docs/security.md "Forged starts" (checkStart): awaited by every transition (apply) and by the main function
  // below; the handlers are set meanwhile, so the update a start carries finds its handler, and waits for the verdict
  // before anything is written — a failed check leaves the workflow id free for the university's real application.
  const startChecked = checkStart(
    'center-start-signed',
    { kind: 'center', centerId: input.centerId, universityId: input.universityId, call: input.call, policy: input.policy },
    input.startSignature,
  );
  let snapshot: CenterSnapshot = input.carried
    ? restoreSnapshot(input.carried.snapshot as Parameters<typeof restoreSnapshot>[0])
    : initialTransition(centerMachine, {
        policy: input.policy,
        centerId: input.centerId,
        workflowId,
        universityId: input.universityId,
        call: input.call,
        // Every start since versions names its version (client/operations.ts); one that names none is from before: 1.
        machineVersion: input.machineVersion ?? 1,
      })[0];
  let seq = input.carried?.seq ?? 0;
  let registeredWithCall = input.carried?.registeredWithCall ?? false;
  let settledWithCall = input.carried?.settledWithCall ?? false;
  const results = new Map<string, CommandResult>(input.carried?.results ?? []);
  /** Each result's command fingerprint (machines/fingerprint.ts); runs carried before it have none for old ids. */
  const fingerprints = new Map<string, string>(input.carried?.fingerprints ?? []);
  const slotAnswers = new Map<string, { granted: boolean; quota: number; approvedCount: number }>();
  /** The quota reservation this center waits on (legacy signal path), if any. */
  let awaitingSlot: string | null = null;
  /** Withdrawals of quota reservations still on their way to the call: the run ends only after they landed. */
  let withdrawals = 0;
  const lock = createLock((fn) => wf.condition(fn));
  const armed = new Map<string, { dueAt: string; scope: wf.CancellationScope }>();

  /** The query's answer, computed once per state of the center (operators query far more often than they act). */
  let cached: { snapshot: CenterSnapshot; seq: number; view: CenterView } | null = null;
  const view = (): CenterView => {
    if (cached?.snapshot !== snapshot || cached.seq !== seq) cached = { snapshot, seq, view: centerView(snapshot, seq) };
    return cached.view;
  };

  /** Applies one event: transition, persist (audit row + records + read model), then tell the call. */
  async function apply(event: CenterEvent): Promise<{ state: string; seq: number; at: string }> {
    if (startChecked) await startChecked;
    const before = snapshot;
    const [after, actions] = advance(before, event);
    // SPEC §6: an error inside the statechart must never pass silently.
    if (after.status === 'error') {
      throw wf.ApplicationFailure.nonRetryable(`The statechart failed on ${event.type}: ${String(after.error)}`, 'statechart-error');
    }
    snapshot = after;
    seq += 1;
    let at = event.meta.at;
    // Effects flow forward: the transition names what it persists (machines/core.ts `effect`).
    // The files the command carried (by hash): rows of their own, beside the records the transition names.
    const records = [...recordsOf(actions), ...evidenceRecords(before.context, after.context, event)];
    const persist = persistLocally() ? persistTransitionLocallyFirst : persistence.persistTransition;
    const stored = await persist({
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
    // Results of older activity code (committed histories) carry no audit row.
    const storedAt = (stored as Partial<typeof stored> | undefined)?.audit?.at;
    if (storedAt !== undefined && Date.parse(storedAt) !== Date.parse(at)) {
      // This transition was written before, by a workflow task whose worker died after the commit: the same command,
      // run again now, takes the time it was first written with, so that the history, the center's context and every
      // row agree (the statechart is pure: the same event at the same time gives the same snapshot and records).
      at = storedAt;
      [snapshot] = advance(before, { ...event, meta: { ...event.meta, at } } as CenterEvent);
    }
    // Patched: histories recorded before the outbox was delivered replay without this activity; and those recorded
    // before an Art. 19 notice was sent to the university (persistTransition writes its outbox row) replay without
    // the delivery after a published notice.
    const art18 = records.some((r) => r.kind === 'notification');
    if ((art18 && wf.patched('deliver-notifications')) || (!art18 && records.some((r) => r.kind === 'notice') && wf.patched('deliver-public-notices'))) {
      await deliverNotifications(snapshot.context.centerId);
    }
    upsertSearchAttributes(snapshot);
    await tellCall();
    syncTimers();
    return { state: stateName(snapshot), seq, at };
  }

  /**
   * Search attributes change with the state, the cycle and the next deadline. Histories recorded before
   * `sparse-search-attributes` upserted after every transition; newer runs only when a value changed.
   */
  const sparseUpserts = wf.patched('sparse-search-attributes');
  /** Runs started before `deadlines-in-due-order` apply the deadline of the timer that fired (deliverUnderLock). */
  const dueOrder = wf.patched('deadlines-in-due-order');
  let locally: boolean | undefined;
  // Since `persist-transition-scheduled` a transition is written by a scheduled activity again: a local activity's
  // commit is not in history until its workflow task completes, so a task lost under load (or with its worker) left
  // a row that the next attempt, taking events in another order (a deadline before the command), met under the
  // same seq — a SequenceConflict that jammed the center (found by the benchmark, docs/performance.md). Histories
  // recorded with the local path keep it.
  const persistLocally = () => (locally ??= wf.patched('persist-transition-locally') && !wf.patched('persist-transition-scheduled'));
  let lastAttributes = '';
  function upsertSearchAttributes(after: CenterSnapshot): void {
    const next = nextDeadline(after);
    const values = [stateName(after), after.context.cycle, next?.dueAt ?? null] as const;
    const key = JSON.stringify(values);
    if (sparseUpserts && key === lastAttributes) return;
    lastAttributes = key;
    wf.upsertSearchAttributes([
      { key: CenterStateKey, value: values[0] },
      { key: CenterCycleKey, value: values[1] },
      { key: NextDeadlineKey, value: values[2] ? new Date(values[2]) : null },
    ]);
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

  /**
   * Art. 9: an approval takes a slot of the call's quota; the call's workflow is the one that counts. Since
   * `quota-slot-update`, an activity asks the call with an update and waits for its answer (no broadcast to the
   * other applicants); the answer's count is kept, so this center's validator refuses the next approval beyond
   * the quota before anything is written.
   */
  async function reserveQuotaSlot(requestId: string): Promise<void> {
    if (!wf.patched('quota-slot-update')) return reserveQuotaSlotBySignal(requestId);
    const callId = snapshot.context.call.callId;
    const request = { callWorkflowId: callWorkflowId(callId), centerId: input.centerId, requestId };
    let answer: QuotaSlotAnswer;
    // Since `quota-slot-release`: the wait is bounded, and a reservation not answered within it is withdrawn, so a
    // call that does not answer (its worker down) never holds up the center, nor keeps a slot for an approval that
    // was refused. Histories recorded before asked until the call answered.
    if (wf.patched('quota-slot-release')) {
      try {
        answer = await wf.CancellationScope.withTimeout(QUOTA_ANSWER_TIMEOUT, async () => {
          for (;;) {
            try {
              return await quota.reserveQuotaSlot(request);
            } catch (err) {
              if (!callRefused(err)) throw err;
              // The call does not count this center as an applicant yet: its registration is still on its way (the
              // call first reaches this workflow back, which a slow or killed worker delays) or never reached it.
              // Register again and ask again, within the same bounded wait.
              registeredWithCall = false;
              await tellCall();
              await wf.sleep('1 second');
            }
          }
        });
      } catch (err) {
        if (!wf.isCancellation(err)) throw err;
        withdrawQuotaRequest(request);
        throw refusalFailure({ reason: 'quota-exceeded', message: `The call "${callId}" did not confirm a quota slot within ${QUOTA_ANSWER_TIMEOUT} (is its worker running?); the reservation is withdrawn and nothing was written: send the approval again with a new command id once \`centers call show ${callId}\` answers.` });
      }
      if (answer.withdrawn) throw refusalFailure({ reason: 'quota-exceeded', message: `The quota reservation "${requestId}" was withdrawn; send the approval again with a new command id.` });
    } else {
      answer = await quota.reserveQuotaSlot(request);
    }
    snapshot = transition(centerMachine, snapshot, { type: 'CALL_STATUS', quota: answer.quota, approvedCount: answer.approvedCount - (answer.granted ? 1 : 0), closedEarlyAt: answer.closedEarlyAt, meta: { actor: TIMER, commandId: null, at: nowIso() } })[0];
    if (!answer.granted) {
      throw refusalFailure({ reason: 'quota-exceeded', message: `The call "${callId}" has used its quota (${answer.approvedCount} of ${answer.quota} approved); the commission may raise it with a reason.` });
    }
  }
  /** The call's validator refused the reservation (quota activity: the refusal's type, non-retryable). */
  const callRefused = (err: unknown): boolean =>
    err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === 'not-allowed-in-state';
  /** In the background (the center goes on): the call gives back the slot this request may hold. */
  function withdrawQuotaRequest(request: QuotaSlotRequest): void {
    withdrawals += 1;
    void withdrawal
      .releaseQuotaSlot(request)
      .then(
        (released) => wf.log.info('quota reservation withdrawn', { requestId: request.requestId, released: released.released }),
        (err) => wf.log.warn('quota reservation not withdrawn: the call refused it', { requestId: request.requestId, error: String(err) }),
      )
      .finally(() => {
        withdrawals -= 1;
      });
  }
  /**
   * Art. 13 择优: a grant of a request that competes in a funding round asks the round for the amount first (the
   * round answers one reservation at a time), so grants racing for the last of its budget cannot both be made: the
   * loser is refused, nothing written. Requests outside a round (every request before rounds) ask nothing.
   */
  async function reserveRoundGrant(command: Extract<Command, { type: 'GRANT_FUNDING' }>): Promise<void> {
    const request = snapshot.context.funding.find((f) => f.requestId === command.payload.requestId);
    const roundId = request?.request.roundId;
    if (!roundId || !wf.patched('funding-round-budget')) return;
    let answer: BudgetAnswer;
    try {
      answer = await wf.CancellationScope.withTimeout(QUOTA_ANSWER_TIMEOUT, () =>
        quota.reserveRoundGrant({
          roundId,
          actor: command.actor,
          requestKey: `${input.centerId}/${command.payload.requestId}`,
          amountFen: command.payload.amountFen,
          reason: command.payload.reason ?? `Art. 13: granted by ${command.actor.id}`,
          departure: false,
        }),
      );
    } catch (err) {
      if (wf.isCancellation(err)) throw refusalFailure({ reason: 'over-budget', message: `The funding round "${roundId}" did not answer within ${QUOTA_ANSWER_TIMEOUT} (is its worker running?); nothing was written: send the grant again.` });
      // The round's refusal (its validator), with its own reason.
      if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure) {
        const type = err.cause.type ?? '';
        throw refusalFailure({ reason: (REFUSAL_REASONS as readonly string[]).includes(type) ? (type as RefusalReason) : 'invalid-input', message: err.cause.message });
      }
      throw err;
    }
    if (!answer.granted) throw refusalFailure({ reason: 'over-budget', message: answer.message ?? `Round "${roundId}" refused the grant.` });
  }

  /** Histories recorded before `quota-slot-update`: a signal to the call, answered by a signal. */
  async function reserveQuotaSlotBySignal(requestId: string): Promise<void> {
    awaitingSlot = requestId;
    await wf
      .getExternalWorkflowHandle(callWorkflowId(snapshot.context.call.callId))
      .signal(requestQuotaSlot, { centerId: input.centerId, workflowId, requestId });
    const answered = await wf.condition(() => slotAnswers.has(requestId), QUOTA_ANSWER_TIMEOUT);
    awaitingSlot = null;
    if (!answered) {
      // Since `quota-slot-release`: the call may have granted the slot after all; it gives it back.
      if (wf.patched('quota-slot-release')) withdrawQuotaRequest({ callWorkflowId: callWorkflowId(snapshot.context.call.callId), centerId: input.centerId, requestId });
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
  // A deadline's stable key is its idempotency key: the audit row carries it where a command carries its id.
  const deadlineEvent = (key: string, actor: Actor, at: string): CenterEvent => ({ type: 'DEADLINE_REACHED', key, meta: { actor, commandId: `deadline:${key}`, at } });
  async function deliverUnderLock(key: string, actor: Actor): Promise<void> {
    await lock.run(async () => {
      if (actor === TIMER && dueOrder) {
        // Since `deadlines-in-due-order`, a timer's firing only wakes the center: it applies every pending deadline
        // that is due now and applicable in its state, earliest first. Which timer fired, and in which order two
        // firings reached it, then make no difference — they did: after a workflow task timed out (a worker stalled
        // in the fault run), the next attempt applied the year-2 end before the year-1 end, and a replay, applying
        // them the other way, failed on nondeterminism and jammed the center (docs/performance.md, `npm run faults`).
        for (;;) {
          if (isClosed(snapshot)) return;
          const at = nowIso();
          const next = dueInOrder(snapshot.context, at)
            .map((d) => deadlineEvent(d.key, actor, at))
            .find((e) => snapshot.can(e));
          if (!next) return;
          await apply(next);
        }
      }
      const event = deadlineEvent(key, actor, nowIso());
      if (isClosed(snapshot) || !snapshot.can(event)) return;
      await apply(event);
    });
  }

  wf.setHandler(centerState, view);
  wf.setHandler(centerVersion, () => ({ centerId: snapshot.context.centerId, state: stateName(snapshot), version: versionOf(snapshot.context), newest: MACHINE_VERSION, move: isClosed(snapshot) ? null : planMove(snapshot) }));

  /** The first result of a repeated command id, or a conflict when the repeat is another command. */
  function checkRepeat(command: Command): void {
    const known = fingerprints.get(command.commandId);
    if (known === undefined || known === commandFingerprint(command)) return;
    // Another actor's command under a known id is checked as any command of theirs would be (and refused as such).
    const check = checkCommand(snapshot, command, nowIso());
    if (!check.ok && check.refusal.reason !== 'not-allowed-in-state') throw refusalFailure(check.refusal);
    throw refusalFailure({ reason: 'conflict', message: `Command id "${command.commandId}" was used for another command (another type, payload or actor); send this one with a new id.` });
  }
  function repeat(command: Command, first: CommandResult): CommandResult {
    checkRepeat(command);
    return { ...first, duplicate: true };
  }

  wf.setHandler(
    centerCommand,
    async (command, sent) => {
      const first = results.get(command.commandId);
      if (first) return repeat(command, first);
      return lock.run(async () => {
        const again = results.get(command.commandId);
        if (again) return repeat(command, again);
        // Checked again under the lock: another command may have moved the state since validation.
        const check = checkCommand(snapshot, command, nowIso());
        if (!check.ok) throw refusalFailure(check.refusal);
        let event = check.event;
        if (check.command.type === 'GRANT_FUNDING') await reserveRoundGrant(check.command);
        if (check.command.type === 'APPROVE') {
          await reserveQuotaSlot(check.command.commandId);
          // Art. 6: the cycle starts on the approval date, which is when the slot was granted, not when it was asked.
          event = toEvent(check.command, nowIso());
        }
        const applied = await apply(event);
        const result: CommandResult = { commandId: command.commandId, type: check.command.type, ...applied, duplicate: false };
        results.set(command.commandId, result);
        fingerprints.set(command.commandId, commandFingerprint(command));
        // The sending this result answers: Temporal keeps it with the update id, so a repeat is told apart by its
        // sender (contract CommandAttempt). Not kept in `results`: a repeat answered from there says duplicate itself.
        const attempt = (sent as Partial<CommandAttempt> | null | undefined)?.attempt;
        return { ...result, center: centerSummary(snapshot, seq), ...(typeof attempt === 'string' ? { attempt: attempt.slice(0, 100) } : {}) };
      });
    },
    {
      // SPEC §3: refused before anything is written; a refused update leaves no trace in history.
      // (The sending's attempt, the second argument, is not checked: it is only echoed.)
      validator: (...[command]: [Command, CommandAttempt?]) => {
        const commandId = (command as { commandId?: unknown } | null)?.commandId;
        // A repeated command id is answered with its first result only if it is the same command (type, actor,
        // payload): the same id for another command, or from another actor, is a conflict.
        if (typeof commandId === 'string' && results.has(commandId)) return checkRepeat(command as Command);
        const check = checkCommand(snapshot, command, nowIso());
        if (!check.ok) throw refusalFailure(check.refusal);
      },
    },
  );

  // Awaited, so allHandlersFinished() covers it before a continue-as-new.
  // Since `deadline-signal-checked`: a payload that does not parse, or an actor other than the scheduler, is
  // ignored (logged) — a signal cannot be refused, and must never fail the workflow task (docs/security.md).
  wf.setHandler(fireDeadline, async (signal) => {
    if (wf.patched('deadline-signal-checked')) {
      const parsed = FireDeadlineSchema.safeParse(signal);
      if (!parsed.success || parsed.data.actor.role !== 'scheduler') {
        dropSignal('fireDeadline', parsed.success ? 'not-scheduler' : 'malformed', { role: parsed.success ? parsed.data.actor.role : null });
        return;
      }
      return deliverDeadline(parsed.data.key, parsed.data.actor);
    }
    return deliverDeadline(signal.key, signal.actor);
  });

  wf.setHandler(callStatusChanged, (status) => {
    // A malformed status (not the call's) is ignored rather than failing the workflow task.
    if (!CallStatusChangedSchema.safeParse(status).success) {
      dropSignal('callStatusChanged', 'malformed');
      return;
    }
    // Not a transition of the center: the call's own events are audited by the call. Applied at once, between
    // commands (a handler runs to its first await; this one has none), so it never lands inside a command's check.
    if (lock.busy && wf.patched('call-status-after-command')) {
      void lock.run(async () => applyCallStatus(status));
    } else {
      applyCallStatus(status);
    }
  });
  function applyCallStatus(status: { quota: number; approvedCount: number; closedEarlyAt: string | null; at: string }): void {
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
  }

  // Only the answer to the request this center is waiting on counts; any other (forged, or late) is dropped.
  wf.setHandler(quotaSlotAnswer, (signal) => {
    const parsed = QuotaSlotAnswerSchema.safeParse(signal);
    if (!parsed.success || parsed.data.requestId !== awaitingSlot) return dropSignal('quotaSlotAnswer', parsed.success ? 'unasked' : 'malformed');
    const { requestId, ...answer } = parsed.data;
    slotAnswers.set(requestId, answer);
  });

  if (startChecked) await startChecked;
  syncTimers();
  const cycleAtStart = snapshot.context.cycle;
  // SPEC §3 "Next cycle": a new cycle is a continue-as-new carrying the snapshot, so a history never grows
  // without bound across decades; SPEC §6: also whenever Temporal suggests it. Always from the main function,
  // after every handler has finished.
  const nextCycleStarted = () => snapshot.context.cycle >= 2 && snapshot.context.cycle > cycleAtStart;
  // A deadline a timer has just delivered is applied before this run ends (else it would wait for the next run).
  await wf.condition(() => (isClosed(snapshot) || nextCycleStarted() || wf.workflowInfo().continueAsNewSuggested) && !lock.busy && deliveries === 0 && withdrawals === 0);
  await wf.condition(wf.allHandlersFinished);
  // Issue 15 item 4: a center that runs an older version of the statechart moves to the next at its continue-as-new,
  // when the migration's check lets it (else it keeps its version, and `centers migrate plan` says why). Patched:
  // the runs of histories recorded before versions continued-as-new without this transition.
  const move = isClosed(snapshot) ? null : planMove(snapshot);
  if (move?.ok && wf.patched('machine-version-at-continue-as-new')) {
    await lock.run(() => apply(moveEvent(move.to)));
    await wf.condition(() => !lock.busy && deliveries === 0 && withdrawals === 0 && wf.allHandlersFinished());
  }
  if (!isClosed(snapshot)) {
    return wf.continueAsNew<typeof centerWorkflow>({
      ...input,
      call: snapshot.context.call,
      carried: {
        snapshot: { value: snapshot.value, context: snapshot.context },
        seq,
        results: [...results].slice(-CARRIED_RESULTS),
        fingerprints: [...fingerprints].slice(-CARRIED_RESULTS),
        registeredWithCall,
        settledWithCall,
      },
    });
  }
  return resultOf(snapshot);
}
