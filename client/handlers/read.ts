/**
 * Reading: a center's live state with its database history, lists of centers (database read model or Temporal
 * visibility), and the audit log.
 */
import type { ApplicationRecord, AuditRecord, CenterRecord, EligibilityRecord, Repositories } from '../../db/repositories';
import type { CenterView } from '../../contract';
import type { ApiClient } from '../api-client';
import { CallIdKey, CenterCycleKey, CenterIdKey, CenterStateKey, NextDeadlineKey, UniversityIdKey } from '../../contract';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { table, time } from '../format';
import { NotFoundError, showCenter } from '../operations';
import { applicationVersions, auditTable, centerText } from './views';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A center id from a reference, through the database: a center id as given, or a university's center (its live
 * one when it has applied to several calls).
 */
export async function centerIdFromDatabase(repos: Repositories, ref: string): Promise<string> {
  if (ref.includes('.')) {
    if (!(await repos.getCenter(ref))) throw new NotFoundError(`No center "${ref}" in the database. List centers with \`centers list\`.`);
    return ref;
  }
  const all = await repos.listCenters({ universityId: ref });
  const live = all.filter((c) => !c.state.startsWith('closed'));
  const candidates = live.length ? live : all;
  if (candidates.length === 0) throw new NotFoundError(`No center of university "${ref}" in the database. List centers with \`centers list\`.`);
  if (candidates.length > 1) {
    throw new UsageError(`University "${ref}" has several centers (${candidates.map((c) => c.centerId).join(', ')}); name one by its center id.`);
  }
  return candidates[0].centerId;
}

export async function showCenterCommand(ctx: CommandContext): Promise<Output> {
  const [ref] = ctx.positionals;
  const api = ctx.services.api;
  if (api) {
    const view = await api.request<CenterView>('GET', `/centers/${encodeURIComponent(ref)}`);
    const [apps, audit] = await Promise.all([
      api.request<{ applications: (ApplicationRecord & { eligibility: EligibilityRecord[] })[] }>('GET', `/centers/${encodeURIComponent(view.centerId)}/applications`).catch(() => null),
      api.request<{ rows: AuditRecord[] }>('GET', `/centers/${encodeURIComponent(view.centerId)}/audit`).catch(() => null),
    ]);
    const applications = apps ? applicationVersions(apps.applications, apps.applications.flatMap((a) => a.eligibility)) : null;
    const db = applications && audit ? { applications, audit: audit.rows } : null;
    return { data: { ...view, applications, audit: audit?.rows ?? null }, text: centerText(view, db) };
  }
  const t = await ctx.services.temporal();
  const view = await showCenter(t.ops, ref);
  let db: { applications: ReturnType<typeof applicationVersions>; audit: Awaited<ReturnType<Repositories['auditLog']>> } | null = null;
  try {
    const repos = await ctx.services.repos();
    const [apps, eligibility, audit] = await Promise.all([repos.applications(view.centerId), repos.eligibility(view.centerId), repos.auditLog(view.centerId)]);
    db = { applications: applicationVersions(apps, eligibility), audit };
  } catch (err) {
    ctx.warn(`Warning: the database could not be read (${(err as Error).message.split('\n')[0]}); showing the live state only.`);
  }
  return {
    data: { ...view, applications: db?.applications ?? null, audit: db?.audit ?? null },
    text: centerText(view, db),
  };
}

/** Every page of the API's list of centers. */
async function listThroughApi(api: ApiClient, filter: { state?: string; callId?: string; universityId?: string }): Promise<CenterRecord[]> {
  const centers: CenterRecord[] = [];
  for (let offset = 0; ; ) {
    const page = await api.request<{ total: number; centers: CenterRecord[] }>('GET', '/centers', { query: { state: filter.state, call: filter.callId, university: filter.universityId, limit: 500, offset } });
    centers.push(...page.centers);
    offset += page.centers.length;
    if (page.centers.length === 0 || offset >= page.total) return centers;
  }
}

/** Visibility query literals: single-quoted, with quotes and backslashes escaped. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function visibilityQuery(filter: { state?: string; callId?: string; universityId?: string }): string {
  const clauses = ["WorkflowType = 'centerWorkflow'"];
  // A parent state matches its children, as in the database read model ("application" → "application.inReview").
  if (filter.state) clauses.push(`(CenterState = ${literal(filter.state)} OR CenterState STARTS_WITH ${literal(`${filter.state}.`)})`);
  if (filter.callId) clauses.push(`CallId = ${literal(filter.callId)}`);
  if (filter.universityId) clauses.push(`UniversityId = ${literal(filter.universityId)}`);
  return clauses.join(' AND ');
}

export async function listCentersCommand(ctx: CommandContext): Promise<Output> {
  const filter = { state: str(ctx.values.state), callId: str(ctx.values.call), universityId: str(ctx.values.university) };
  const source = str(ctx.values.source) ?? 'database';
  if (source === 'database') {
    const centers = ctx.services.api ? await listThroughApi(ctx.services.api, filter) : await (await ctx.services.repos()).listCenters(filter);
    return {
      data: { source, filter, centers },
      text: table(
        ['CENTER', 'STATE', 'CALL', 'CYCLE', 'ESTABLISHED', 'NEXT DEADLINE', 'UPDATED'],
        centers.map((c) => [c.centerId, c.state, c.callId, c.cycle, time(c.establishedAt), time(c.nextDeadlineAt), time(c.updatedAt)]),
        'No centers match.',
      ),
    };
  }
  if (source !== 'temporal') throw new UsageError(`--source must be "database" or "temporal", not "${source}".`, 'list');

  if (ctx.services.api) throw new UsageError("--source temporal reads Temporal's visibility directly: an operators' tool, on the direct path (CENTERS_API_URL=off).");
  const t = await ctx.services.temporal();
  const query = visibilityQuery(filter);
  ctx.warn(`Temporal visibility query: ${query}`);
  const centers: {
    centerId: string | null;
    state: string | null;
    universityId: string | null;
    callId: string | null;
    cycle: number | null;
    nextDeadline: string | null;
    workflowId: string;
    runId: string;
    status: string;
    startTime: string;
  }[] = [];
  for await (const wf of t.client.workflow.list({ query })) {
    const sa = wf.typedSearchAttributes;
    centers.push({
      centerId: sa.get(CenterIdKey) ?? null,
      state: sa.get(CenterStateKey) ?? null,
      universityId: sa.get(UniversityIdKey) ?? null,
      callId: sa.get(CallIdKey) ?? null,
      cycle: sa.get(CenterCycleKey) ?? null,
      nextDeadline: sa.get(NextDeadlineKey)?.toISOString() ?? null,
      workflowId: wf.workflowId,
      runId: wf.runId,
      status: wf.status.name,
      startTime: wf.startTime.toISOString(),
    });
  }
  return {
    data: { source, filter, query, centers },
    text: table(
      ['CENTER', 'STATE', 'CALL', 'CYCLE', 'NEXT DEADLINE', 'WORKFLOW', 'STATUS'],
      centers.map((c) => [c.centerId, c.state, c.callId, c.cycle, time(c.nextDeadline), c.workflowId, c.status]),
      'No center workflows match.',
    ),
  };
}

export async function auditLogCommand(ctx: CommandContext): Promise<Output> {
  let centerId: string;
  let rows: AuditRecord[];
  if (ctx.services.api) {
    ({ centerId, rows } = await ctx.services.api.request<{ centerId: string; rows: AuditRecord[] }>('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/audit`));
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    rows = await repos.auditLog(centerId);
  }
  return { data: { centerId, rows }, text: `Audit log of ${centerId}\n\n${auditTable(rows)}` };
}
