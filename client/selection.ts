/**
 * Art. 9 择优批复立项: deciding a call — its applicants awaiting a decision read from their centers, ranked by the
 * panel's score (machines/stages/selection.ts), the best approved within the quota and the rest rejected (or kept
 * waiting while the call is open or an applicant is still in review), each as an ordinary APPROVE or REJECT sent to
 * its center, so every center's side effects (quota slot, records, audit row) are the usual ones and a refusal is
 * reported for the center it concerns. Running it again changes nothing: decided centers no longer await a
 * decision, and each decision's command id is derived from the call, the university and the verdict.
 */
import { createHash } from 'node:crypto';
import type { CallStatus, CenterView, CommandResult } from '../contract';
import { planDecision, rankApplicants, type Departure, type PlannedDecision } from '../machines/stages/selection';
import { CommandRefusedError } from './operations-errors';

/** How the decision reads and sends: through the API with the caller's token, or to Temporal directly. */
export interface DecideIo {
  call(callId: string): Promise<CallStatus>;
  center(centerId: string): Promise<CenterView>;
  send(centerId: string, type: 'APPROVE' | 'REJECT', payload: { reason: string }, commandId: string): Promise<CommandResult>;
}

export interface DecisionOutcome {
  centerId: string;
  universityId: string;
  verdict: 'approve' | 'reject';
  commandId: string;
  /** `accepted`; `duplicate`: that command id had already been applied; `refused`: the center refused it. */
  outcome: 'accepted' | 'duplicate' | 'refused';
  state: string | null;
  refusal: { reason: string; message: string } | null;
}

export interface CallDecision {
  callId: string;
  quota: number;
  approvedBefore: number;
  callOpen: boolean;
  /** Why those below the line are kept waiting rather than rejected (null: they are rejected). */
  holding: string | null;
  ranking: PlannedDecision[];
  /** The applicants not awaiting a decision, with their state (in review, ineligible, already decided…). */
  others: { centerId: string; state: string }[];
  decisions: DecisionOutcome[];
}

/** The decision's command id (≤ 60 characters, so it is also a valid Idempotency-Key): the same on every run. */
export function decisionCommandId(callId: string, universityId: string, verdict: 'approve' | 'reject'): string {
  const plain = `decide.${callId}.${universityId}.${verdict}`;
  return plain.length <= 60 ? plain : `decide.${createHash('sha256').update(plain).digest('hex').slice(0, 40)}.${verdict}`;
}

const UNDER_REVIEW = new Set(['application.eligible', 'application.inReview']);

export async function decideCall(io: DecideIo, callId: string, options: { departures?: Departure[]; minReasonLength?: number } = {}): Promise<CallDecision> {
  const call = await io.call(callId);
  const views = await Promise.all(call.applicants.filter((a) => !a.settled).map((a) => io.center(a.centerId)));
  const awaiting = views.filter((v) => v.state === 'application.awaitingDecision' && v.panel);
  const others = views.filter((v) => !awaiting.includes(v)).map((v) => ({ centerId: v.centerId, state: v.state }));
  const inReview = others.filter((o) => UNDER_REVIEW.has(o.state));
  const callOpen = call.status === 'open';
  const holding = callOpen
    ? `the call is open until ${call.closesAt}: those below the line keep waiting`
    : inReview.length > 0
      ? `${inReview.map((o) => o.centerId).join(', ')} still in review: those below the line keep waiting`
      : null;
  const ranking = planDecision(rankApplicants(awaiting.map((v) => ({ centerId: v.centerId, universityId: v.universityId, panel: v.panel! }))), {
    openSlots: Math.max(0, call.quota - call.approvedCount),
    quota: call.quota,
    callOpen: holding !== null,
    departures: options.departures,
    minReasonLength: options.minReasonLength,
  });
  const decisions: DecisionOutcome[] = [];
  // Approvals first, best first: each takes its quota slot from the call before any rejection is sent.
  const order = [...ranking.filter((r) => r.verdict === 'approve'), ...ranking.filter((r) => r.verdict === 'reject')];
  for (const r of order) {
    const verdict = r.verdict as 'approve' | 'reject';
    const commandId = decisionCommandId(callId, r.universityId, verdict);
    try {
      const result = await io.send(r.centerId, verdict === 'approve' ? 'APPROVE' : 'REJECT', { reason: r.reason! }, commandId);
      decisions.push({ centerId: r.centerId, universityId: r.universityId, verdict, commandId, outcome: result.duplicate ? 'duplicate' : 'accepted', state: result.state, refusal: null });
    } catch (err) {
      if (!(err instanceof CommandRefusedError)) throw err;
      decisions.push({ centerId: r.centerId, universityId: r.universityId, verdict, commandId, outcome: 'refused', state: null, refusal: { reason: err.reason, message: err.message } });
    }
  }
  return { callId, quota: call.quota, approvedBefore: call.approvedCount, callOpen, holding, ranking, others, decisions };
}

/** `--except bjut=approve:"why"`: a decision against the ranking, with its reason (Art. 9). */
export function parseDeparture(text: string): Departure {
  const m = /^([a-z0-9][a-z0-9_-]*)=(approve|reject):(.*)$/is.exec(text.trim());
  if (!m) throw new Error(`--except "${text}": write <universityId>=approve:"reason" or <universityId>=reject:"reason" (a decision against the ranking needs its reason, Art. 9).`);
  return { universityId: m[1]!, verdict: m[2]!.toLowerCase() as 'approve' | 'reject', reason: m[3]!.trim() };
}
