/**
 * Art. 9 择优批复立项 — "approve the best": the experts score an application on the commission's rubric (the
 * policy's `applicationRubric`, dimensions and weights), the panel's scores are aggregated (their mean, and their
 * spread so a divided panel shows), a call's applicants awaiting a decision are ranked, and a decision of the call
 * approves the best within the quota. Pure: the CLI (client/selection.ts) reads the centers and sends the decisions.
 */
import type { Review, ReviewInput } from '../domain';
import type { Recommendation } from '../vocabulary';

export type Rubric = Record<string, number>;

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The dimensions a review's scores leave out or add, against the rubric (both empty: it fits). */
export function rubricMismatch(scores: Record<string, number>, rubric: Rubric): { missing: string[]; unknown: string[] } {
  return { missing: Object.keys(rubric).filter((d) => !(d in scores)), unknown: Object.keys(scores).filter((d) => !(d in rubric)) };
}

/** Art. 9: a review's score — the one given, or the rubric's weighted sum of its dimension scores (two decimals). */
export function reviewScore(review: ReviewInput, rubric: Rubric): number {
  if (review.scores === undefined) return review.score!;
  return round2(Object.entries(rubric).reduce((sum, [d, w]) => sum + w * (review.scores![d] ?? 0), 0));
}

/** The review as recorded: its score, computed when dimension scores are given. */
export const recordedReview = (review: ReviewInput, rubric: Rubric): Review => ({ ...review, score: reviewScore(review, rubric) });

export interface Panel {
  reviews: number;
  /** The application's score: the mean of the panel's scores (two decimals). */
  score: number;
  /** The panel's spread: highest minus lowest score. */
  spread: number;
  min: number;
  max: number;
  approve: number;
  reject: number;
}

/** The panel's aggregate of the reviews submitted so far, or null before the first. */
export function panelOf(reviews: readonly { score: number; recommendation: Recommendation }[]): Panel | null {
  if (reviews.length === 0) return null;
  const scores = reviews.map((r) => r.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  return {
    reviews: reviews.length,
    score: round2(scores.reduce((a, b) => a + b, 0) / scores.length),
    spread: round2(max - min),
    min,
    max,
    approve: reviews.filter((r) => r.recommendation === 'approve').length,
    reject: reviews.filter((r) => r.recommendation === 'reject').length,
  };
}

/** Art. 9: most of the panel recommends rejecting (an approval against it needs a reason). */
export const panelRecommendsReject = (panel: Panel | null): boolean => !!panel && panel.reject * 2 > panel.reviews;

export interface Applicant {
  centerId: string;
  universityId: string;
  panel: Panel;
}
export interface Ranked extends Applicant {
  rank: number;
}

/**
 * Art. 9: a call's applicants awaiting a decision, best first: by the panel's score; ties by more approve
 * recommendations, then by university id (deterministic, so a second run ranks the same).
 */
export function rankApplicants(applicants: readonly Applicant[]): Ranked[] {
  return [...applicants]
    .sort((a, b) => b.panel.score - a.panel.score || b.panel.approve - a.panel.approve || (a.universityId < b.universityId ? -1 : a.universityId > b.universityId ? 1 : 0))
    .map((a, i) => ({ ...a, rank: i + 1 }));
}

/** A decision of a call that cannot be made as asked (the message says what to change). */
export class DecisionError extends Error {
  override readonly name = 'DecisionError';
}

export type Verdict = 'approve' | 'reject';
/** A decision the commission takes against the ranking, with its reason (Art. 9: recorded with the decision). */
export interface Departure {
  universityId: string;
  verdict: Verdict;
  reason: string;
}
export interface PlannedDecision extends Ranked {
  /** `wait`: not decided now — the call is still open and the applicant ranks below the quota line. */
  verdict: Verdict | 'wait';
  /** What the decision records (null for `wait`). */
  reason: string | null;
  /** The verdict departs from the ranking. */
  departure: boolean;
}

/**
 * Art. 9: the decision of a call — the best `openSlots` approved, the rest rejected (or, while the call is still
 * open, kept waiting), each departure from that taking the verdict and reason the commission gave. Departures that
 * approve take slots first, so the approvals never exceed the open slots: the lowest ranked of the others drop
 * below the line. Refuses (throws) a departure naming no applicant awaiting a decision, or one without a reason.
 */
export function planDecision(
  ranked: readonly Ranked[],
  { openSlots, quota, callOpen, departures = [], minReasonLength = 3 }: { openSlots: number; quota: number; callOpen: boolean; departures?: readonly Departure[]; minReasonLength?: number },
): PlannedDecision[] {
  const byUniversity = new Map(departures.map((d) => [d.universityId, d]));
  for (const d of departures) {
    if (!ranked.some((r) => r.universityId === d.universityId)) {
      throw new DecisionError(`--except ${d.universityId}: no applicant of this call awaiting a decision has university "${d.universityId}" (awaiting: ${ranked.map((r) => r.universityId).join(', ') || 'none'}).`);
    }
    if (d.reason.trim().length < minReasonLength) {
      throw new DecisionError(`--except ${d.universityId}: a decision against the ranking needs a reason of at least ${minReasonLength} characters (Art. 9), e.g. ${d.universityId}=${d.verdict}:"why".`);
    }
  }
  const forcedApprovals = departures.filter((d) => d.verdict === 'approve').length;
  if (forcedApprovals > openSlots) throw new DecisionError(`${forcedApprovals} departures approve, but the call has ${openSlots} open slot(s) of its quota of ${quota}: raise the quota first (\`centers call raise-quota\`, with a reason).`);
  // The line: the best of those the commission did not decide otherwise, in the slots the departures leave.
  let slots = openSlots - forcedApprovals;
  const M = ranked.length;
  return ranked.map((r) => {
    const d = byUniversity.get(r.universityId);
    const inLine = !d && slots > 0 && (slots -= 1, true);
    // Approvals made before (an earlier decision of the call) are named, so a later rank reads right.
    const approved = quota - openSlots;
    const ranking = `ranked ${r.rank} of ${M}${approved > 0 ? ` awaiting a decision, ${approved} already approved` : ''} (score ${r.panel.score}, spread ${r.panel.spread})`;
    if (d) {
      const byRanking: Verdict | 'wait' = r.rank <= openSlots ? 'approve' : callOpen ? 'wait' : 'reject';
      return { ...r, verdict: d.verdict, departure: d.verdict !== byRanking, reason: `Art. 9: ${ranking}; decided against the ranking: ${d.reason.trim()}` };
    }
    if (inLine) return { ...r, verdict: 'approve', departure: false, reason: `Art. 9: ${ranking}, within the quota of ${quota}` };
    if (callOpen) return { ...r, verdict: 'wait', departure: false, reason: null };
    const line = r.rank <= openSlots ? `within the quota of ${quota}, but its slot taken by a decision against the ranking` : `below the quota of ${quota}`;
    return { ...r, verdict: 'reject', departure: false, reason: `Art. 9: ${ranking}, ${line}` };
  });
}
