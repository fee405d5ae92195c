/**
 * Every read: centers (the database read model, filtered, sorted and paged), one center's live state with the
 * commands the caller may send now, its dossier and accounts from the database, calls, the published notices
 * (public, Art. 19), the outbox and the monitoring report (Op. 5(3)). Each read is authorised for the caller (api/access.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { centerIdFromDatabase } from '../../client/handlers/read';
import { getCall, showCenter } from '../../client/operations';
import type { CenterRecord } from '../../db/repositories';
import { CENTER_SORT_KEYS, notificationFilter } from '../../db/repositories/types';
import type { ApiDeps } from '../app';
import { authorizeCenterRead, requireRole, visibleCenters, type ReadScope } from '../access';
import { requireIdentity } from '../auth';
import type { Identity } from '../identities';
import { ProblemError, ProblemSchema } from '../problem';

const CenterParams = z.object({ center: z.string().min(1).max(128).describe('A center id (bjut.call-2026) or a university id (bjut)') });
/** The answer's shape is the record types of db/ and the view of machines/; documented by its summary. */
const Any = z.unknown();
const errors = { 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };
const isoTime = z.string().datetime({ offset: true });

export const CenterListQuery = z
  .object({
    state: z.string().max(128).optional().describe('A state, or a parent state ("application" matches "application.inReview")'),
    university: z.string().max(64).optional(),
    call: z.string().max(64).optional(),
    cycle: z.coerce.number().int().min(1).optional(),
    nextDeadlineFrom: isoTime.optional().describe('Only centers whose next deadline is at or after this time'),
    nextDeadlineTo: isoTime.optional().describe('… and before this time'),
    sort: z.enum(CENTER_SORT_KEYS).default('centerId'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export async function readRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { repos } = deps;

  /** The center a path names, from the database, once the caller may read it at this scope. */
  async function readableCenter(identity: Identity, ref: string, scope: ReadScope): Promise<CenterRecord> {
    const centerId = await centerIdFromDatabase(repos, ref);
    const center = (await repos.getCenter(centerId))!;
    await authorizeCenterRead(identity, center, scope, repos);
    return center;
  }

  api.get('/centers', { schema: { operationId: 'listCenters', tags: ['Reading'], summary: 'List centers the caller may see, filtered, sorted and paged', querystring: CenterListQuery, response: { 200: Any, 400: ProblemSchema, ...errors } } }, async (request) => {
    const identity = requireIdentity(request);
    const q = request.query;
    const scope = await visibleCenters(identity, repos);
    if (scope?.universityId && q.university && q.university !== scope.universityId) {
      throw new ProblemError('wrong-organisation', `You act for ${scope.universityId}; you cannot list the centers of ${q.university}.`);
    }
    const filter = { state: q.state, universityId: scope?.universityId ?? q.university, callId: q.call, cycle: q.cycle, nextDeadlineFrom: q.nextDeadlineFrom, nextDeadlineTo: q.nextDeadlineTo, centerIds: scope?.centerIds };
    const { total, centers } = await repos.searchCenters(filter, { sort: q.sort, order: q.order, limit: q.limit, offset: q.offset });
    return { total, limit: q.limit, offset: q.offset, centers };
  });

  api.get('/centers/:center', { schema: { operationId: 'getCenter', tags: ['Reading'], summary: "A center's live state, deadlines, and the commands the caller may send now", params: CenterParams, response: { 200: Any, ...errors } } }, async (request) => {
    const identity = requireIdentity(request);
    const view = await showCenter(deps.ops, request.params.center);
    await authorizeCenterRead(identity, view, 'state', repos);
    // The commands the caller's role may send now (all roles' for the commission and auditors, who oversee them).
    const everyRole = identity.role === 'commission' || identity.role === 'auditor';
    return { ...view, allowedCommands: everyRole ? view.allowedCommands : { [identity.role]: view.allowedCommands[identity.role] } };
  });

  /** A read of one center's rows at a scope: the route, its summary and what it returns. */
  function centerRead(path: string, operationId: string, summary: string, scope: ReadScope, read: (centerId: string) => Promise<Record<string, unknown>>): void {
    api.get(`/centers/:center/${path}`, { schema: { operationId, tags: ['Reading'], summary, params: CenterParams, response: { 200: Any, ...errors } } }, async (request) => {
      const center = await readableCenter(requireIdentity(request), request.params.center, scope);
      return { centerId: center.centerId, ...(await read(center.centerId)) };
    });
  }

  centerRead('applications', 'listApplications', 'Art. 8: the application versions, each with its eligibility result per condition, the experts and reviews', 'dossier', async (id) => {
    const [applications, eligibility, assignments, reviews, decision] = await Promise.all([repos.applications(id), repos.eligibility(id), repos.assignments(id), repos.reviews(id), repos.decision(id)]);
    return { applications: applications.map((a) => ({ ...a, eligibility: eligibility.filter((e) => e.version === a.version) })), assignments, reviews, decision: decision ?? null };
  });
  centerRead('funding', 'listFunding', 'Art. 13–16: funding requests and decisions, the ledger, and the money granted per cycle, year and kind', 'accounts', async (id) => {
    const [requests, ledger, totals] = await Promise.all([repos.fundingRequests(id), repos.ledger(id), repos.ledgerTotals(id)]);
    return { requests, ledger, totals };
  });
  centerRead('accounts', 'listAccounts', "Art. 16: the center's money — each grant's budget lines granted, spent and unspent, its spending and its final accounts (决算)", 'accounts', async (id) => ({ ...(await repos.centerAccounts(id)) }));
  centerRead('reserve', 'listReserve', 'Op. 4(4), Art. 15: the results reserve and patent pool — each result, its value, status and transfer', 'dossier', async (id) => ({ results: await repos.reserveResults(id) }));
  centerRead('summaries', 'listSummaries', 'Art. 18: annual summaries, their due dates, overdue flags, and the reminders and escalations sent', 'dossier', async (id) => {
    const [summaries, notifications] = await Promise.all([repos.summaries(id), repos.notifications({ centerId: id })]);
    return { summaries, notifications };
  });
  centerRead('evaluations', 'listEvaluations', 'Art. 12, 17–18: evaluations, each expert\u2019s scores (stage = evaluation id), grades and overrides, and the integrity incidents', 'dossier', async (id) => {
    const [evaluations, reviews, incidents] = await Promise.all([repos.evaluations(id), repos.evaluationReviews(id), repos.incidents(id)]);
    return { evaluations, reviews, incidents };
  });
  centerRead('incidents', 'listIncidents', 'Art. 12: integrity incidents (shown to the evaluating experts)', 'dossier', async (id) => ({ incidents: await repos.incidents(id) }));
  centerRead('rectifications', 'listRectifications', 'Art. 19: rectifications, their deadlines and reports, and stopped support', 'dossier', async (id) => {
    const [rectifications, supportStop] = await Promise.all([repos.rectifications(id), repos.supportStop(id)]);
    return { rectifications, supportStop: supportStop ?? null };
  });
  centerRead('organisation', 'listOrganisationChanges', 'Art. 6, 8(7): director and staff changes', 'dossier', async (id) => ({ changes: await repos.organisationChanges(id) }));
  centerRead('audit', 'listAuditRows', "The center's audit rows: from-state, event, to-state, actor, command id", 'accounts', async (id) => ({ rows: await repos.auditLog(id) }));

  api.get('/notices', {
    schema: { operationId: 'listNotices', tags: ['Reading'], summary: 'Art. 19: the published notices of unqualified grades (public, no login)', querystring: z.object({ center: z.string().max(128).optional() }).strict(), response: { 200: Any } },
    config: { access: 'public' },
  }, async (request) => {
    const centerId = request.query.center ? await centerIdFromDatabase(repos, request.query.center) : undefined;
    return { centerId: centerId ?? null, notices: await repos.noticesWithRectifications(centerId ? { centerId } : {}) };
  });

  api.get('/calls', { schema: { operationId: 'listCalls', tags: ['Reading'], summary: 'Calls for applications: window, quota, approvals', response: { 200: Any, ...errors } } }, async (request) => {
    requireIdentity(request);
    return { calls: await repos.listCalls() };
  });

  api.get('/calls/:callId', { schema: { operationId: 'getCall', tags: ['Reading'], summary: "A call's live status: window, quota, approvals and applicants", params: z.object({ callId: z.string().min(1).max(64) }), response: { 200: Any, ...errors } } }, async (request) => {
    const identity = requireIdentity(request);
    const status = await getCall(deps.ops, request.params.callId);
    if (identity.role === 'commission' || identity.role === 'auditor') return { ...status, events: await repos.callEvents(request.params.callId) };
    // Others see the call and its counts; a university sees itself among the applicants, nobody else.
    const own = identity.role === 'university' ? status.applicants.filter((a) => a.centerId.startsWith(`${identity.orgId}.`)) : [];
    return { ...status, applicants: own, approved: status.approved.filter((c) => own.some((a) => a.centerId === c)), approvedCount: status.approvedCount };
  });

  api.get('/reports/monitoring', {
    schema: {
      operationId: 'monitoringReport',
      tags: ['Reading'],
      summary: 'Op. 5(3): the monitoring report — indicators, funding and grades per university and calendar year, and commission-wide trends',
      querystring: z
        .object({
          university: z.string().max(64).optional(),
          from: z.coerce.number().int().min(1900).max(9999).optional().describe('the first calendar year'),
          to: z.coerce.number().int().min(1900).max(9999).optional().describe('the last calendar year'),
        })
        .strict(),
      response: { 200: Any, 400: ProblemSchema, ...errors },
    },
  }, async (request) => {
    const identity = requireIdentity(request);
    requireRole(identity, ['commission', 'auditor'], 'The monitoring report');
    const q = request.query;
    return repos.monitoringReport({ universityId: q.university, fromYear: q.from, toYear: q.to });
  });

  api.get('/notifications', {
    schema: { operationId: 'listNotifications', tags: ['Reading'], summary: 'The outbox: reminders, overdue notices and escalations', querystring: z.object({ center: z.string().max(128).optional(), status: z.enum(['pending', 'delivered']).optional() }).strict(), response: { 200: Any, ...errors } },
  }, async (request) => {
    const identity = requireIdentity(request);
    requireRole(identity, ['commission', 'auditor'], 'The outbox');
    return { notifications: await repos.notifications(notificationFilter(request.query.center, request.query.status)) };
  });
}
