/**
 * Art. 13 择优, Art. 14–15: a yearly funding round. The commission opens a round with a window and a budget per kind
 * of project; centers submit their funding requests into it; the commission's experts score each request on its
 * kind's rubric (policy `roundRubrics`; for guidance projects the experts weigh the external opinions the request
 * carries); the requests of each kind are ranked by score; and one decision of the round grants the best within the
 * kind's budget and each center's tier ceiling and declines the rest with reasons naming their rank and the budget,
 * any departure from the ranking only with its reason. Pure: the round's workflow (workflows/funding-round.ts) holds
 * this state and answers each reservation of the budget in one step, so the budget is never over-committed.
 */
import { z } from 'zod';
import { SlugSchema } from './domain';
import { refuse, type Refusal } from './core';
import { cleanText, PlausibleTime } from './text';
import { FUNDING_KINDS, FundingKind } from './vocabulary';
import type { Policy } from './policy';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** What the commission opens: the round's id, its year, its window and its budget per kind (fen, Art. 16). */
export const FundingRoundSchema = z
  .object({
    roundId: SlugSchema,
    title: cleanText(z.string().min(1).max(200)),
    year: z.number().int().min(2000).max(2100),
    opensAt: PlausibleTime,
    closesAt: PlausibleTime,
    budgetFen: z.object({ promotion: fen, guidance: fen }).strict(),
  })
  .strict()
  .refine((r) => Date.parse(r.closesAt) > Date.parse(r.opensAt), { message: 'the window closes after it opens', path: ['closesAt'] });
export type FundingRound = z.infer<typeof FundingRoundSchema>;
export type RoundRubrics = Policy['roundRubrics'];

/** A center's funding request as submitted into the round (read from the center: its kind, amount, what it carries). */
export const RoundSubmissionSchema = z
  .object({
    centerId: z.string().min(1).max(128),
    requestId: z.string().min(1).max(64),
    kind: FundingKind,
    title: cleanText(z.string().min(1).max(4000)),
    amountFen: fen.refine((v) => v > 0, 'the amount must be positive'),
    /** Art. 15: the external opinions (professional bodies, enterprises) the request carries. */
    opinions: z.number().int().min(0),
    /** Art. 15: the results of the center's reserve the request would transfer. */
    reserveEntries: z.array(z.string()).max(50),
    /** Art. 19: what the center's tier still allows it this year for this kind (null: no ceiling). */
    ceilingLeftFen: fen.nullable(),
  })
  .strict();
export type RoundSubmission = z.infer<typeof RoundSubmissionSchema>;

/** One expert's scores of one request, each dimension of the kind's rubric 0–100. */
export const RoundScoreSchema = z
  .object({ requestKey: z.string().min(1).max(200), expertId: SlugSchema, scores: z.record(z.string(), z.number().min(0).max(100)) })
  .strict();
export type RoundScore = z.infer<typeof RoundScoreSchema>;

export interface RoundDecision {
  verdict: 'grant' | 'decline';
  amountFen: number;
  reason: string;
  departure: boolean;
  at: string;
}
export interface RoundState {
  round: FundingRound;
  /** The rubrics the round was opened with (copied from the policy, so a later policy never rescores it). */
  rubrics: RoundRubrics;
  submissions: (RoundSubmission & { submittedAt: string })[];
  /** By request key, by expert: the weighted score of each expert's dimension scores. */
  scores: Record<string, Record<string, { scores: Record<string, number>; score: number }>>;
  /** Reserved (granted) per kind: never above the budget. */
  committedFen: Record<FundingKind, number>;
  decisions: Record<string, RoundDecision>;
}

/** A request is known in the round by its center and its id (ids are per center). */
export const requestKey = (s: Pick<RoundSubmission, 'centerId' | 'requestId'>): string => `${s.centerId}/${s.requestId}`;

export const newRoundState = (round: FundingRound, rubrics: RoundRubrics): RoundState => ({ round, rubrics, submissions: [], scores: {}, committedFen: { promotion: 0, guidance: 0 }, decisions: {} });

const yuan = (fen: number) => `${(fen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} yuan`;
const round2 = (n: number) => Math.round(n * 100) / 100;

// ---- Submission and scoring ----

/** Art. 13, 15: a request may enter the round while its window is open, once; a guidance request carries opinions and reserve entries. */
export function checkSubmission(state: RoundState, s: RoundSubmission, at: string): Refusal | null {
  const { round } = state;
  if (Date.parse(at) < Date.parse(round.opensAt)) return refuse('not-allowed-in-state', `Round "${round.roundId}" opens at ${round.opensAt}; requests are submitted within its window (Art. 13).`);
  if (Date.parse(at) >= Date.parse(round.closesAt)) return refuse('deadline-passed', `Round "${round.roundId}" closed at ${round.closesAt}; no request can be submitted any more (Art. 13).`);
  if (state.submissions.some((x) => requestKey(x) === requestKey(s))) return refuse('conflict', `Request ${s.requestId} of "${s.centerId}" is already in round "${round.roundId}".`);
  if (s.kind === 'guidance' && s.opinions === 0) return refuse('invalid-input', `A guidance request is chosen on the opinions of professional bodies and enterprises (Art. 15); request ${s.requestId} of "${s.centerId}" carries none.`);
  if (s.kind === 'guidance' && s.reserveEntries.length === 0) return refuse('invalid-input', `A guidance request funds a transfer from the center's reserve (Art. 15); request ${s.requestId} of "${s.centerId}" names no reserve entry.`);
  if (round.budgetFen[s.kind] === 0) return refuse('invalid-input', `Round "${round.roundId}" has no ${s.kind} budget.`);
  return null;
}

/** The score of one expert: the rubric's weighted sum (two decimals); refuses scores that miss or add a dimension. */
export function checkScore(state: RoundState, score: RoundScore): Refusal | null {
  const s = state.submissions.find((x) => requestKey(x) === score.requestKey);
  if (!s) return refuse('invalid-input', `No request "${score.requestKey}" in round "${state.round.roundId}".`);
  if (state.decisions[score.requestKey]) return refuse('not-allowed-in-state', `Request "${score.requestKey}" is already decided; its scores are final.`);
  const rubric = state.rubrics[s.kind];
  const missing = Object.keys(rubric).filter((d) => !(d in score.scores));
  const unknown = Object.keys(score.scores).filter((d) => !(d in rubric));
  if (missing.length || unknown.length) {
    return refuse('invalid-input', `The ${s.kind} rubric (Art. 13–15) has ${Object.keys(rubric).join(', ')}${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unknown.length ? `; not in the rubric: ${unknown.join(', ')}` : ''}.`);
  }
  return null;
}
export const weightedScore = (rubric: Record<string, number>, scores: Record<string, number>): number => round2(Object.entries(rubric).reduce((sum, [d, w]) => sum + w * (scores[d] ?? 0), 0));

// ---- Ranking ----

export interface RankedRequest extends RoundSubmission {
  key: string;
  rank: number;
  /** Of the requests of its kind. */
  of: number;
  /** The mean of its experts' weighted scores, or null before the first. */
  score: number | null;
  experts: number;
}

/**
 * Art. 13 择优: the requests of each kind, best first — by score (unscored last), ties by the smaller amount (more
 * of the budget left to the others), then by center and request id, so a second run ranks the same.
 */
export function rankRound(state: RoundState): Record<FundingKind, RankedRequest[]> {
  const out = {} as Record<FundingKind, RankedRequest[]>;
  for (const kind of FUNDING_KINDS) {
    const scored = state.submissions
      .filter((s) => s.kind === kind)
      .map(({ submittedAt: _at, ...s }) => {
        const byExpert = Object.values(state.scores[requestKey(s)] ?? {});
        const score = byExpert.length ? round2(byExpert.reduce((a, b) => a + b.score, 0) / byExpert.length) : null;
        return { ...s, key: requestKey(s), score, experts: byExpert.length };
      });
    scored.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.amountFen - b.amountFen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    out[kind] = scored.map((s, i) => ({ ...s, rank: i + 1, of: scored.length }));
  }
  return out;
}

// ---- The decision ----

export class RoundDecisionError extends Error {
  override readonly name = 'RoundDecisionError';
}
/** A decision against the ranking (Art. 13: the commission records why). */
export interface RoundDeparture {
  requestKey: string;
  verdict: 'grant' | 'decline';
  reason: string;
}
export interface PlannedRoundDecision extends RankedRequest {
  verdict: 'grant' | 'decline';
  reason: string;
  departure: boolean;
  /** Decided before this decision (a re-run): taken as it was. */
  already: boolean;
}

/**
 * Art. 13 择优, 15, 19: every request of the round decided — those already decided as they were; departures as the
 * commission gave them (grants first take budget); then, best first, a grant of the full amount wherever it fits
 * both what is left of its kind's budget and its center's tier ceiling, a decline otherwise, each reason naming its
 * rank and the budget. Refuses (throws) a departure naming no request of the round, one without a reason, an
 * unscored request, or departures that grant beyond the budget.
 */
export function planRound(state: RoundState, { departures = [], minReasonLength = 3 }: { departures?: readonly RoundDeparture[]; minReasonLength?: number } = {}): PlannedRoundDecision[] {
  const ranking = rankRound(state);
  const all = FUNDING_KINDS.flatMap((k) => ranking[k]);
  const byKey = new Map(departures.map((d) => [d.requestKey, d]));
  for (const d of departures) {
    if (!all.some((r) => r.key === d.requestKey)) throw new RoundDecisionError(`--depart ${d.requestKey}: no request of round "${state.round.roundId}" is ${d.requestKey} (requests: ${all.map((r) => r.key).join(', ') || 'none'}).`);
    if (d.reason.trim().length < minReasonLength) throw new RoundDecisionError(`--depart ${d.requestKey}: a decision against the ranking needs a reason of at least ${minReasonLength} characters (Art. 13).`);
    if (state.decisions[d.requestKey]) throw new RoundDecisionError(`--depart ${d.requestKey}: already decided (${state.decisions[d.requestKey]!.verdict}); a round's decision is final.`);
  }
  const unscored = all.filter((r) => r.score === null && !state.decisions[r.key] && !byKey.has(r.key));
  if (unscored.length) throw new RoundDecisionError(`Not scored yet: ${unscored.map((r) => r.key).join(', ')}; every request of the round is scored by the experts before the round is decided (Art. 13).`);

  const out: PlannedRoundDecision[] = [];
  for (const kind of FUNDING_KINDS) {
    const budget = state.round.budgetFen[kind];
    let left = budget - state.committedFen[kind];
    const ranked = ranking[kind];
    const forced = ranked.filter((r) => byKey.get(r.key)?.verdict === 'grant');
    const forcedFen = forced.reduce((a, r) => a + r.amountFen, 0);
    if (forcedFen > left) throw new RoundDecisionError(`Departures grant ${forcedFen} fen of ${kind} projects, but ${left} fen (${yuan(left)}) are left of the round's ${kind} budget of ${budget} fen (${yuan(budget)}).`);
    left -= forcedFen;
    // What the ranking alone would grant, to tell which decisions depart from it.
    const byRanking = new Set<string>();
    {
      let l = budget - state.committedFen[kind];
      for (const r of ranked) if (!state.decisions[r.key] && r.amountFen <= l && (r.ceilingLeftFen === null || r.amountFen <= r.ceilingLeftFen)) (byRanking.add(r.key), (l -= r.amountFen));
    }
    for (const r of ranked) {
      const before = state.decisions[r.key];
      const rank = `ranked ${r.rank} of ${r.of} ${kind} requests (score ${r.score ?? 'none'})`;
      if (before) {
        out.push({ ...r, verdict: before.verdict, reason: before.reason, departure: before.departure, already: true });
        continue;
      }
      const d = byKey.get(r.key);
      if (d) {
        const departure = (d.verdict === 'grant') !== byRanking.has(r.key);
        out.push({ ...r, verdict: d.verdict, departure, already: false, reason: `Art. 13: ${rank}; decided ${departure ? 'against the ranking' : 'by the commission'}: ${d.reason.trim()}` });
        continue;
      }
      const withinCeiling = r.ceilingLeftFen === null || r.amountFen <= r.ceilingLeftFen;
      if (r.amountFen <= left && withinCeiling) {
        left -= r.amountFen;
        out.push({ ...r, verdict: 'grant', departure: false, already: false, reason: `Art. 13 择优: ${rank}, within the round's ${kind} budget of ${budget} fen (${yuan(budget)})` });
      } else if (!withinCeiling) {
        out.push({ ...r, verdict: 'decline', departure: false, already: false, reason: `Art. 13, 19: ${rank}; the ${r.amountFen} fen requested exceed the ${r.ceilingLeftFen} fen the center's tier still allows this year` });
      } else {
        const displaced = byRanking.has(r.key) ? '; within the budget by the ranking, its place taken by a decision against the ranking' : '';
        out.push({ ...r, verdict: 'decline', departure: false, already: false, reason: `Art. 13 择优: ${rank}${displaced}; the ${r.amountFen} fen requested exceed the ${left} fen left of the round's ${kind} budget of ${budget} fen (${yuan(budget)})` });
      }
    }
  }
  return out;
}

// ---- The budget, reserved one grant at a time ----

export interface BudgetAnswer {
  granted: boolean;
  kind: FundingKind;
  budgetFen: number;
  committedFen: number;
  /** Why not (null when granted). */
  message: string | null;
}

/**
 * The round's budget is committed one grant at a time (the workflow runs this without interleaving): a grant is
 * reserved only while the committed amounts of its kind, with it, stay within the budget. A request reserved before
 * is answered as before (a retry), so a grant is counted once.
 */
export function reserveBudget(state: RoundState, key: string, amountFen: number, reason: string, departure: boolean, at: string): BudgetAnswer {
  const s = state.submissions.find((x) => requestKey(x) === key);
  if (!s) throw new RoundDecisionError(`No request "${key}" in round "${state.round.roundId}".`);
  const budgetFen = state.round.budgetFen[s.kind];
  const before = state.decisions[key];
  if (before) return { granted: before.verdict === 'grant', kind: s.kind, budgetFen, committedFen: state.committedFen[s.kind], message: before.verdict === 'grant' ? null : `Request "${key}" was declined: ${before.reason}` };
  if (amountFen !== s.amountFen) throw new RoundDecisionError(`A round grants the amount requested (${s.amountFen} fen), not ${amountFen} fen.`);
  const committed = state.committedFen[s.kind];
  if (committed + amountFen > budgetFen) {
    return {
      granted: false,
      kind: s.kind,
      budgetFen,
      committedFen: committed,
      message: `Round "${state.round.roundId}" has ${budgetFen - committed} fen (${yuan(budgetFen - committed)}) left of its ${s.kind} budget of ${budgetFen} fen (${yuan(budgetFen)}); the ${amountFen} fen of "${key}" do not fit (Art. 13).`,
    };
  }
  state.committedFen[s.kind] = committed + amountFen;
  state.decisions[key] = { verdict: 'grant', amountFen, reason, departure, at };
  return { granted: true, kind: s.kind, budgetFen, committedFen: state.committedFen[s.kind], message: null };
}

/** A grant the center refused after the round reserved it (its ceiling, its suspension) gives the amount back, and is declined. */
export function releaseBudget(state: RoundState, key: string, reason: string, at: string): void {
  const d = state.decisions[key];
  const s = state.submissions.find((x) => requestKey(x) === key);
  if (!s) throw new RoundDecisionError(`No request "${key}" in round "${state.round.roundId}".`);
  if (d?.verdict === 'grant') state.committedFen[s.kind] -= d.amountFen;
  state.decisions[key] = { verdict: 'decline', amountFen: 0, reason, departure: d?.departure ?? false, at };
}

/** A decline of the round (no money): recorded once. */
export function recordDecline(state: RoundState, key: string, reason: string, departure: boolean, at: string): void {
  if (!state.submissions.some((x) => requestKey(x) === key)) throw new RoundDecisionError(`No request "${key}" in round "${state.round.roundId}".`);
  if (state.decisions[key]) return;
  state.decisions[key] = { verdict: 'decline', amountFen: 0, reason, departure, at };
}
