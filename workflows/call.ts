import * as wf from '@temporalio/workflow';
import { checkCallCommand } from '../machines/authorize';
import type { Actor } from '../machines/domain';
import type { CallEventKind } from '../machines/vocabulary';
import {
  applicantSettled,
  callCommand,
  callStatus,
  callStatusChanged,
  quotaSlotAnswer,
  registerApplicant,
  RegisterApplicantSchema,
  ApplicantSettledSchema,
  requestQuotaSlot,
  RequestQuotaSlotSchema,
  reserveQuotaSlot,
  releaseQuotaSlot,
  type CallStatus,
  type QuotaSlots,
  type CallWorkflowInput,
  CallWorkflowInputSchema,
} from '../contract';
import { createLock, dropSignal, nowIso, persistence, refusalFailure, refuseInvalidInput, checkStart } from './shared';

const TIMER: Actor = { id: 'workflow-timer', role: 'scheduler' };

/**
 * A call for applications (Art. 7): its window is a durable timer, and it counts approvals against its quota
 * (Art. 9) for every center that applied to it, so two approvals can never both take the last slot.
 * It ends once its window has closed and every applicant is settled.
 */
export async function callWorkflow(input: CallWorkflowInput): Promise<CallStatus> {
  refuseInvalidInput(CallWorkflowInputSchema, input, 'call');
  // docs/security.md "Forged starts" (checkStart): the handlers are set meanwhile (the call answers its query at
  // once), and every write or signal to another workflow waits for the verdict.
  const startChecked = checkStart('call-start-signed', { kind: 'call', call: input.call, openedBy: input.openedBy, commandId: input.commandId }, input.startSignature);
  const state: CallStatus = input.carried?.state ?? {
    ...input.call,
    status: 'open',
    approvedCount: 0,
    closedEarlyAt: null,
    approved: [],
    applicants: [],
    quotaHistory: [{ quota: input.call.quota, reason: 'call opened', at: nowIso(), by: input.openedBy.id }],
  };
  let seq = input.carried?.seq ?? 0;
  /**
   * Art. 9: which request holds each center's slot, and the requests their centers withdrew (an approval whose wait
   * for this call's answer ran out: workflows/center.ts reserveQuotaSlot). A withdrawn request takes no slot even when
   * it reaches this call after its withdrawal, so a center refused for want of an answer never keeps a slot.
   */
  const slots: QuotaSlots = { holders: { ...input.carried?.slots?.holders }, withdrawn: [...(input.carried?.slots?.withdrawn ?? [])] };
  const lock = createLock((fn) => wf.condition(fn));

  async function record(kind: CallEventKind, actor: Actor, commandId: string | null, reason: string | null): Promise<void> {
    if (startChecked) await startChecked;
    seq += 1;
    await persistence.persistCallEvent({
      callId: state.callId,
      seq,
      kind,
      call: { callId: state.callId, title: state.title, opensAt: state.opensAt, closesAt: state.closesAt, quota: state.quota, status: state.status, approvedCount: state.approvedCount },
      reason,
      actor,
      commandId,
      at: nowIso(),
    });
  }

  /** Every applicant not yet settled hears of quota changes and an early close. */
  async function broadcast(except?: string): Promise<void> {
    if (startChecked) await startChecked;
    const status = { quota: state.quota, approvedCount: state.approvedCount, closedEarlyAt: state.closedEarlyAt, at: nowIso() };
    // One applicant that cannot be reached (gone since) never fails the broadcast to the others.
    const sent = await Promise.allSettled(
      state.applicants.filter((a) => !a.settled && a.centerId !== except).map((a) => wf.getExternalWorkflowHandle(a.workflowId).signal(callStatusChanged, status)),
    );
    for (const r of sent) if (r.status === 'rejected') wf.log.warn('callStatusChanged not delivered', { error: String(r.reason) });
  }

  wf.setHandler(callStatus, () => state);

  wf.setHandler(
    callCommand,
    (command) =>
      lock.run(async () => {
        const check = checkCallCommand(state, command);
        if (!check.ok) throw refusalFailure(check.refusal);
        const c = check.command;
        if (c.type === 'RAISE_QUOTA') {
          // Art. 9: the commission may approve beyond the quota only by raising it, with a reason.
          state.quota = c.payload.quota;
          state.quotaHistory.push({ quota: c.payload.quota, reason: c.payload.reason, at: nowIso(), by: c.actor.id });
          await record('quotaRaised', c.actor, c.commandId, c.payload.reason);
        } else {
          state.status = 'closed';
          state.closedEarlyAt = nowIso();
          await record('closedEarly', c.actor, c.commandId, c.payload.reason);
        }
        await broadcast();
        return state;
      }),
    {
      validator: (command) => {
        const check = checkCallCommand(state, command);
        if (!check.ok) throw refusalFailure(check.refusal);
      },
    },
  );

  // Signals are not authenticated (docs/security.md): a malformed one is dropped, and an applicant whose workflow
  // does not exist (a forged registration) is dropped when the call cannot reach it — it never fails the call.
  wf.setHandler(registerApplicant, async (signal) => {
    const parsed = RegisterApplicantSchema.safeParse(signal);
    if (!parsed.success) return dropSignal('registerApplicant', 'malformed');
    const { centerId, workflowId } = parsed.data;
    if (state.applicants.some((a) => a.centerId === centerId)) return;
    // An applicant counts once the call has reached its workflow: until then it can take no slot.
    try {
      if (startChecked) await startChecked;
      await wf
        .getExternalWorkflowHandle(workflowId)
        .signal(callStatusChanged, { quota: state.quota, approvedCount: state.approvedCount, closedEarlyAt: state.closedEarlyAt, at: nowIso() });
    } catch (err) {
      return dropSignal('registerApplicant', 'unreachable', { centerId, workflowId, error: (err as Error).message });
    }
    if (!state.applicants.some((a) => a.centerId === centerId)) state.applicants.push({ centerId, workflowId, settled: false });
  });

  wf.setHandler(applicantSettled, (signal) => {
    const parsed = ApplicantSettledSchema.safeParse(signal);
    if (!parsed.success) return dropSignal('applicantSettled', 'malformed');
    const applicant = state.applicants.find((a) => a.centerId === parsed.data.centerId);
    if (applicant) applicant.settled = true;
  });

  /** Art. 9: one slot per center, granted while approvals are below the quota (synchronous: nothing interleaves). */
  function takeSlot(centerId: string, requestId: string): { granted: boolean; added: boolean } {
    const already = state.approved.includes(centerId);
    const granted = already || state.approvedCount < state.quota;
    if (granted && !already) {
      state.approved.push(centerId);
      state.approvedCount = state.approved.length;
    }
    // The latest request holds the slot: a withdrawal of an earlier one (its wait ran out) leaves it with the center.
    if (granted) slots.holders[centerId] = requestId;
    return { granted, added: granted && !already };
  }
  /** Only a registered applicant still awaiting its decision may take or give back a slot (a forged request names none). */
  function refuseUnlessAwaiting(centerId: string): void {
    if (!state.applicants.some((a) => a.centerId === centerId && !a.settled)) throw refusalFailure({ reason: 'not-allowed-in-state', message: `"${centerId}" is not an applicant of call "${state.callId}" awaiting a decision.` });
  }
  /** Kept across continue-as-new; only the latest withdrawals matter (a request reaches the call within minutes). */
  const WITHDRAWN_KEPT = 500;
  const isWithdrawn = (requestId: string) => slots.withdrawn.includes(requestId);

  /**
   * The call's records that an answer need not wait for: the slot is the call's state (durable in its history)
   * the moment it is granted, and its row follows in order, retried until written, before the call ends or
   * continues-as-new. So an approval waits for one workflow task of the call, not for the database.
   */
  let written: Promise<void> = Promise.resolve();
  let unwritten = 0;
  function recordInOrder(...args: Parameters<typeof record>): void {
    unwritten += 1;
    written = written.then(() => record(...args)).finally(() => {
      unwritten -= 1;
    });
  }

  wf.setHandler(
    reserveQuotaSlot,
    ({ centerId, requestId }) => {
      if (isWithdrawn(requestId)) return { granted: false, withdrawn: true, quota: state.quota, approvedCount: state.approvedCount, closedEarlyAt: state.closedEarlyAt };
      // Synchronous from check to answer: no other handler runs in between.
      const { granted, added } = takeSlot(centerId, requestId);
      if (added) {
        recordInOrder('slotReserved', { id: centerId, role: 'scheduler' }, requestId, null);
        // The waiting applicants hear only when the quota is used up, so their validators refuse an approval
        // beyond it before anything is written; every other approval is answered to its requester alone.
        if (state.approvedCount === state.quota) written = written.then(() => broadcast(centerId));
      }
      return { granted, quota: state.quota, approvedCount: state.approvedCount, closedEarlyAt: state.closedEarlyAt };
    },
    {
      // Only a registered applicant of this call may take a slot (a forged request names no applicant).
      validator: ({ centerId }) => refuseUnlessAwaiting(centerId),
    },
  );

  wf.setHandler(
    releaseQuotaSlot,
    ({ centerId, requestId }) => {
      if (!isWithdrawn(requestId)) slots.withdrawn = [...slots.withdrawn, requestId].slice(-WITHDRAWN_KEPT);
      if (slots.holders[centerId] !== requestId) return { released: false, approvedCount: state.approvedCount };
      const wasFull = state.approvedCount >= state.quota;
      delete slots.holders[centerId];
      state.approved = state.approved.filter((c) => c !== centerId);
      state.approvedCount = state.approved.length;
      recordInOrder('slotReleased', { id: centerId, role: 'scheduler' }, requestId, null);
      // The applicants told that the quota was used up hear that a slot is free again.
      if (wasFull) written = written.then(() => broadcast(centerId));
      return { released: true, approvedCount: state.approvedCount };
    },
    {
      // Only an applicant still awaiting its decision withdraws: once the center is settled its slot is its approval.
      validator: ({ centerId }) => refuseUnlessAwaiting(centerId),
    },
  );

  // Histories recorded before the slot was an update: a signal answered by a signal, with a broadcast.
  wf.setHandler(requestQuotaSlot, (signal) =>
    lock.run(async () => {
      const parsed = RequestQuotaSlotSchema.safeParse(signal);
      // Only a registered applicant, from its own workflow, may take a slot: a forged request is dropped.
      if (!parsed.success || !state.applicants.some((a) => a.centerId === parsed.data.centerId && a.workflowId === parsed.data.workflowId && !a.settled)) {
        return dropSignal('requestQuotaSlot', 'not-an-applicant');
      }
      const { centerId, workflowId, requestId } = parsed.data;
      if (isWithdrawn(requestId)) return dropSignal('requestQuotaSlot', 'withdrawn', { centerId });
      const { granted, added } = takeSlot(centerId, requestId);
      if (added) await record('slotReserved', { id: centerId, role: 'scheduler' }, requestId, null);
      // The other applicants hear of the new count before the approval completes, so their validators refuse
      // an approval beyond the quota before anything is written.
      // The requester learns the count from the answer (and counts itself when it is established).
      if (added) await broadcast(centerId);
      await wf
        .getExternalWorkflowHandle(workflowId)
        .signal(quotaSlotAnswer, { requestId, granted, quota: state.quota, approvedCount: state.approvedCount })
        .catch((err: Error) => wf.log.warn('quotaSlotAnswer not delivered', { centerId, error: err.message }));
    }),
  );

  if (startChecked) await startChecked;
  if (!input.carried) await record('opened', input.openedBy, input.commandId, null);

  // A call with many applicants signals each of them at every approval: its history grows with the square of
  // their number, so it continues-as-new when Temporal suggests it (SPEC §6), carrying its state.
  const suggested = () => wf.workflowInfo().continueAsNewSuggested;
  const continueAsNew = async (): Promise<never> => {
    await wf.condition(() => !lock.busy && unwritten === 0 && wf.allHandlersFinished());
    return wf.continueAsNew<typeof callWorkflow>({ ...input, carried: { state, seq, slots } });
  };
  const settled = () => state.applicants.every((a) => a.settled);

  // Art. 7: the application window, as a durable timer (not an XState `after`, SPEC §6).
  // (A function, not a narrowed field: handlers change the status while this awaits.)
  const closed = () => state.status === 'closed';
  while (!closed()) {
    const untilClose = Math.max(0, Date.parse(state.closesAt) - Date.now());
    const woken = untilClose > 0 ? await wf.condition(() => closed() || suggested(), untilClose) : closed();
    if (closed()) break;
    if (woken) await continueAsNew();
    await lock.run(async () => {
      state.status = 'closed';
      await record('windowClosed', TIMER, null, null);
    });
  }

  await wf.condition(() => (settled() && !lock.busy && unwritten === 0 && wf.allHandlersFinished()) || suggested());
  if (!settled()) await continueAsNew();
  return state;
}
