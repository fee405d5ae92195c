/**
 * Art. 19 on the time-skipping server: every branch of an unqualified grade, with notices, ledger and audit rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRefusedError } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { cmd, commission, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
});
afterAll(async () => {
  await h?.teardown();
});

describe('Art. 19: unqualified → notice, rectification, re-evaluation, stopped support', () => {
  it('mid-term unqualified → rectified → qualified → building continues to acceptance; grants refused while suspended', async () => {
    const c = lifecycle(h, 'ncut');
    const centerId = 'ncut.call-r1';
    const start = (await c.establish('call-r1')).cycleStartAt!;
    await c.skipTo(c.anniversary(start, 1) + HOUR, (v) => v.yearsEnded === 1);
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');

    const failed = await c.evaluate(45, { reason: 'IP management mechanism not running', rectificationDays: 90 });
    expect(failed.state).toBe('building.rectification');
    const notices = await repos.notices({ centerId });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ grade: 'unqualified', reasons: 'IP management mechanism not running' });
    // Issue 14 item 6: the published notice is sent to the university through the outbox, right after the transition.
    await expect
      .poll(async () => (await repos.notifications({ centerId })).filter((n) => n.notice === 'publicNotice').map((n) => ({ key: n.key, to: n.recipientRole, status: n.status })))
      .toEqual([{ key: `notice:${notices[0].noticeId}`, to: 'university', status: 'delivered' }]);
    const v = await c.view();
    expect(Date.parse(v.rectification!.dueAt) - Date.parse(notices[0].publishedAt)).toBe(90 * DAY);

    // Suspended: the open request is held and no grant can be made, nor a new request.
    expect(v.funding[0].status).toBe('held');
    const grant = c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y2-f1', amountFen: promotionRequest().amountFen }));
    await expect(grant).rejects.toBeInstanceOf(CommandRefusedError);
    await expect(grant).rejects.toMatchObject({ reason: 'suspended' });
    await expect(c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }))).rejects.toMatchObject({ reason: 'suspended' });
    expect(await repos.ledger(centerId)).toHaveLength(0);

    await c.send(cmd('SUBMIT_RECTIFICATION', c.uni, { report: 'IP office staffed; disclosure system running' }));
    const passed = await c.evaluate(72);
    expect(passed.state).toBe('building.running');
    expect((await c.view()).funding[0].status).toBe('pending');
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y2-f1', amountFen: promotionRequest().amountFen }));
    expect(await repos.ledger(centerId)).toHaveLength(1);

    // Building continues to the acceptance at the end of year 5.
    const acceptance = await c.skipTo(c.anniversary(start, 5) + HOUR, (x) => x.evaluation?.kind === 'acceptance');
    expect(acceptance.state).toBe('building.evaluation.selfEvaluation');
    expect((await repos.rectifications(centerId)).map((r) => r.status)).toEqual(['passed']);
  });

  it('acceptance unqualified → deadline missed → support stopped: final, funding cancelled, result says why and when', async () => {
    const c = lifecycle(h, 'bistu');
    const centerId = 'bistu.call-r2';
    const start = (await c.establish('call-r2')).cycleStartAt!;
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(80);
    await c.skipTo(c.anniversary(start, 4) + HOUR, (v) => v.yearsEnded === 4);
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.skipTo(c.anniversary(start, 5) + HOUR, (v) => v.evaluation?.kind === 'acceptance');
    await c.evaluate(30, { reason: 'No transfers in years 3 to 5' });
    const rect = (await c.view()).rectification!;

    const result = await h.env.client.workflow.getHandle(centerWorkflowId('bistu')).result();
    expect(result).toMatchObject({ state: 'supportStopped', at: expect.any(String) });
    expect(result.reason).toMatch(/rectification deadline .* passed with no rectification report/);
    expect(Date.parse(result.at)).toBeGreaterThanOrEqual(Date.parse(rect.dueAt));
    expect((await repos.fundingRequests(centerId)).map((f) => f.status)).toEqual(['cancelled']);
    expect((await repos.rectifications(centerId)).map((r) => r.status)).toEqual(['lapsed']);
    expect(await repos.getCenter(centerId)).toMatchObject({ state: 'supportStopped' });
    const last = (await repos.auditLog(centerId)).at(-1);
    expect(last).toMatchObject({ event: 'DEADLINE_REACHED', fromState: 'building.rectification', toState: 'supportStopped' });
  });

  it('re-evaluation unqualified → support stopped', async () => {
    const c = lifecycle(h, 'bucm');
    const centerId = 'bucm.call-r3';
    const start = (await c.establish('call-r3')).cycleStartAt!;
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(40, { reason: 'Weak on every task' });
    await c.send(cmd('SUBMIT_RECTIFICATION', c.uni, { report: 'Some changes' }));
    const stopped = await c.evaluate(50, { reason: 'Still weak' });
    expect(stopped.state).toBe('supportStopped');
    const result = await h.env.client.workflow.getHandle(centerWorkflowId('bucm')).result();
    expect(result.reason).toMatch(/re-evaluation c1-reEvaluation-1 was graded unqualified: Still weak/);
    expect((await repos.rectifications(centerId)).map((r) => r.status)).toEqual(['failed']);
    expect((await repos.notices({ centerId })).map((n) => n.evaluationId)).toEqual(['c1-midTerm', 'c1-reEvaluation-1']);
  });

  it('an extension moves the deadline; the old deadline passing has no effect', async () => {
    const c = lifecycle(h, 'cnu');
    const centerId = 'cnu.call-r4';
    const start = (await c.establish('call-r4')).cycleStartAt!;
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(40, { reason: 'Weak', rectificationDays: 30 });
    const first = (await c.view()).rectification!;
    await c.send(cmd('EXTEND_RECTIFICATION', commission, { days: 60, reason: 'On-site visit postponed by the commission' }));
    const extended = (await c.view()).rectification!;
    expect(Date.parse(extended.dueAt) - Date.parse(first.dueAt)).toBe(60 * DAY);
    // The policy allows one extension (default): a second is refused.
    await expect(c.send(cmd('EXTEND_RECTIFICATION', commission, { days: 10, reason: 'Once more please' }))).rejects.toMatchObject({ reason: 'not-allowed-in-state' });

    // Past the old deadline: still rectifying, the timer moved.
    const still = await c.skipTo(Date.parse(first.dueAt) + DAY, () => true);
    expect(still.state).toBe('building.rectification');
    expect(still.openDeadlines.find((d) => d.key === first.deadlineKey)?.dueAt).toBe(extended.dueAt);
    await c.send(cmd('SUBMIT_RECTIFICATION', c.uni, { report: 'Done within the extended deadline' }));
    expect((await c.view()).state).toBe('building.evaluation.selfEvaluation');
    const audit = await repos.auditLog(centerId);
    expect(audit.filter((a) => a.event === 'EXTEND_RECTIFICATION')).toHaveLength(1);
    expect((await repos.rectifications(centerId))[0]).toMatchObject({ status: 'reported', extensions: [expect.objectContaining({ reason: 'On-site visit postponed by the commission' })] });
  });
});
