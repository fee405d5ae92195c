/**
 * The yearly funding round's commands (Art. 13 择优, 14–15): the commission opens a round, a center's pending request
 * is submitted into it, the experts score each request on its kind's rubric. The round's own workflow takes them
 * (workflows/funding-round.ts); its rules are machines/funding-rounds.ts. Deciding a round is an operation built on
 * these and on the centers' GRANT_FUNDING / DECLINE_FUNDING (client/funding-rounds.ts `decideRound`), not a command.
 */
import { z } from 'zod';
import { defineCommands } from '../core';
import { FundingRoundSchema, RoundScoreSchema } from '../funding-rounds';

const roundRequest = { field: 'requestKey', value: 'CENTER/ID', description: 'the request in the round: <centerId>/<requestId> (see `centers round show`)', required: true } as const;

export const roundCommands = defineCommands({
  OPEN_ROUND: {
    stage: 'funding',
    article: 'Art. 13',
    summary: 'Open a yearly funding round (Art. 13 择优): its window and its budget per project kind',
    roles: ['commission'],
    host: 'round',
    payload: FundingRoundSchema,
    cli: {
      name: 'round open',
      target: 'none',
      file: { description: 'the round: { roundId, title, year, opensAt, closesAt, budgetFen: { promotion, guidance } } (amounts in fen)' },
      details:
        'The round is its own workflow: it holds the requests submitted into it, their scores and the amounts\n' +
        "committed per kind, and is scored on the policy's roundRubrics as they are when it opens.",
      examples: ['centers round open --file examples/funding-round.json'],
    },
  },
  SUBMIT_TO_ROUND: {
    stage: 'funding',
    article: 'Art. 13, 15',
    summary: "Submit a center's pending funding request into a round (Art. 13; guidance: with external opinions and reserve entries, Art. 15)",
    roles: ['university', 'commission'],
    host: 'round',
    path: 'submissions',
    payload: z.object({ center: z.string().min(1).max(128), requestId: z.string().min(1).max(64) }).strict(),
    cli: {
      name: 'round submit',
      target: 'round',
      args: [{ field: 'center', name: '<center>', description: 'a center id (bjut.call-2026) or a university id (bjut)' }],
      options: { request: { field: 'requestId', value: 'ID', description: 'the funding request id (see `centers funding list`)', required: true } },
      details: "Read from the center: kind, amount, opinions, reserve entries and what its tier still allows this year (Art. 19).\nThe request names its round (its roundId); submitting it again answers as the first time.",
      examples: ['centers round submit r2026 bjut --request c1-y1-f1 --as university:bjut-office@bjut'],
    },
  },
  SCORE_IN_ROUND: {
    stage: 'funding',
    article: 'Art. 13–15',
    summary: "Record an expert's scores of a request in a round, on its kind's rubric (Art. 13–15)",
    roles: ['expert', 'commission'],
    host: 'round',
    path: 'scores',
    // The expert is the caller unless the commission names the expert whose scores it records.
    payload: RoundScoreSchema.partial({ expertId: true }),
    cli: {
      name: 'round score',
      target: 'round',
      file: { field: 'scores', description: "the scores: { dimension: 0–100 } of the kind's rubric (policy roundRubrics)" },
      options: { request: roundRequest, expert: { field: 'expertId', value: 'ID', description: 'the expert whose scores these are (default: the actor, when an expert)' } },
      details: "A request's score is the mean over its experts of their weighted scores; guidance projects weigh the external opinions they carry (externalOpinions).\nAn expert records only their own scores, never of their own university's center.",
      examples: ['centers round score r2026 --request bjut.call-2026/c1-y1-f1 --file examples/round-scores-promotion.json --as expert:exp-1@casted'],
    },
  },
});
export type RoundCommandType = keyof typeof roundCommands;
