/**
 * One center's whole first cycle on the time-skipping test server with a real SQLite file (Art. 6, 13–19):
 * funding every year, summaries (one late), mid-term, acceptance, and cycle 2 by continue-as-new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCall, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { annualSummary, application, callInfo, cmd, commission, expertActor, experts, guidanceRequest, promotionRequest, reserveResult } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
const HOUR = 3600_000;
const centerId = 'bjut.call-cycle';

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
});
afterAll(async () => {
  await h?.teardown();
});

describe('Art. 6, 13–19: the five-year build cycle, end to end', () => {
  it('runs cycle 1 — funding every year, summaries (one late), mid-term, acceptance — into cycle 2 at tier A', async () => {
    const { uni, send, view, skipTo, anniversary, runEvaluation } = lifecycle(h, 'bjut');
    const call = callInfo(await h.env.currentTimeMs(), { callId: 'call-cycle' });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: application('bjut') }));
    const panel = experts('pku');
    await send(cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const e of panel) await send(cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 92, recommendation: 'approve', opinion: 'Excellent' } }));
    await send(cmd('APPROVE', commission, { reason: 'Best of the call' }));
    const established = await view();
    expect(established).toMatchObject({ state: 'building.running', cycle: 1 });
    const start = established.cycleStartAt!;
    const { runId: firstRunId } = await h.env.client.workflow.getHandle(centerWorkflowId('bjut')).describe();

    let lateSummaryChecked = false;
    for (let year = 1; year <= 5; year++) {
      // Art. 13–16: a funding request for the year's tasks, granted by the commission.
      // Art. 15: a guidance project transfers a result the center first adds to its reserve (Op. 4(4)).
      if (year % 2 === 0) await send(cmd('RECORD_RESULT', uni, { result: reserveResult(`p-y${year}`) }));
      const kind = year % 2 === 0 ? guidanceRequest(undefined, [`p-y${year}`]) : promotionRequest();
      await send(cmd('REQUEST_FUNDING', uni, { request: kind }));
      const requestId = `c1-y${year}-f1`;
      await send(cmd('GRANT_FUNDING', commission, { requestId, amountFen: kind.amountFen }));
      expect((await repos.ledger(centerId, { cycle: 1 })).map((l) => l.requestId)).toContain(requestId);

      // The year ends on its anniversary and its summary opens (Art. 18).
      const yearEnd = anniversary(start, year);
      const v = await skipTo(yearEnd + HOUR, (x) => x.yearsEnded === year);
      const summary = v.summaries.find((s) => s.cycle === 1 && s.year === year)!;
      expect(summary.status).toBe('open');

      if (year === 3) {
        // One summary late: reminded before its due date, flagged overdue at it and escalated.
        await skipTo(Date.parse(summary.dueAt) + HOUR, (x) => x.summaries.find((s) => s.year === 3)!.overdue);
        const notices = await repos.notifications({ centerId });
        expect(notices.filter((n) => n.subject.includes('year 3')).map((n) => [n.notice, n.recipientRole]).sort()).toEqual([
          ['escalation', 'commission'],
          ['overdue', 'university'],
          ['reminder', 'university'],
        ]);
        lateSummaryChecked = true;
      }
      if (year < 5) {
        await send(cmd('SUBMIT_SUMMARY', uni, { year, summary: annualSummary() }));
        await send(cmd('ACCEPT_SUMMARY', commission, { year }));
      }

      if (year === 2) {
        // Art. 18: the mid-term evaluation after two full years.
        expect((await view()).state).toBe('building.evaluation.selfEvaluation');
        const { result } = await runEvaluation(78);
        expect(result.state).toBe('building.running');
        expect((await repos.evaluations(centerId)).find((e) => e.evaluationId === 'c1-midTerm')).toMatchObject({ grade: 'qualified', score: 78 });
      }
    }
    expect(lateSummaryChecked).toBe(true);

    // Year 5 has ended: acceptance. Its summary is still open: a pending deadline that must survive continue-as-new.
    const before = await view();
    expect(before.state).toBe('building.evaluation.selfEvaluation');
    expect(before.evaluation?.kind).toBe('acceptance');
    const pendingSummaryDue = before.openDeadlines.find((d) => d.key === 'c1:summary5:due')!;
    expect(pendingSummaryDue).toBeDefined();

    const { result: accepted, command: assess } = await runEvaluation(95);
    expect(accepted.state).toBe('building.running');

    // Art. 19: excellent → next cycle at tier A, as a continue-as-new of the same workflow.
    const next = await skipTo(await h.env.currentTimeMs(), (x) => x.cycle === 2);
    expect(next).toMatchObject({ cycle: 2, tier: 'A', state: 'building.running', yearsEnded: 0 });
    const { runId } = await h.env.client.workflow.getHandle(centerWorkflowId('bjut')).describe();
    expect(runId).not.toBe(firstRunId);
    expect(next.openDeadlines.map((d) => d.key)).toEqual(expect.arrayContaining(['c1:summary5:due', 'c2:year1:end', 'c2:year5:end']));

    // A repeated command id is answered with its first result, across the continue-as-new.
    const again = await send(assess);
    expect(again).toMatchObject({ commandId: assess.commandId, seq: accepted.seq, state: accepted.state, duplicate: true });

    // The carried deadline still fires in the new run: the year-5 summary goes overdue.
    await skipTo(Date.parse(pendingSummaryDue.dueAt) + HOUR, (x) => x.summaries.some((s) => s.cycle === 1 && s.year === 5 && s.overdue));
    await send(cmd('SUBMIT_SUMMARY', uni, { cycle: 1, year: 5, summary: annualSummary() }));

    // The database: ledger, summaries, evaluations, cycles, read model and a gap-free audit log.
    expect(await repos.ledger(centerId, { cycle: 1 })).toHaveLength(5);
    // Op. 4(4), Art. 15: the results reserve — each granted guidance project's result under transfer, carried across
    // the continue-as-new (the next cycle's view still holds it).
    expect((await repos.reserveResults(centerId)).map((r) => [r.resultId, r.status, r.requestId])).toEqual([
      ['p-y2', 'underTransfer', 'c1-y2-f1'],
      ['p-y4', 'underTransfer', 'c1-y4-f1'],
    ]);
    expect((await view()).reserve.map((r) => r.status)).toEqual(['underTransfer', 'underTransfer']);
    expect((await repos.cycles(centerId)).map((c) => [c.cycle, c.tier])).toEqual([
      [1, null],
      [2, 'A'],
    ]);
    const summaries = await repos.summaries(centerId, { cycle: 1 });
    expect(summaries.map((s) => [s.year, s.status, s.overdue])).toEqual([
      [1, 'accepted', false],
      [2, 'accepted', false],
      [3, 'accepted', true],
      [4, 'accepted', false],
      [5, 'submitted', true],
    ]);
    expect((await repos.evaluations(centerId)).map((e) => [e.evaluationId, e.grade])).toEqual([
      ['c1-midTerm', 'qualified'],
      ['c1-acceptance', 'excellent'],
    ]);
    expect(await repos.getCenter(centerId)).toMatchObject({ state: 'building.running', cycle: 2, tier: 'A' });
    const audit = await repos.auditLog(centerId);
    expect(audit.map((a) => a.seq)).toEqual(audit.map((_, i) => i + 1));
    expect(audit.filter((a) => a.event === 'DEADLINE_REACHED').length).toBeGreaterThanOrEqual(5);
    expect(audit.find((a) => a.event === 'ASSESS' && a.cycle === 2)).toMatchObject({ fromState: 'building.evaluation.assessment', toState: 'building.running' });
  });
});
