/**
 * The authorisation matrix of SPEC §3a through real HTTP (real dev server, worker, SQLite and API): every command of
 * the command table sent by every kind of caller, and every read asked by every kind of caller.
 *
 * Two centers are set up through HTTP: bjut's, established (building.running), and pku's, still in application
 * (application.inReview). The callers: no token, an expired token, a revoked token, a disabled user's token, the
 * commission, both universities, an expert assigned to both centers, an expert assigned to neither, the scheduler
 * and an auditor. For each command and caller the answer is asserted exactly:
 *   - a missing or bad credential: 401 unauthenticated;
 *   - a role the command table does not list: 403 forbidden-role;
 *   - the other university on a university command: 403 wrong-organisation;
 *   - the unassigned expert on an expert command: 403 not-assigned where the state takes the command, otherwise
 *     409 not-allowed-in-state (machines/authorize.ts checks the state before the guards);
 *   - the rightful caller: what the pure check (machines/authorize.ts checkCommand) says of a mirror of the
 *     center's statechart driven with the same commands (test/helpers/drive.ts) — 200, or that refusal.
 * Around every refused request the workflows' histories and every table's row count stay as they were.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createIdentities, type User } from '../../api/identities';
import { commandUrl } from '../../api/paths';
import { callWorkflowId, centerIdFor, centerWorkflowId, fundingRoundWorkflowId } from '../../contract';
import { checkCallCommand, checkCommand, handledEventTypes } from '../../machines/authorize';
import { stateName, type CenterSnapshot } from '../../machines/center';
import type { CallView } from '../../machines/context';
import { ALL_COMMAND_TYPES, COMMAND_TABLE, REFUSAL_REASONS, type AnyCommandType, type CommandType } from '../../machines/commands';
import type { CommandDef } from '../../machines/core';
import type { Actor, Expert } from '../../machines/domain';
import { useApi, type HttpAnswer } from '../helpers/api';
import { rowCounts } from '../helpers/database';
import { send as drive, start } from '../helpers/drive';
import { callInfo } from '../helpers/fixtures';
import { CALL, OPENED_CALL, ROUND, SAMPLES, SPARE_CALL } from '../helpers/samples';
import { checkScore, type RoundState } from '../../machines/funding-rounds';
import { TableName } from '../../db/tables';

// The matrix sends several hundred requests per identity: the general limit is not what is tested here.
const api = useApi({ name: 'api-matrix', config: (cfg) => ({ ...cfg, api: { ...cfg.api, rateLimitPerMinute: 100_000 } }) }, 300_000);

const DAY = 86_400_000;

// ── the callers ─────────────────────────────────────────────────────────────────────────────────────────────────
const UNAUTHENTICATED = ['anonymous', 'expired', 'revoked', 'disabled'] as const;
const AUTHENTICATED = ['commission', 'bjut', 'pku', 'assigned-expert', 'unassigned-expert', 'scheduler', 'auditor'] as const;
const CALLERS = [...UNAUTHENTICATED, ...AUTHENTICATED] as const;
type Who = (typeof CALLERS)[number];
/** Reads also tell a commission administrator (users) from another commission member. */
type Reader = Who | 'commission-member';
const READERS: Reader[] = [...CALLERS, 'commission-member'];

interface Caller {
  token?: string;
  actor?: Actor;
  user?: User;
}
const callers = {} as Record<Reader, Caller>;
const isUnauthenticated = (who: Reader) => (UNAUTHENTICATED as readonly string[]).includes(who);

// ── the centers and their mirrors ───────────────────────────────────────────────────────────────────────────────
interface CenterUnderTest {
  universityId: string;
  centerId: string;
  workflowId: string;
  /** The pure statechart driven with the commands the workflow took, in the same order, at the same times. */
  snapshot: CenterSnapshot;
  /** The experts assigned to its application. */
  panel: Expert[];
}
const centers: Record<'bjut' | 'pku', CenterUnderTest> = {} as never;
const now = Date.now();

/** The exact status of each reason (api/problem.ts; SPEC §3a reasons and the API's own). */
const STATUS: Record<string, number> = {
  'invalid-input': 422,
  'forbidden-role': 403,
  'wrong-organisation': 403,
  'not-assigned': 403,
  'conflict-of-interest': 422,
  'not-allowed-in-state': 409,
  'quota-exceeded': 409,
  'deadline-passed': 409,
  suspended: 409,
  unauthenticated: 401,
  'not-found': 404,
};

function expectProblem(res: HttpAnswer, reason: string, what: string): void {
  expect({ what, status: res.status, reason: res.body?.reason }).toEqual({ what, status: STATUS[reason], reason });
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  expect(res.body, what).toMatchObject({ type: `urn:centers:problem:${reason}`, title: expect.any(String), status: STATUS[reason], detail: expect.any(String), reason });
  expect(res.body.title.length, what).toBeGreaterThan(0);
  expect(res.body.detail.length, `${what}: a sentence a person can act on`).toBeGreaterThan(15);
}

async function historyLength(workflowId: string): Promise<number> {
  try {
    const history = await api.h.client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.length ?? 0;
  } catch (err) {
    // The round before OPEN_ROUND: no workflow (a refused opening must start none).
    if (workflowId === fundingRoundWorkflowId(ROUND) && /not.?found/i.test(`${(err as Error).name} ${(err as Error).message}`)) return -1;
    throw err;
  }
}

/** What must not move when a request is refused: the workflows' histories and every table's row count. */
async function trace(): Promise<{ histories: Record<string, number>; rows: Record<string, number> }> {
  const ids = [centerWorkflowId('bjut'), centerWorkflowId('pku'), callWorkflowId(CALL), callWorkflowId(SPARE_CALL), fundingRoundWorkflowId(ROUND)];
  const histories = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await historyLength(id)] as const)));
  return { histories, rows: await rowCounts(api.h.knex) };
}

function targetOf(type: AnyCommandType, center: CenterUnderTest | null): string | null {
  const def: CommandDef = COMMAND_TABLE[type];
  if (def.host === 'round') return def.cli.target === 'round' ? ROUND : null;
  if (def.host === 'call') return def.cli.target === 'call' ? SPARE_CALL : null;
  return def.cli.target === 'center' ? center!.centerId : null;
}

function sendCommand(type: AnyCommandType, caller: Caller, payload: unknown, center: CenterUnderTest | null, headers?: Record<string, string>): Promise<HttpAnswer> {
  return api.http('POST', `/api/v1${commandUrl(type, targetOf(type, center))}`, { token: caller.token, body: payload, headers });
}

async function callView(callId: string): Promise<CallView> {
  const res = await api.http('GET', `/api/v1/calls/${callId}`, { token: callers.commission.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const { title, opensAt, closesAt, quota, approvedCount, closedEarlyAt } = res.body;
  return { callId, title, opensAt, closesAt, quota, approvedCount, closedEarlyAt };
}

/**
 * The answer to a round's command by a caller of a role it lists. The round is opened before any center has a funding
 * request: submitting bjut's request names its absence (invalid-input) unless the caller is another university
 * (wrong-organisation, before anything of the center is told); a score is the pure rule's answer (checkScore) of
 * the round as it is.
 */
async function roundAnswer(type: AnyCommandType, actor: Actor, payload: unknown): Promise<'ok' | string> {
  if (type === 'OPEN_ROUND') return 'ok';
  if (type === 'SUBMIT_TO_ROUND') return actor.role === 'university' && actor.orgId !== 'bjut' ? 'wrong-organisation' : 'invalid-input';
  const res = await api.http('GET', `/api/v1/funding-rounds/${ROUND}`, { token: callers.commission.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const score = payload as { requestKey: string; scores: Record<string, number> };
  return checkScore(res.body as RoundState, { ...score, expertId: actor.id })?.reason ?? 'ok';
}

/** The pure check's answer for a center command (SUBMIT_APPLICATION: the API checks a fresh center first, then the live one). */
async function pureAnswer(center: CenterUnderTest, type: CommandType, actor: Actor, payload: unknown): Promise<'ok' | string> {
  const command = { commandId: 'matrix-pure-check', actor, type, payload };
  const at = new Date().toISOString();
  if (type === 'SUBMIT_APPLICATION') {
    const fresh = start({ policy: api.h.ops.policy, centerId: center.centerId, workflowId: center.workflowId, universityId: center.universityId, call: await callView(CALL) });
    const first = checkCommand(fresh, command, at);
    if (!first.ok) return first.refusal.reason;
  }
  const check = checkCommand(center.snapshot, command, at);
  return check.ok ? 'ok' : check.refusal.reason;
}

/** A command the rightful caller sends in the setup: through HTTP, 200, and the mirror takes it too. */
async function act(center: CenterUnderTest, type: CommandType, caller: Caller, payload: unknown): Promise<HttpAnswer> {
  const res = await sendCommand(type, caller, payload, center);
  expect(res.status, `${type} by ${caller.actor?.id}: ${JSON.stringify(res.body)}`).toBe(200);
  center.snapshot = drive(center.snapshot, { commandId: res.body.commandId, actor: caller.actor!, type, payload } as never, res.body.at).snapshot;
  expect(res.body.state).toBe(stateName(center.snapshot));
  return res;
}

const expertOf = (c: Caller): Expert => ({ id: c.user!.id, name: c.user!.name, orgId: c.user!.orgId! });

describe('SPEC §3a, the authorisation matrix through HTTP', () => {
  const extraExperts: Caller[] = [];

  beforeAll(async () => {
    const add = async (who: Reader, role: Parameters<typeof api.user>[0], opts: Parameters<typeof api.user>[1] = {}) => {
      const made = await api.user(role, { id: `matrix-${who}`, ...opts });
      const actor: Actor = made.user.orgId ? { id: made.user.id, role, orgId: made.user.orgId } : { id: made.user.id, role };
      callers[who] = { token: made.token, actor, user: made.user };
      return made;
    };
    callers.anonymous = {};
    await add('commission', 'commission', { admin: true });
    await add('commission-member', 'commission');
    await add('bjut', 'university', { orgId: 'bjut' });
    await add('pku', 'university', { orgId: 'pku' });
    await add('assigned-expert', 'expert', { orgId: 'tsinghua' });
    await add('unassigned-expert', 'expert', { orgId: 'ruc' });
    await add('scheduler', 'scheduler');
    await add('auditor', 'auditor');
    for (const i of [2, 3, 4]) {
      const made = await api.user('expert', { id: `matrix-expert-${i}`, orgId: 'tsinghua' });
      extraExperts.push({ token: made.token, user: made.user, actor: { id: made.user.id, role: 'expert', orgId: 'tsinghua' } });
    }

    // The bad credentials all belong to commission users: without the authentication check, they would act.
    const past = createIdentities(api.h.knex, { tokenDays: 1, sessionHours: 12, now: () => new Date(now - 2 * DAY) });
    const expired = await past.addUser({ id: 'matrix-expired', name: 'Expired token', role: 'commission', admin: true, tokenDays: 1 });
    expect(Date.parse(expired.token.expiresAt)).toBeLessThan(Date.now());
    callers.expired = { token: expired.token.token };
    const revoked = await api.user('commission', { id: 'matrix-revoked', admin: true });
    await api.identities.revokeToken(revoked.issued.tokenId);
    callers.revoked = { token: revoked.token };
    const disabled = await api.user('commission', { id: 'matrix-disabled', admin: true });
    await api.identities.setStatus(disabled.user.id, 'disabled');
    callers.disabled = { token: disabled.token };

    for (const [callId, quota] of [[CALL, 2], [SPARE_CALL, 1]] as const) {
      const res = await api.http('POST', '/api/v1/calls', { token: callers.commission.token, body: callInfo(now, { callId, quota }) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }

    const assigned = expertOf(callers['assigned-expert']);
    const [e2, e3, e4] = extraExperts.map(expertOf);
    for (const [universityId, panel] of [['bjut', [assigned, e2, e3]], ['pku', [assigned, e2, e4]]] as const) {
      const center: CenterUnderTest = {
        universityId,
        centerId: centerIdFor(universityId, CALL),
        workflowId: centerWorkflowId(universityId),
        panel: [...panel],
        snapshot: start({ policy: api.h.ops.policy, centerId: centerIdFor(universityId, CALL), workflowId: centerWorkflowId(universityId), universityId, call: await callView(CALL) }),
      };
      centers[universityId] = center;
      const ctx = { now, universityId, panel: center.panel };
      await act(center, 'SUBMIT_APPLICATION', callers[universityId], SAMPLES.SUBMIT_APPLICATION(ctx));
      await act(center, 'ASSIGN_EXPERTS', callers.commission, { experts: center.panel });
    }
    // bjut's panel reviews and the commission approves: established.
    for (const expert of [callers['assigned-expert'], extraExperts[0], extraExperts[1]]) {
      await act(centers.bjut, 'SUBMIT_REVIEW', expert, { review: { score: 90, recommendation: 'approve', opinion: 'Good' } });
    }
    await act(centers.bjut, 'APPROVE', callers.commission, SAMPLES.APPROVE({ now, universityId: 'bjut', panel: [] }));
    expect(stateName(centers.bjut.snapshot)).toBe('building.running');
    expect(stateName(centers.pku.snapshot)).toBe('application.inReview');
  }, 120_000);

  it('every command of the table has a valid sample payload', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...ALL_COMMAND_TYPES].sort());
    for (const type of ALL_COMMAND_TYPES) {
      const payload = SAMPLES[type]({ now, universityId: 'bjut', panel: centers.bjut.panel });
      const parsed = COMMAND_TABLE[type].payload.safeParse(payload);
      expect(parsed.success, `${type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('every command × every caller: the exact answer, and nothing written by a refusal', async () => {
    const succeeded: string[] = [];
    let requests = 0;
    const centerTypes = ALL_COMMAND_TYPES.filter((t) => COMMAND_TABLE[t].host === 'center') as CommandType[];
    const plan: [AnyCommandType, CenterUnderTest | null][] = [
      ...ALL_COMMAND_TYPES.filter((t) => COMMAND_TABLE[t].host === 'call').map((t) => [t, null] as [AnyCommandType, null]),
      ...ALL_COMMAND_TYPES.filter((t) => COMMAND_TABLE[t].host === 'round').map((t) => [t, null] as [AnyCommandType, null]),
      ...centerTypes.map((t) => [t, centers.bjut] as [AnyCommandType, CenterUnderTest]),
      ...centerTypes.map((t) => [t, centers.pku] as [AnyCommandType, CenterUnderTest]),
    ];

    for (const [type, center] of plan) {
      const def: CommandDef = COMMAND_TABLE[type];
      const payload = SAMPLES[type]({ now, universityId: center?.universityId ?? 'bjut', panel: center?.panel ?? [] });
      const where = center ? `${type} on ${center.centerId}` : `${type} (${def.host})`;
      /** The rightful caller: the role the table lists, the center's own university, the expert it assigned. */
      const rightful = (who: Who): boolean => {
        const actor = callers[who].actor;
        if (!actor || !def.roles.includes(actor.role)) return false;
        // A round's commands are the commission's to drive here (a university's and an expert's answers are checked too).
        if (def.host === 'round') return actor.role === 'commission';
        if (actor.role === 'university') return actor.orgId === center?.universityId;
        if (actor.role === 'expert') return who === 'assigned-expert';
        return true;
      };
      const order = [...CALLERS.filter((w) => !rightful(w)), ...CALLERS.filter(rightful)];
      expect(CALLERS.filter(rightful), `${where}: exactly one rightful caller`).toHaveLength(1);

      if (type === 'OPEN_ROUND') {
        const absent = await api.http('GET', `/api/v1/funding-rounds/${ROUND}`, { token: callers.commission.token });
        expectProblem(absent, 'not-found', 'the round to be opened does not exist yet');
      }
      if (type === 'OPEN_CALL') {
        const absent = await api.http('GET', `/api/v1/calls/${OPENED_CALL}`, { token: callers.commission.token });
        expectProblem(absent, 'not-found', 'the call to be opened does not exist yet');
      }
      const before = await trace();
      for (const who of order) {
        const actor = callers[who].actor;
        // What the caller must hear.
        let expected: 'ok' | string;
        if (isUnauthenticated(who)) expected = 'unauthenticated';
        else if (!def.roles.includes(actor!.role)) expected = 'forbidden-role';
        else if (def.host === 'round') expected = await roundAnswer(type, actor!, payload);
        else if (actor!.role === 'university' && actor!.orgId !== center!.universityId) expected = 'wrong-organisation';
        else if (who === 'unassigned-expert') expected = handledEventTypes(center!.snapshot).has(type) ? 'not-assigned' : 'not-allowed-in-state';
        else if (type === 'OPEN_CALL') expected = 'ok';
        else if (def.host === 'call') {
          const status = (await api.http('GET', `/api/v1/calls/${SPARE_CALL}`, { token: callers.commission.token })).body;
          const check = checkCallCommand(status, { commandId: 'matrix-pure-check', actor, type, payload });
          expected = check.ok ? 'ok' : check.refusal.reason;
        } else expected = await pureAnswer(center!, type as CommandType, actor!, payload);

        // The refusals named above by the rules of §3a are the pure check's too (the same order of checks).
        if (!isUnauthenticated(who) && !rightful(who) && center) {
          expect(await pureAnswer(center, type as CommandType, actor!, payload), `${where} by ${who}: the pure check`).toBe(expected);
        }

        if (expected === 'ok') {
          // Everything refused before it wrote nothing.
          expect(await trace(), `${where}: the refusals before the rightful caller's request wrote nothing`).toEqual(before);
        }
        const res = await sendCommand(type, callers[who], payload, center);
        requests += 1;
        if (expected === 'ok') {
          expect(res.status, `${where} by ${who}: ${JSON.stringify(res.body)}`).toBe(200);
          succeeded.push(`${where}`);
          if (type === 'OPEN_CALL') {
            // The new call's workflow records its opening by an activity after the answer: wait for the row, so that
            // the next command's "the refusals wrote nothing" does not meet this call's row arriving late.
            await expect.poll(async () => (await api.h.knex(TableName.CallEvents).where({ callId: OPENED_CALL, kind: 'opened' })).length).toBe(1);
          }
          if (center) {
            center.snapshot = drive(center.snapshot, { commandId: res.body.commandId, actor: actor!, type, payload } as never, res.body.at).snapshot;
            expect(res.body).toMatchObject({ type, state: stateName(center.snapshot), duplicate: false });
          }
        } else {
          expectProblem(res, expected, `${where} by ${who}`);
          if (expected !== 'unauthenticated') expect(REFUSAL_REASONS as readonly string[], `${where} by ${who}`).toContain(expected);
        }
      }
      if (!succeeded.includes(where)) expect(await trace(), `${where}: every refusal wrote nothing`).toEqual(before);
    }

    expect(requests).toBe(plan.length * CALLERS.length);
    // What the rightful callers could do in these two states (the rest was refused with the state's reason).
    expect(succeeded).toEqual([
      'OPEN_CALL (call)',
      'RAISE_QUOTA (call)',
      'CLOSE_EARLY (call)',
      'OPEN_ROUND (round)',
      'REQUEST_FUNDING on bjut.call-matrix',
      'GRANT_FUNDING on bjut.call-matrix',
      'RECORD_RESULT on bjut.call-matrix',
      'RECORD_TRANSFER on bjut.call-matrix',
      'RECORD_SPENDING on bjut.call-matrix',
      'RECORD_INTEGRITY_INCIDENT on bjut.call-matrix',
      'RECORD_DIRECTOR_CHANGE on bjut.call-matrix',
      'RECORD_STAFF_CHANGE on bjut.call-matrix',
      'SUBMIT_REVIEW on pku.call-matrix',
      'RECORD_INTEGRITY_INCIDENT on pku.call-matrix',
      'RECORD_DIRECTOR_CHANGE on pku.call-matrix',
      'RECORD_STAFF_CHANGE on pku.call-matrix',
    ]);
  }, 240_000);

  it('every read × every caller: 200 or the exact reason (scopes state, dossier, accounts)', async () => {
    type Scope = 'state' | 'dossier' | 'accounts';
    const CENTER_READS: [string, Scope][] = [
      ['', 'state'],
      ['/applications', 'dossier'],
      ['/summaries', 'dossier'],
      ['/evaluations', 'dossier'],
      ['/incidents', 'dossier'],
      ['/rectifications', 'dossier'],
      ['/organisation', 'dossier'],
      ['/reserve', 'dossier'],
      ['/funding', 'accounts'],
      ['/accounts', 'accounts'],
      ['/audit', 'accounts'],
      ['/timeline', 'accounts'],
      ['/reconcile', 'accounts'],
    ];
    const assignedTo = (who: Reader, center: CenterUnderTest) => center.panel.some((e) => e.id === callers[who].user?.id);
    const everything = (who: Reader) => who === 'commission' || who === 'commission-member' || who === 'auditor';
    const roleOf = (who: Reader) => callers[who].actor?.role;
    let reads = 0;

    const ask = async (path: string, who: Reader, expected: 'ok' | string): Promise<HttpAnswer> => {
      const res = await api.http('GET', `/api/v1${path}`, { token: callers[who].token });
      reads += 1;
      if (expected === 'ok') expect(res.status, `GET ${path} by ${who}: ${JSON.stringify(res.body)}`).toBe(200);
      else expectProblem(res, expected, `GET ${path} by ${who}`);
      return res;
    };

    for (const center of [centers.bjut, centers.pku]) {
      for (const [suffix, scope] of CENTER_READS) {
        for (const who of READERS) {
          let expected: 'ok' | string;
          if (isUnauthenticated(who)) expected = 'unauthenticated';
          else if (everything(who)) expected = 'ok';
          else if (roleOf(who) === 'scheduler') expected = scope === 'state' ? 'ok' : 'forbidden-role';
          else if (roleOf(who) === 'university') expected = callers[who].actor!.orgId === center.universityId ? 'ok' : 'wrong-organisation';
          else expected = scope === 'accounts' ? 'forbidden-role' : assignedTo(who, center) ? 'ok' : 'not-assigned';
          const res = await ask(`/centers/${center.centerId}${suffix}`, who, expected);
          if (expected === 'ok') expect(res.body.centerId, `GET ${suffix} by ${who}`).toBe(center.centerId);
          if (expected === 'ok' && suffix === '') {
            // The commands the caller may send now: every role's for those who oversee, the caller's own otherwise.
            expect(Object.keys(res.body.allowedCommands).sort()).toEqual(everything(who) ? ['auditor', 'commission', 'expert', 'scheduler', 'university'] : [roleOf(who)]);
          }
        }
      }
    }

    const allCenters = [centers.bjut.centerId, centers.pku.centerId];
    const visible: Record<Reader, string[]> = {
      anonymous: [],
      expired: [],
      revoked: [],
      disabled: [],
      commission: allCenters,
      'commission-member': allCenters,
      auditor: allCenters,
      scheduler: allCenters,
      bjut: [centers.bjut.centerId],
      pku: [centers.pku.centerId],
      'assigned-expert': allCenters,
      'unassigned-expert': [],
    };
    for (const who of READERS) {
      const authenticated = !isUnauthenticated(who);
      const list = await ask('/centers', who, authenticated ? 'ok' : 'unauthenticated');
      if (authenticated) {
        expect(list.body.centers.map((c: { centerId: string }) => c.centerId).sort(), `GET /centers by ${who}`).toEqual(visible[who]);
        expect(list.body.total).toBe(visible[who].length);
      }
      await ask('/me', who, authenticated ? 'ok' : 'unauthenticated');
      await ask('/calls', who, authenticated ? 'ok' : 'unauthenticated');
      const call = await ask(`/calls/${CALL}`, who, authenticated ? 'ok' : 'unauthenticated');
      if (authenticated) {
        // Applicants: all of them for those who oversee, a university itself only, nobody for anyone else.
        const applicants = call.body.applicants.map((a: { centerId: string }) => a.centerId).sort();
        const own = roleOf(who) === 'university' ? allCenters.filter((c) => c.startsWith(`${callers[who].actor!.orgId}.`)) : [];
        expect(applicants, `GET /calls/${CALL} by ${who}`).toEqual(everything(who) ? allCenters : own);
        expect('events' in call.body, `call events for ${who}`).toBe(everything(who));
      }
      // The published notices are public: no token is needed (a bad one is still told it is bad).
      await ask('/notices', who, who === 'anonymous' || authenticated ? 'ok' : 'unauthenticated');
      await ask('/notifications', who, !authenticated ? 'unauthenticated' : everything(who) ? 'ok' : 'forbidden-role');
      await ask('/audit/reconcile', who, !authenticated ? 'unauthenticated' : everything(who) ? 'ok' : 'forbidden-role');
      // Op. 5(3): the monitoring report is the commission's and the auditors'.
      await ask('/reports/monitoring', who, !authenticated ? 'unauthenticated' : everything(who) ? 'ok' : 'forbidden-role');
      await ask('/users', who, !authenticated ? 'unauthenticated' : who === 'commission' ? 'ok' : 'forbidden-role');
    }
    expect(reads).toBe(READERS.length * (2 * CENTER_READS.length + 9));

    // The list follows each expert's own assignments: one assigned to pku only sees pku's center.
    const onlyPku = await api.http('GET', '/api/v1/centers', { token: extraExperts[2].token });
    expect(onlyPku.body.centers.map((c: { centerId: string }) => c.centerId)).toEqual([centers.pku.centerId]);
    // A university cannot list another's centers by asking for them.
    expectProblem(await api.http('GET', '/api/v1/centers?university=pku', { token: callers.bjut.token }), 'wrong-organisation', 'bjut listing pku');
  }, 120_000);

  it('idempotency: one Idempotency-Key, the same command; another user with the same key, another command', async () => {
    const payload = SAMPLES.RECORD_INTEGRITY_INCIDENT({ now, universityId: 'bjut', panel: [] });
    const headers = { 'idempotency-key': 'matrix-incident-0001' };
    const first = await sendCommand('RECORD_INTEGRITY_INCIDENT', callers.commission, payload, centers.bjut, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const before = await trace();
    const again = await sendCommand('RECORD_INTEGRITY_INCIDENT', callers.commission, payload, centers.bjut, headers);
    expect(again.status).toBe(200);
    expect({ commandId: again.body.commandId, seq: again.body.seq }).toEqual({ commandId: first.body.commandId, seq: first.body.seq });
    // The retry wrote nothing: no event in the history, no row.
    expect(await trace()).toEqual(before);

    const other = await sendCommand('RECORD_INTEGRITY_INCIDENT', callers['commission-member'], payload, centers.bjut, headers);
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.commandId).not.toBe(first.body.commandId);
    expect(other.body.seq).toBe(first.body.seq + 1);

    const rows = (await api.http('GET', `/api/v1/centers/${centers.bjut.centerId}/audit`, { token: callers.auditor.token })).body.rows as { commandId: string; actor: { id: string } }[];
    expect(rows.filter((r) => r.commandId === first.body.commandId).map((r) => r.actor.id)).toEqual([callers.commission.user!.id]);
    expect(rows.filter((r) => r.commandId === other.body.commandId).map((r) => r.actor.id)).toEqual([callers['commission-member'].user!.id]);
  });
});
