/**
 * Yearly funding rounds over HTTP (Art. 13 择优, 14–15), the operations built on the round's commands: read a round
 * (with its CSV), and decide it in one operation (the commission). The round's commands — opening it, submitting a
 * center's pending request into it, recording an expert's scores — are routes of the command table
 * (machines/stages/rounds.ts, api/routes/commands.ts) at the same paths (POST /funding-rounds, …/submissions,
 * …/scores). The caller's identity is the actor; the round's workflow checks the rules (client/funding-rounds.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decideRound, getRound, roundCsv } from '../../client/funding-rounds';
import { RoundDecisionError } from '../../machines/funding-rounds';
import type { Role } from '../../machines/vocabulary';
import type { ApiDeps } from '../app';
import { actorOf, requireIdentity } from '../auth';
import type { Identity } from '../identities';
import { ProblemError, ProblemSchema } from '../problem';

const Any = z.unknown();
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema };
const RoundParams = z.object({ roundId: z.string().min(1).max(64) });
const tags = ['Funding rounds (Art. 13)'];

function allow(identity: Identity, roles: readonly Role[], what: string): void {
  if (!roles.includes(identity.role)) throw new ProblemError('forbidden-role', `${what} is for the ${roles.join(' or ')}, not a ${identity.role} (Art. 13).`);
}

export async function fundingRoundRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/funding-rounds/:roundId', { schema: { operationId: 'getFundingRound', tags, summary: "A round: its budget, committed amounts, requests, scores and decisions", params: RoundParams, response: { 200: Any, ...errors } } }, async (request) => {
    const identity = requireIdentity(request);
    const round = await getRound(deps.ops, request.params.roundId);
    if (identity.role !== 'university') return round;
    // A university sees the round and its own requests, not the others'.
    const own = (key: string) => key.startsWith(`${identity.orgId}.`);
    return {
      ...round,
      submissions: round.submissions.filter((s) => own(s.centerId)),
      scores: Object.fromEntries(Object.entries(round.scores).filter(([k]) => own(k))),
      decisions: Object.fromEntries(Object.entries(round.decisions).filter(([k]) => own(k))),
    };
  });

  api.get('/funding-rounds/:roundId/report.csv', { schema: { operationId: 'fundingRoundCsv', tags, summary: 'The round as CSV: rank, score, requested, decision, granted, departure, reason (fen)', params: RoundParams } }, async (request, reply) => {
    const identity = requireIdentity(request);
    allow(identity, ['commission', 'auditor'], 'The round report');
    return reply.type('text/csv; charset=utf-8').send(roundCsv(await getRound(deps.ops, request.params.roundId)));
  });

  api.post(
    '/funding-rounds/:roundId/decision',
    {
      schema: {
        operationId: 'decideFundingRound',
        tags,
        summary: 'Decide the round in one operation: the best granted within the budget and tier ceilings, the rest declined; departures with reasons',
        params: RoundParams,
        body: z.object({ departures: z.array(z.object({ requestKey: z.string().min(1).max(200), verdict: z.enum(['grant', 'decline']), reason: z.string().max(2000) }).strict()).max(100).default([]) }).strict(),
        response: { 200: Any, ...errors },
      },
    },
    async (request) => {
      const identity = requireIdentity(request);
      allow(identity, ['commission'], 'Deciding a round');
      try {
        return await decideRound(deps.ops, request.params.roundId, actorOf(identity), { departures: request.body.departures, minReasonLength: deps.ops.policy.minReasonLength });
      } catch (err) {
        if (err instanceof RoundDecisionError) throw new ProblemError(err.message.includes('is open until') ? 'not-allowed-in-state' : 'invalid-input', err.message);
        throw err;
      }
    },
  );
}
