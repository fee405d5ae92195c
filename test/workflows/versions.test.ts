/**
 * Issue 15 item 4 on a real dev server: centers started on version 1 of the statechart keep running it until they
 * move; `centers migrate plan` lists every running center and says which would move cleanly and which not (an
 * expert review under a policy that predates step deadlines) and why, writing nothing; `centers migrate apply` moves
 * the others, each move one audit row; the moved centers go on accepting commands; a center moves by itself at its
 * continue-as-new; the audit chain verifies and reconciles, and the histories from before and after each move replay.
 */
import { describe, expect, it } from 'vitest';
import { openCall, sendCenterCommand, submitApplication, CommandRefusedError, type OperationsContext } from '../../client/operations';
import { fetchCenterRuns, whatIfOfRuns } from '../../client/audit';
import { centerVersion, centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { defaultPolicy, type Policy } from '../../machines/policy';
import { callInfo, cmd, commission, expertActor, experts, promotionRequest, university, applicationAsOf } from '../helpers/fixtures';
import { useDevServer } from '../helpers/dev-server';

const TIMEOUT = 300_000;
// Low enough that the center sent a run of funding requests is told to continue-as-new, high enough that the others are not.
const h = useDevServer({ name: 'versions', dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 150 } }, TIMEOUT);

const { stepDeadlineDays: _omitted, ...older } = defaultPolicy;
/** The policy of centers started before step deadlines (Art. 9, 18, 19). */
const v1Policy = older as Policy;
const CALL = 'call-versions';
const center = (u: string) => `${u}.${CALL}`;
const PANEL = experts('pku');

/** A center started on version 1 (ops.machineVersion), up to its review: `reviews` of the panel's reviews in. */
async function startV1(ops: OperationsContext, u: string, reviews: number): Promise<void> {
  await submitApplication(ops, cmd('SUBMIT_APPLICATION', university(u), { callId: CALL, application: applicationAsOf(u, Date.now()) }));
  await sendCenterCommand(ops, u, cmd('ASSIGN_EXPERTS', commission, { experts: PANEL }));
  for (const e of PANEL.slice(0, reviews)) await review(ops, u, e);
}
const review = (ops: OperationsContext, u: string, e: (typeof PANEL)[number]) =>
  sendCenterCommand(ops, u, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 88, recommendation: 'approve', opinion: 'Sound' } }));
const version = (u: string) => h.client.workflow.getHandle(centerWorkflowId(u)).query(centerVersion);
/** `audit what-if` runs the recorded inputs again: a recorded move (a command, or the workflow's own) is made again, nothing refused. */
async function expectWhatIfTakesTheMove(centerId: string): Promise<void> {
  const { runs } = await fetchCenterRuns(h.client, centerId);
  const whatIf = whatIfOfRuns(runs, {});
  expect(whatIf.recorded.refused, centerId).toEqual([]);
  expect(whatIf.recorded.trace.filter((t) => t.event === 'MIGRATE_CENTER'), centerId).toHaveLength(1);
  expect(whatIf).toMatchObject({ faithful: true, changed: false });
}
const byCenter = (centers: { centerId: string; reason?: string }[]): Record<string, { reason?: string }> => Object.fromEntries(centers.map((c) => [c.centerId, c]));

describe('issue 15 item 4: statechart versions under running centers', { timeout: TIMEOUT }, () => {
  it('migrate plan lists who moves and who cannot (and why); apply moves the others; moved centers go on; histories replay', async () => {
    const repos = createRepositories(h.knex);
    await openCall(h.ops, callInfo(Date.now(), { callId: CALL, quota: 6 }), commission);
    const v1 = { ...h.ops, machineVersion: 1 };
    const v1Old = { ...v1, policy: v1Policy };
    // bnu: v1, established. cufe: v1 under the old policy, established. buct: v1 under the old policy, in review. uibe: v2.
    for (const [ops, u] of [[v1, 'bnu'], [v1Old, 'cufe']] as const) {
      await startV1(ops, u, PANEL.length);
      await sendCenterCommand(ops, u, cmd('APPROVE', commission, {}));
    }
    await startV1(v1Old, 'buct', 1);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university('uibe'), { callId: CALL, application: applicationAsOf('uibe', Date.now()) }));
    expect((await version('bnu')).version).toBe(1);
    expect((await version('uibe')).version).toBe(2);

    const audit = async () => Object.fromEntries(await Promise.all(['bnu', 'cufe', 'buct', 'uibe'].map(async (u) => [u, (await repos.auditLog(center(u))).length] as const)));
    const before = await audit();

    // The plan: a dry run over every running center.
    const plan = await h.cli(['migrate', 'plan', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = byCenter(plan.json.centers);
    expect(planned[center('bnu')]).toMatchObject({ state: 'building.running', version: 1, to: 2, outcome: 'moves' });
    expect(planned[center('cufe')]).toMatchObject({ version: 1, to: 2, outcome: 'moves' });
    expect(planned[center('buct')]).toMatchObject({ state: 'application.inReview', version: 1, to: 2, outcome: 'cannot-move' });
    expect(planned[center('buct')].reason).toMatch(/expert review of the application is under way \(.*\) and its experts were asked on no deadline/);
    expect(planned[center('uibe')]).toMatchObject({ version: 2, outcome: 'current' });
    expect(plan.json.counts).toMatchObject({ moves: 2, 'cannot-move': 1, current: 1, unknown: 0 });
    const text = await h.cli(['migrate', 'plan']);
    expect(text.stdout).toMatch(/buct\.call-versions +application\.inReview +1 +2 +cannot move \(why: below\)/);
    expect(text.stdout).toMatch(/Why not\n+ *buct\.call-versions: cannot move: an expert review of the application is under way .* move it once the reviews are in/);
    expect(text.stdout).toContain('Nothing was written');
    expect(await audit()).toEqual(before);

    // The commission's own command is refused with the check's reason, and leaves no trace.
    const historyLength = async (u: string) => (await h.client.workflow.getHandle(centerWorkflowId(u)).fetchHistory()).events!.length;
    const eventsBefore = await historyLength('buct');
    const refused = await sendCenterCommand(h.ops, 'buct', cmd('MIGRATE_CENTER', commission, { toVersion: 2 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommandRefusedError);
    expect(refused).toMatchObject({ reason: 'not-allowed-in-state', message: expect.stringMatching(/cannot move from version 1 to 2: an expert review/) });
    const byCli = await h.cli(['migrate', 'center', 'buct', '--to-version', '2']);
    expect(byCli.code).toBe(3);
    expect(byCli.stderr).toMatch(/Refused \(not-allowed-in-state\): The center cannot move from version 1 to 2: an expert review/);
    expect(await historyLength('buct')).toBe(eventsBefore);

    // Apply: the two that can move, each an audit row; buct is reported, with why (exit 3).
    const applied = await h.cli(['migrate', 'apply', '--json']);
    expect(applied.code, applied.stderr).toBe(3);
    expect(applied.stderr).toMatch(/bnu\.call-versions: moved from version 1 to 2/);
    const result = byCenter(applied.json.centers);
    expect(result[center('bnu')]).toMatchObject({ outcome: 'moved', seq: before.bnu + 1 });
    expect(result[center('cufe')]).toMatchObject({ outcome: 'moved', seq: before.cufe + 1 });
    expect(result[center('buct')]).toMatchObject({ outcome: 'cannot-move' });
    expect(applied.json.counts).toMatchObject({ moved: 2, 'cannot-move': 1, refused: 0, current: 1 });
    for (const u of ['bnu', 'cufe']) {
      const last = (await repos.auditLog(center(u))).at(-1)!;
      expect(last).toMatchObject({ event: 'MIGRATE_CENTER', fromState: 'building.running', toState: 'building.running', actor: { role: 'commission' } });
      expect((await version(u)).version).toBe(2);
    }
    expect(await audit()).toEqual({ ...before, bnu: before.bnu + 1, cufe: before.cufe + 1 });

    // The moved centers go on: cufe's policy now has step deadlines; both take a funding request.
    for (const u of ['bnu', 'cufe']) {
      const r = await sendCenterCommand(h.ops, u, cmd('REQUEST_FUNDING', university(u), { request: promotionRequest() }));
      expect(r).toMatchObject({ type: 'REQUEST_FUNDING', state: 'building.running', seq: before[u] + 2 });
    }

    // Once buct's reviews are in it can move; apply again moves it alone (nothing moves twice), and exits 0.
    for (const e of PANEL.slice(1)) await review(v1Old, 'buct', e);
    const again = await h.cli(['migrate', 'apply', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.counts).toMatchObject({ moved: 1, 'cannot-move': 0, current: 3 });
    expect(byCenter(again.json.centers)[center('buct')]).toMatchObject({ outcome: 'moved', version: 1, to: 2 });

    // The chain verifies, the history reconciles with the rows, and every run (before and after the moves) replays.
    expect((await h.cli(['audit', 'verify', '--all'])).code).toBe(0);
    for (const u of ['bnu', 'cufe', 'buct']) {
      const reconciled = await h.cli(['audit', 'reconcile', center(u)]);
      expect(reconciled.code, reconciled.stdout + reconciled.stderr).toBe(0);
      const replayed = await h.cli(['audit', 'replay', center(u), '--json']);
      expect(replayed.code, replayed.stderr).toBe(0);
      expect(replayed.json).toMatchObject({ deterministic: true });
      expect(replayed.json.timeline.map((e: { event: string }) => e.event)).toContain('MIGRATE_CENTER');
      await expectWhatIfTakesTheMove(center(u));
    }
  });

  it('a version-1 center moves by itself at its continue-as-new; both runs replay', async () => {
    const repos = createRepositories(h.knex);
    const v1 = { ...h.ops, machineVersion: 1 };
    await startV1(v1, 'bfsu', PANEL.length);
    await sendCenterCommand(v1, 'bfsu', cmd('APPROVE', commission, {}));
    const handle = h.client.workflow.getHandle(centerWorkflowId('bfsu'));
    const { runId: firstRun } = await handle.describe();
    expect((await version('bfsu')).version).toBe(1);
    // Funding requests until the server suggests a continue-as-new.
    let n = 0;
    while ((await handle.describe()).runId === firstRun && n < 40) {
      await sendCenterCommand(h.ops, 'bfsu', cmd('REQUEST_FUNDING', university('bfsu'), { request: promotionRequest() }));
      n += 1;
    }
    expect(n).toBeLessThan(40);
    expect(await version('bfsu')).toMatchObject({ version: 2, move: null });
    const rows = await repos.auditLog(center('bfsu'));
    const moves = rows.filter((r) => r.event === 'MIGRATE_CENTER');
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ fromState: 'building.running', toState: 'building.running', actor: { id: 'workflow-migration', role: 'scheduler' } });
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    // The new run takes commands on version 2.
    const next = await sendCenterCommand(h.ops, 'bfsu', cmd('REQUEST_FUNDING', university('bfsu'), { request: promotionRequest() }));
    expect(next.seq).toBe(rows.length + 1);

    const replayed = await h.cli(['audit', 'replay', center('bfsu'), '--json']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.json).toMatchObject({ deterministic: true });
    expect(replayed.json.runs.length).toBeGreaterThanOrEqual(2);
    expect((await h.cli(['audit', 'reconcile', center('bfsu')])).code).toBe(0);
    await expectWhatIfTakesTheMove(center('bfsu'));
  });
});
