/**
 * A whole lifecycle on PostgreSQL: the time-skipping Temporal server (years pass by skipping), the project's worker,
 * and a database on the run's PostgreSQL server. One center goes from the call through five funded years, summaries,
 * the mid-term and the acceptance into cycle 2 at tier A (Art. 6, 13–19); another is graded unqualified at its
 * mid-term, rectifies, fails the re-evaluation and has its support stopped (Art. 19). Then the ledger and the audit
 * log are read back from PostgreSQL, and `centers audit reconcile --all` — the real CLI, configured for that
 * database — finds every center clean.
 *
 * (A dev server cannot run five years in a test: its clock is the wall clock. The time-skipping server is a real
 * Temporal server whose clock jumps to the next timer when the workflows are idle.)
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCenter } from '../../client/audit';
import { main, type Io } from '../../client/cli';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { annualSummary, cmd, commission, guidanceRequest, promotionRequest, reserveResult } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { postgresEnabled } from '../helpers/postgres';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

const HOUR = 3600_000;
const TIMEOUT = 300_000;

let h: Harness;
let repos: ReturnType<typeof createRepositories>;

describe.skipIf(!postgresEnabled())('a whole lifecycle on PostgreSQL', { timeout: TIMEOUT }, () => {
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    h = await timeSkippingHarness(undefined, { dialect: 'pg' });
    repos = createRepositories(h.knex);
  }, TIMEOUT);
  afterAll(async () => {
    await h?.teardown();
  }, TIMEOUT);

  it('Art. 6, 13–19: a call, five funded years with summaries, mid-term, acceptance → cycle 2 at tier A', async () => {
    const c = lifecycle(h, 'bjtu');
    const centerId = 'bjtu.call-pg-a';
    const start = (await c.establish('call-pg-a')).cycleStartAt!;
    for (let year = 1; year <= 5; year++) {
      // Art. 15: a guidance project transfers a result of the center's reserve (Op. 4(4)), added first.
      if (year % 2 === 0) await c.send(cmd('RECORD_RESULT', c.uni, { result: reserveResult(`p-y${year}`) }));
      const request = year % 2 === 0 ? guidanceRequest(undefined, [`p-y${year}`]) : promotionRequest();
      await c.send(cmd('REQUEST_FUNDING', c.uni, { request }));
      await c.send(cmd('GRANT_FUNDING', commission, { requestId: `c1-y${year}-f1`, amountFen: request.amountFen }));
      await c.skipTo(c.anniversary(start, year) + HOUR, (v) => v.yearsEnded === year);
      if (year < 5) {
        await c.send(cmd('SUBMIT_SUMMARY', c.uni, { year, summary: annualSummary() }));
        await c.send(cmd('ACCEPT_SUMMARY', commission, { year }));
      }
      if (year === 2) expect((await c.evaluate(78)).state).toBe('building.running');
    }
    expect((await c.view()).evaluation?.kind).toBe('acceptance');
    expect((await c.evaluate(95)).state).toBe('building.running');
    const next = await c.skipTo(await h.env.currentTimeMs(), (v) => v.cycle === 2);
    expect(next).toMatchObject({ cycle: 2, tier: 'A', state: 'building.running' });
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c2-y1-f1', amountFen: promotionRequest().amountFen }));

    // The ledger, read back from PostgreSQL: one row per grant, amounts in fen as numbers (bigint), by cycle.
    const ledger = await repos.ledger(centerId);
    expect(ledger.map((l) => [l.cycle, l.requestId, l.amountFen])).toEqual([
      [1, 'c1-y1-f1', promotionRequest().amountFen],
      [1, 'c1-y2-f1', guidanceRequest().amountFen],
      [1, 'c1-y3-f1', promotionRequest().amountFen],
      [1, 'c1-y4-f1', guidanceRequest().amountFen],
      [1, 'c1-y5-f1', promotionRequest().amountFen],
      [2, 'c2-y1-f1', promotionRequest().amountFen],
    ]);
    expect((await repos.cycles(centerId)).map((x) => [x.cycle, x.tier])).toEqual([
      [1, null],
      [2, 'A'],
    ]);
    expect((await repos.evaluations(centerId)).map((e) => [e.evaluationId, e.grade])).toEqual([
      ['c1-midTerm', 'qualified'],
      ['c1-acceptance', 'excellent'],
    ]);
    expect((await repos.summaries(centerId, { cycle: 1 })).map((s) => [s.year, s.status])).toEqual([
      [1, 'accepted'],
      [2, 'accepted'],
      [3, 'accepted'],
      [4, 'accepted'],
      [5, 'open'],
    ]);
    // The audit log: gap-free, every transition of both runs, equal to the history (a clean reconciliation).
    const audit = await repos.auditLog(centerId);
    expect(audit.map((a) => a.seq)).toEqual(audit.map((_, i) => i + 1));
    const r = await reconcileCenter(h.env.client, repos, centerId);
    expect(r).toMatchObject({ runs: 2, clean: true, differences: [], matched: audit.length, error: null });
    expect(audit.at(-1)).toMatchObject({ cycle: 2, event: 'GRANT_FUNDING', actor: commission });
  });

  it('Art. 19: mid-term unqualified → public notice → rectification → re-evaluation unqualified → support stopped', async () => {
    const c = lifecycle(h, 'bucm');
    const centerId = 'bucm.call-pg-b';
    const start = (await c.establish('call-pg-b')).cycleStartAt!;
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen }));
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    expect((await c.evaluate(40, { reason: 'Weak on every task' })).state).toBe('building.rectification');
    await c.send(cmd('SUBMIT_RECTIFICATION', c.uni, { report: 'Some changes' }));
    expect((await c.evaluate(50, { reason: 'Still weak' })).state).toBe('supportStopped');

    const result = await h.env.client.workflow.getHandle(centerWorkflowId('bucm')).result();
    expect(result).toMatchObject({ state: 'supportStopped' });
    expect(result.reason).toMatch(/re-evaluation c1-reEvaluation-1 was graded unqualified: Still weak/);
    expect(await repos.getCenter(centerId)).toMatchObject({ state: 'supportStopped' });
    expect((await repos.notices({ centerId })).map((n) => [n.evaluationId, n.grade])).toEqual([
      ['c1-midTerm', 'unqualified'],
      ['c1-reEvaluation-1', 'unqualified'],
    ]);
    expect((await repos.rectifications(centerId)).map((x) => x.status)).toEqual(['failed']);
    // The grant made before the grade stays in the ledger; nothing was paid after it.
    expect((await repos.ledger(centerId)).map((l) => l.requestId)).toEqual(['c1-y1-f1']);
    expect((await repos.auditLog(centerId)).at(-1)).toMatchObject({ event: 'ASSESS', toState: 'supportStopped' });
  });

  it('`centers audit reconcile --all` on PostgreSQL: every center clean, exit 0', async () => {
    let stdout = '';
    let stderr = '';
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CENTERS_'))),
      CENTERS_TEMPORAL_ADDRESS: h.env.address,
      CENTERS_TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      CENTERS_TEMPORAL_TASK_QUEUE: h.taskQueue,
      CENTERS_DATABASE_CLIENT: 'pg',
      CENTERS_DATABASE_CONNECTION: h.db.database.connection!,
      CENTERS_API_URL: 'off',
    };
    const io: Io = { stdout: (t) => void (stdout += `${t}\n`), stderr: (t) => void (stderr += `${t}\n`), env };
    const code = await main(['audit', 'reconcile', '--all', '--json'], io);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ centers: 2, clean: 2, withDifferences: 0 });
    const byCenter = Object.fromEntries(report.results.map((x: { centerId: string; clean: boolean }) => [x.centerId, x.clean]));
    expect(byCenter).toEqual({ 'bjtu.call-pg-a': true, 'bucm.call-pg-b': true });
    expect(stderr).toMatch(/\[2\/2\] /);
    // The connection string (with its password) is never printed.
    expect(stdout + stderr).not.toContain(new URL(h.db.database.connection!).password || '\u0000');
  });
});
