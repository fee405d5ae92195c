/**
 * No input may jam a center (hardening): several hundred generated bad inputs (fast-check) across every command of
 * the table and every message a center or a call takes. Each bad command is refused with a named reason (400
 * `invalid-input`, naming the field), each bad message dropped; afterwards no new history event, no new row, no
 * failed workflow task, and both the center and the call still take commands.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandUrl } from '../../api/paths';
import { callWorkflowId, centerWorkflowId } from '../../contract';
import { TableName } from '../../db/tables';
import { ALL_COMMAND_TYPES, COMMAND_TABLE, type AnyCommandType } from '../../machines/commands';
import type { Role } from '../../machines/vocabulary';
import { useApi } from '../helpers/api';
import { rowCounts } from '../helpers/database';
import { applicationAsOf, callInfo } from '../helpers/fixtures';
import { CALL, SAMPLES } from '../helpers/samples';

const api = useApi({ name: 'api-fuzz', config: (cfg) => ({ ...cfg, api: { ...cfg.api, rateLimitPerMinute: 100_000 } }) }, 300_000);
const CASES_PER_COMMAND = 12;
const SIGNAL_CASES = 80;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into a JSON value (the root included), for a mutation to aim at. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

/** A bad value: the wrong type, an invisible or oversized string, an out-of-range number or date, nonsense. */
const badValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e12, max: 1e12 }),
  fc.double({ noNaN: false }),
  fc.constantFrom('', '   ', '\u200b\u200b', '\u0000\u0007', '\ud800', '0001-01-01', '9999-12-31T23:59:59Z', 'x'.repeat(25_000), '<script>alert(1)</script>', "' OR 1=1 --"),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 3 }),
);

type Mutation = { kind: 'replace'; at: number; value: unknown } | { kind: 'delete'; at: number } | { kind: 'extra'; at: number; key: string; value: unknown };
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: badValue }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extra' as const), at: fc.nat(), key: fc.string({ minLength: 1, maxLength: 12 }), value: fc.anything() }),
);

function mutate(sample: Json, m: Mutation): unknown {
  const copy = structuredClone(sample) as Json;
  const all = paths(copy);
  const target = all[m.at % all.length];
  if (m.kind === 'replace' && target.length === 0) return m.value;
  const parentPath = m.kind === 'extra' ? target : target.slice(0, -1);
  let parent: any = copy;
  for (const p of parentPath) parent = parent[p];
  if (m.kind === 'extra') {
    if (parent && typeof parent === 'object' && !Array.isArray(parent)) parent[`zz${m.key}`] = m.value;
    else return { unexpected: m.value, payload: copy };
    return copy;
  }
  const key = target[target.length - 1];
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else parent[key] = m.value;
  return copy;
}

/** Bodies are judged as they travel, as JSON (undefined dropped, NaN null). The API's body of an expert panel may leave the organisations out (they come from the experts' identities). */
function isInvalid(type: AnyCommandType, body: unknown): boolean {
  let probe = body;
  if ((type === 'ASSIGN_EXPERTS' || type === 'ASSIGN_EVALUATION_EXPERTS') && body && typeof body === 'object' && Array.isArray((body as { experts?: unknown }).experts)) {
    probe = { ...(body as object), experts: (body as { experts: unknown[] }).experts.map((e) => (e && typeof e === 'object' && !('orgId' in e) ? { ...e, orgId: 'tsinghua' } : e)) };
  }
  return !COMMAND_TABLE[type].payload.safeParse(probe).success;
}

async function historyLengths(ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (id) => (await api.h.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0));
}
async function failedTasks(ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) n += ((await api.h.client.workflow.getHandle(id).fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
  return n;
}
/** Row counts without the identity tables (a token's last use may be written). */
async function domainRows(): Promise<Record<string, number>> {
  const counts = await rowCounts(api.h.knex);
  for (const t of [TableName.Users, TableName.ApiTokens, TableName.Sessions]) delete counts[t];
  return counts;
}

describe('fuzz: bad commands and messages are refused or dropped, and jam nothing', () => {
  it(`${ALL_COMMAND_TYPES.length} commands × ${CASES_PER_COMMAND} bad bodies over HTTP, and ${SIGNAL_CASES} bad signals; then the center and the call still work`, async () => {
    const tokens: Record<Role, string> = {
      commission: (await api.user('commission', { id: 'fuzz-commission' })).token,
      university: (await api.user('university', { id: 'bjut-office', orgId: 'bjut' })).token,
      expert: (await api.user('expert', { id: 'fuzz-expert', orgId: 'tsinghua' })).token,
      scheduler: (await api.user('scheduler')).token,
      auditor: (await api.user('auditor')).token,
    };
    const now = Date.now();
    expect((await api.http('POST', '/api/v1/calls', { token: tokens.commission, body: callInfo(now, { callId: CALL, quota: 2 }) })).status).toBe(200);
    const applied = await api.http('POST', '/api/v1/commands/submit-application', { token: tokens.university, body: { callId: CALL, application: applicationAsOf('bjut', now) } });
    expect(applied.status).toBe(200);
    const workflows = [centerWorkflowId('bjut'), callWorkflowId(CALL)];
    const before = { history: await historyLengths(workflows), rows: await domainRows() };

    let commands = 0;
    const reasons = new Map<string, number>();
    for (const type of ALL_COMMAND_TYPES) {
      const def = COMMAND_TABLE[type];
      const sample = SAMPLES[type]({ now, universityId: 'bjut', panel: [{ id: 'fuzz-expert', name: 'Fuzz Expert', orgId: 'tsinghua' }] }) as Json;
      const bodies = fc.sample(mutation.map((m) => JSON.parse(JSON.stringify(mutate(sample, m)) ?? 'null') as unknown).filter((b) => isInvalid(type, b)), { numRuns: CASES_PER_COMMAND, seed: 2026 + commands });
      const target = def.host === 'call' ? CALL : 'bjut';
      for (const body of bodies) {
        const answer = await api.http('POST', `${commandUrl(type, def.cli.target === 'none' ? null : target)}`.replace(/^/, '/api/v1'), { token: tokens[def.roles[0]], body });
        commands += 1;
        expect(answer.status, `${type} ${JSON.stringify(body).slice(0, 300)} → ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(400);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
        expect(answer.body.reason).toBe('invalid-input');
        expect(answer.body.errors.length).toBeGreaterThan(0);
        reasons.set(answer.body.reason, (reasons.get(answer.body.reason) ?? 0) + 1);
      }
    }

    // Messages: whatever a Temporal client can send as a signal's payload.
    const signals = ['fireDeadline', 'callStatusChanged', 'quotaSlotAnswer'] as const;
    const callSignals = ['registerApplicant', 'applicantSettled', 'requestQuotaSlot'] as const;
    const payloads = fc.sample(fc.anything({ maxDepth: 3 }), { numRuns: SIGNAL_CASES, seed: 19 });
    for (const [i, payload] of payloads.entries()) {
      if (i % 2 === 0) await api.h.client.workflow.getHandle(workflows[0]).signal(signals[i % signals.length], payload);
      else await api.h.client.workflow.getHandle(workflows[1]).signal(callSignals[i % callSignals.length], payload);
    }

    // Still working: a real command to each, applied after every signal above (one lock, in order).
    const incident = await api.http('POST', '/api/v1/centers/bjut/commands/record-integrity-incident', { token: tokens.commission, body: SAMPLES.RECORD_INTEGRITY_INCIDENT({ now, universityId: 'bjut', panel: [] }) });
    expect(incident.status, JSON.stringify(incident.body)).toBe(200);
    const raised = await api.http('POST', `/api/v1/calls/${CALL}/commands/raise-quota`, { token: tokens.commission, body: { quota: 3, reason: 'A third strong applicant' } });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);

    expect(commands).toBeGreaterThanOrEqual(300);
    expect(await failedTasks(workflows), 'no workflow task failed').toBe(0);
    // Only the two real commands wrote: one audit row and its incident for the center, one event for the call.
    const rows = await domainRows();
    expect(rows[TableName.AuditLog]).toBe(before.rows[TableName.AuditLog] + 1);
    expect(rows[TableName.IntegrityIncidents]).toBe(before.rows[TableName.IntegrityIncidents] + 1);
    expect(rows[TableName.CallEvents]).toBe(before.rows[TableName.CallEvents] + 1);
    const unchanged = Object.keys(rows).filter((t) => ![TableName.AuditLog, TableName.IntegrityIncidents, TableName.CallEvents, TableName.Centers, TableName.Calls].includes(t as never));
    for (const t of unchanged) expect(rows[t], t).toBe(before.rows[t]);
    console.log(`fuzz: ${commands} bad commands refused (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}), ${payloads.length} bad signals dropped`);
  });
});
