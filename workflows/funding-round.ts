import * as wf from '@temporalio/workflow';
import {
  declineInRound,
  fundingRoundStatus,
  releaseRoundBudget,
  reserveRoundBudget,
  scoreRoundRequest,
  submitToRound,
  type FundingRoundInput,
  type FundingRoundStatus,
} from '../contract';
import { refuse, type Refusal } from '../machines/core';
import type { Actor } from '../machines/domain';
import { checkScore, checkSubmission, FundingRoundSchema, newRoundState, recordDecline, releaseBudget, requestKey, reserveBudget, RoundSubmissionSchema, weightedScore } from '../machines/funding-rounds';
import type { Role } from '../machines/vocabulary';
import { roundCommands } from '../machines/stages/rounds';
import { nowIso, refusalFailure, refuseInvalidInput } from './shared';
import { z } from 'zod';

const InputSchema = z.object({ round: FundingRoundSchema, rubrics: z.record(z.string(), z.record(z.string(), z.number())), openedBy: z.object({ id: z.string(), role: z.string() }).passthrough(), commandId: z.string() }).passthrough();

/**
 * A yearly funding round (Art. 13 择优, 14–15): its window is a durable timer; it holds the requests submitted into
 * it, their experts' scores, and the amounts committed per kind. Every update runs without interleaving from its
 * validator to its answer, so two grants racing for the last of a budget cannot both be reserved: the second is
 * refused with a reason naming the budget. A validator refuses before anything is written to the history. The round
 * ends once its window has closed and every request in it is decided.
 */
export async function fundingRoundWorkflow(input: FundingRoundInput): Promise<FundingRoundStatus> {
  refuseInvalidInput(InputSchema, input, 'funding round');
  const state = newRoundState(input.round, input.rubrics);
  let windowClosed = false;
  const status = (): FundingRoundStatus => ({
    ...state,
    status: windowClosed && decidedAll() ? 'decided' : windowClosed || Date.now() >= Date.parse(state.round.closesAt) ? 'closed' : 'open',
    openedBy: input.openedBy.id,
  });
  const decidedAll = () => state.submissions.every((s) => state.decisions[requestKey(s)]);
  const fail = (refusal: Refusal | null) => {
    if (refusal) throw refusalFailure(refusal);
  };
  const role = (actor: Actor, roles: readonly Role[], what: string): Refusal | null =>
    roles.includes(actor.role) ? null : refuse('forbidden-role', `${what} in a funding round is for the ${roles.join(' or ')}, not a ${actor.role} (Art. 13).`);
  const known = (key: string): Refusal | null => (state.submissions.some((s) => requestKey(s) === key) ? null : refuse('invalid-input', `No request "${key}" in round "${state.round.roundId}".`));
  const undecided = (key: string): Refusal | null => known(key) ?? (state.decisions[key] ? refuse('not-allowed-in-state', `Request "${key}" of round "${state.round.roundId}" is already decided (${state.decisions[key]!.verdict}).`) : null);
  const commission = (actor: Actor, what: string) => role(actor, ['commission'], what);

  wf.setHandler(fundingRoundStatus, status);

  wf.setHandler(
    submitToRound,
    ({ submission }) => {
      state.submissions.push({ ...RoundSubmissionSchema.parse(submission), submittedAt: nowIso() });
      return status();
    },
    {
      validator: ({ actor, submission }) => {
        fail(role(actor, roundCommands.SUBMIT_TO_ROUND.roles, 'Submitting a request'));
        const parsed = RoundSubmissionSchema.safeParse(submission);
        if (!parsed.success) fail(refuse('invalid-input', `Invalid submission: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
        fail(checkSubmission(state, parsed.data!, nowIso()));
      },
    },
  );

  wf.setHandler(
    scoreRoundRequest,
    ({ score }) => {
      const s = state.submissions.find((x) => requestKey(x) === score.requestKey)!;
      state.scores[score.requestKey] = { ...state.scores[score.requestKey], [score.expertId]: { scores: score.scores, score: weightedScore(state.rubrics[s.kind], score.scores) } };
      return status();
    },
    {
      validator: ({ actor, score }) => {
        fail(role(actor, roundCommands.SCORE_IN_ROUND.roles, 'Scoring a request'));
        // An expert scores as themself; the commission records the scores an expert gave.
        if (actor.role === 'expert' && actor.id !== score.expertId) fail(refuse('not-assigned', `Expert ${actor.id} may record only their own scores, not ${score.expertId}'s.`));
        // Art. 9, 18 as for every panel: no expert scores a request of their own university's center.
        const university = score.requestKey.split(/[./]/)[0];
        if (actor.role === 'expert' && actor.orgId === university) fail(refuse('conflict-of-interest', `Expert ${actor.id} belongs to "${university}", whose center made request "${score.requestKey}"; another expert scores it.`));
        fail(checkScore(state, score));
      },
    },
  );

  // Synchronous from the check to the answer: no other update runs in between, so the budget is never over-committed.
  wf.setHandler(reserveRoundBudget, ({ requestKey: key, amountFen, reason, departure }) => reserveBudget(state, key, amountFen, reason, departure, nowIso()), {
    validator: ({ actor, requestKey: key, amountFen }) => {
      fail(commission(actor, 'Granting'));
      fail(known(key));
      const s = state.submissions.find((x) => requestKey(x) === key)!;
      if (s.amountFen !== amountFen) fail(refuse('invalid-input', `A round grants the amount requested (${s.amountFen} fen), not ${amountFen} fen.`));
    },
  });

  wf.setHandler(
    releaseRoundBudget,
    ({ requestKey: key, reason }) => {
      releaseBudget(state, key, reason, nowIso());
      return status();
    },
    {
      validator: ({ actor, requestKey: key }) => {
        fail(commission(actor, 'Giving back a grant'));
        fail(known(key));
      },
    },
  );

  wf.setHandler(
    declineInRound,
    ({ requestKey: key, reason, departure }) => {
      recordDecline(state, key, reason, departure, nowIso());
      return status();
    },
    {
      validator: ({ actor, requestKey: key, reason }) => {
        fail(commission(actor, 'Declining'));
        fail(undecided(key));
        if (reason.trim().length < 3) fail(refuse('invalid-input', 'A decline needs its reason (Art. 13).'));
      },
    },
  );

  // Art. 13: the window, as a durable timer.
  const untilClose = Math.max(0, Date.parse(state.round.closesAt) - Date.now());
  if (untilClose > 0) await wf.sleep(untilClose);
  windowClosed = true;
  await wf.condition(() => state.submissions.length > 0 && decidedAll() && wf.allHandlersFinished());
  return status();
}
