/**
 * Spending and final accounts (Art. 16) end to end, on the time-skipping server with a real SQLite file: a grant with
 * its budget lines, spending recorded against them, an overspend refused with no trace, the year's end, final
 * accounts submitted, returned, corrected, submitted again and accepted; the database, `centers accounts show` (its
 * table and CSV) and the dossier reconcile agree with sums computed here, independently of the code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCenter } from '../../client/audit';
import { CommandRefusedError } from '../../client/operations-errors';
import { centerWorkflowId } from '../../contract';
import { createRepositories } from '../../db/repositories';
import { cmd, commission, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const UNIVERSITY = 'bjfu';
const CENTER = 'bjfu.call-spending';
const LINES = [
  { line: 'equipment', amountFen: 180_000_00 },
  { line: 'testing', amountFen: 120_000_00 },
  { line: 'travel', amountFen: 30_000_00 },
  { line: 'labour', amountFen: 170_000_00 },
] as const;
const GRANT = 500_000_00;

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-spending-'));
  env = harnessCliEnv(h);
}, 120_000);
afterAll(async () => {
  await h?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const centers = (...argv: string[]) => runCentersCli(env, ...argv);
const historyEventName = (t: unknown) => (typeof t === 'number' ? temporal.api.enums.v1.EventType[t] : t);
async function historyEventTypes(): Promise<string[]> {
  const history = await h.env.client.workflow.getHandle(centerWorkflowId(UNIVERSITY)).fetchHistory();
  return (history.events ?? []).map((e) => String(historyEventName(e.eventType)));
}
/** Today in Beijing (the date a spending may carry at the latest). */
const beijingToday = async () => new Date((await h.env.currentTimeMs()) + 8 * HOUR).toISOString().slice(0, 10);

describe('Art. 16: spending recorded against budget lines, and the final accounts at the year\'s end', { timeout: 180_000 }, () => {
  it('records spending, refuses an overspend with no trace, and takes the final accounts through return to acceptance — every sum as computed here', async () => {
    const c = lifecycle(h, UNIVERSITY);
    const start = (await c.establish('call-spending')).cycleStartAt!;
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest(GRANT) }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: [...LINES] }));
    expect((await repos.budgetLines(CENTER)).map((l) => [l.line, l.amountFen]).sort()).toEqual(LINES.map((l) => [l.line, l.amountFen]).sort());

    // Two months into the year, the spending of the year so far.
    await c.skipTo((await h.env.currentTimeMs()) + 60 * DAY, () => true);
    const on = await beijingToday();
    const spent: [string, number][] = [
      ['equipment', 150_000_00],
      ['equipment', 29_999_99],
      ['testing', 45_678_90],
      ['travel', 12_000_00],
      ['labour', 170_000_00],
    ];
    for (const [line, amountFen] of spent) {
      await c.send(cmd('RECORD_SPENDING', c.uni, { requestId: 'c1-y1-f1', line: line as 'equipment', amountFen, spentOn: on, description: `${line} invoice` }));
    }

    // Overspending a line is refused with its reason, and leaves no trace: not in the history, not in the database.
    const historyBefore = await historyEventTypes();
    const auditBefore = await repos.auditLog(CENTER);
    const over = c.send(cmd('RECORD_SPENDING', c.uni, { requestId: 'c1-y1-f1', line: 'travel', amountFen: 18_000_01, spentOn: on, description: 'One ticket too many' }));
    await expect(over).rejects.toBeInstanceOf(CommandRefusedError);
    await expect(over).rejects.toMatchObject({ reason: 'over-budget' });
    await expect(over).rejects.toThrow(/over its budget of 3000000 fen \(Art\. 16\); 1200000 fen are spent, at most 1800000 fen can still be spent on it/);
    const historyAfter = await historyEventTypes();
    expect(historyAfter.slice(0, historyBefore.length)).toEqual(historyBefore);
    expect(historyAfter.slice(historyBefore.length).every((t) => t.startsWith('EVENT_TYPE_WORKFLOW_TASK_'))).toBe(true);
    expect(await repos.auditLog(CENTER)).toEqual(auditBefore);
    expect(await repos.spending(CENTER)).toHaveLength(spent.length);

    // Before the year's end the final accounts are refused; after it, submitted.
    await expect(c.send(cmd('SUBMIT_FINAL_ACCOUNTS', c.uni, { requestId: 'c1-y1-f1' }))).rejects.toMatchObject({ reason: 'not-allowed-in-state' });
    await c.skipTo(c.anniversary(start, 1) + HOUR, (v) => v.yearsEnded === 1);
    await c.send(cmd('SUBMIT_FINAL_ACCOUNTS', c.uni, { requestId: 'c1-y1-f1', statement: 'Testing continues under next year\'s project' }));
    await c.send(cmd('RETURN_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1', reason: 'The travel line is missing the conference trip' }));
    expect((await repos.finalAccounts(CENTER))[0]).toMatchObject({ status: 'returned', reason: 'The travel line is missing the conference trip' });
    // Returned: corrected and submitted again, then accepted.
    const late = new Date(Date.parse(start) + 300 * DAY + 8 * HOUR).toISOString().slice(0, 10);
    spent.push(['travel', 6_500_00]);
    await c.send(cmd('RECORD_SPENDING', c.uni, { requestId: 'c1-y1-f1', line: 'travel', amountFen: 6_500_00, spentOn: late, description: 'Conference trip' }));
    await c.send(cmd('SUBMIT_FINAL_ACCOUNTS', c.uni, { requestId: 'c1-y1-f1' }));
    await c.send(cmd('ACCEPT_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1' }));
    await expect(c.send(cmd('RECORD_SPENDING', c.uni, { requestId: 'c1-y1-f1', line: 'testing', amountFen: 1, spentOn: late, description: 'After the accounts' }))).rejects.toMatchObject({
      reason: 'not-allowed-in-state',
    });

    // The sums, computed here from what was sent.
    const expectedLines = LINES.map((l) => {
      let spentFen = 0;
      for (const [line, fen] of spent) if (line === l.line) spentFen += fen;
      return { line: l.line, grantedFen: l.amountFen, spentFen, unspentFen: l.amountFen - spentFen };
    });
    let [grantedFen, spentFen] = [0, 0];
    for (const l of LINES) grantedFen += l.amountFen;
    for (const [, fen] of spent) spentFen += fen;
    const unspentFen = grantedFen - spentFen;
    expect([grantedFen, spentFen, unspentFen]).toEqual([GRANT, 414_178_89, 85_821_11]);

    const [accounts] = await repos.finalAccounts(CENTER);
    expect(accounts).toMatchObject({ requestId: 'c1-y1-f1', cycle: 1, year: 1, status: 'accepted', grantedFen, spentFen, unspentFen, decidedBy: commission.id, reason: null });
    expect(accounts.lines).toEqual(expectedLines);
    const money = await repos.centerAccounts(CENTER);
    expect(money).toMatchObject({ grantedFen, spentFen, unspentFen });
    expect(money.grants[0].lines).toEqual(expectedLines);

    // The CLI: the money as a table and as CSV; the CSV's lines add up to its totals.
    const csvFile = path.join(dir, 'accounts.csv');
    const shown = await centers('accounts', 'show', CENTER, '--csv', csvFile);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Money of ${CENTER} (Art. 16): granted ¥500,000.00 (50000000 fen), spent ¥414,178.89 (41417889 fen), unspent ¥85,821.11 (8582111 fen).`);
    expect(shown.stdout).toMatch(/c1-y1-f1\s+1\s+1\s+promotion\s+ALL\s+¥500,000\.00 \(50000000 fen\)\s+¥414,178\.89 \(41417889 fen\)\s+¥85,821\.11 \(8582111 fen\)\s+accepted/);
    const [header, ...rows] = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n').map((r) => r.split(','));
    expect(header).toEqual(['center', 'request', 'cycle', 'year', 'kind', 'line', 'granted_fen', 'spent_fen', 'unspent_fen', 'final_accounts']);
    const lineRows = rows.filter((r) => r[1] === 'c1-y1-f1' && r[5] !== 'ALL');
    expect(lineRows.map((r) => [r[5], Number(r[6]), Number(r[7]), Number(r[8]), r[9]])).toEqual(expectedLines.map((l) => [l.line, l.grantedFen, l.spentFen, l.unspentFen, 'accepted']));
    expect(rows.at(-1)).toEqual([CENTER, 'ALL', '', '', '', 'ALL', String(grantedFen), String(spentFen), String(unspentFen), '']);

    // The whole dossier — budget lines, spending and final accounts included — is what the history says.
    const r = await reconcileCenter(h.env.client, repos, CENTER);
    expect(r).toMatchObject({ clean: true, differences: [], error: null, dossier: { checked: true, tables: 23 } });
  });
});
