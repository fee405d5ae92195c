/**
 * The auditors' reads: a center's timeline as its Temporal history records it, the replay of every run with the
 * service's current code (determinism), and the reconciliation of that timeline with the database's audit rows —
 * one center, or every center (commission and auditors).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { centerHistory, listTemporalCenters, reconcileAll, reconcileCenter } from '../../client/audit';
import { replayRuns } from '../../client/audit/replay';
import { centerIdFromDatabase } from '../../client/handlers/read';
import type { ApiDeps } from '../app';
import { authorizeCenterRead, requireRole } from '../access';
import { requireIdentity } from '../auth';
import { ProblemError, ProblemSchema } from '../problem';

const CenterParams = z.object({ center: z.string().min(1).max(128).describe('A center id (bjut.call-2026) or a university id (bjut)') });
/** The answer's shape is the record types of db/ and the view of machines/; documented by its summary. */
const Any = z.unknown();
const errors = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 503: ProblemSchema };

export async function auditRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { repos } = deps;
  const client = deps.ops.client;

  async function authorized(identity: Parameters<typeof authorizeCenterRead>[0], ref: string): Promise<string> {
    const centerId = await centerIdFromDatabase(repos, ref);
    await authorizeCenterRead(identity, (await repos.getCenter(centerId))!, 'accounts', repos);
    return centerId;
  }

  api.get('/centers/:center/timeline', { schema: { operationId: 'getTimeline', tags: ['Audit'], summary: "The center's transitions as its Temporal history records them, run by run", params: CenterParams, response: { 200: Any, ...errors } } }, async (request) => {
    const centerId = await authorized(requireIdentity(request), request.params.center);
    const history = await centerHistory(client, centerId);
    return { centerId, workflowId: history.workflowId, runs: history.summaries, timeline: history.timeline };
  });

  api.get('/centers/:center/replay', { schema: { operationId: 'replayCenter', tags: ['Audit'], summary: "Replays every run of the center's history with the service's current workflow code", params: CenterParams, response: { 200: Any, ...errors } } }, async (request) => {
    const centerId = await authorized(requireIdentity(request), request.params.center);
    if (!deps.replayCode) throw new ProblemError('unavailable', 'This API runs without the workflow code needed to replay; run `centers audit replay` on a machine with the service.');
    const history = await centerHistory(client, centerId);
    const outcomes = await replayRuns(history.runs, await deps.replayCode());
    return { centerId, workflowId: history.workflowId, ok: outcomes.every((o) => o.ok), runs: outcomes, timeline: history.timeline };
  });

  api.get('/centers/:center/reconcile', { schema: { operationId: 'reconcileCenter', tags: ['Audit'], summary: "The center's history-derived timeline against its audit rows, each difference named", params: CenterParams, response: { 200: Any, ...errors } } }, async (request) => {
    const centerId = await authorized(requireIdentity(request), request.params.center);
    const { history: _history, ...result } = await reconcileCenter(client, repos, centerId, deps.evidence);
    return result;
  });

  api.get('/audit/reconcile', { schema: { operationId: 'reconcileAll', tags: ['Audit'], summary: 'Every center reconciled (commission and auditors)', response: { 200: Any, ...errors } } }, async (request) => {
    requireRole(requireIdentity(request), ['commission', 'auditor'], 'Reconciling every center');
    const results = await reconcileAll(client, repos, { temporalCenters: await listTemporalCenters(client).catch(() => []), evidence: deps.evidence });
    return { clean: results.every((r) => r.clean), centers: results.length, results };
  });
}
