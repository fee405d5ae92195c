/**
 * Issue 15 item 1, the whole dossier reconciled, on the time-skipping server with a real SQLite file: a center is
 * funded (Art. 16 ledger), graded unqualified at its mid-term (Art. 18 evaluation) and gets a public notice (Art. 19);
 * `reconcileCenter` finds every record table equal to what its history writes. Then the database is tampered with
 * directly — a ledger amount changed, the evaluation's grade edited, the notice (and the rectification that
 * references it) deleted — and each is named with its table, key, field and both values; the CLI exits 6.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCenter } from '../../client/audit';
import { createRepositories } from '../../db/repositories';
import { TableName } from '../../db/tables';
import { cmd, commission, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

const HOUR = 3600_000;
const UNIVERSITY = 'ncut';
const CENTER = 'ncut.call-dossier';
const GRANTED = promotionRequest().amountFen;

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
  env = harnessCliEnv(h);
}, 120_000);
afterAll(async () => {
  await h?.teardown();
});

const centers = (...argv: string[]) => runCentersCli(env, ...argv);

describe('issue 15 item 1: the whole dossier reconciled', { timeout: 120_000 }, () => {
  it('a funded center graded unqualified with a notice reconciles clean, every record table included', async () => {
    const c = lifecycle(h, UNIVERSITY);
    const start = (await c.establish('call-dossier')).cycleStartAt!;
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANTED }));
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    expect((await c.evaluate(45, { reason: 'IP management mechanism not running', rectificationDays: 90 })).state).toBe('building.rectification');

    // Art. 16, 18, 19: the rows the tampering below goes after exist.
    expect((await repos.ledger(CENTER)).map((l) => [l.requestId, l.amountFen])).toEqual([['c1-y1-f1', GRANTED]]);
    expect((await repos.evaluations(CENTER)).map((e) => [e.evaluationId, e.grade])).toEqual([['c1-midTerm', 'unqualified']]);
    expect(await repos.notices({ centerId: CENTER })).toHaveLength(1);

    const r = await reconcileCenter(h.env.client, repos, CENTER);
    expect(r).toMatchObject({ clean: true, differences: [], error: null, dossier: { checked: true, tables: 23 } });
    expect(r.dossier!.matched).toBe(r.dossier!.historyRows);
    expect(r.dossier!.databaseRows).toBe(r.dossier!.historyRows);
    expect(r.dossier!.historyRows).toBeGreaterThan(23);

    const cli = await centers('audit', 'reconcile', CENTER);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/— clean\./);
    expect(cli.stdout).toMatch(/Record tables \(23\): (\d+) rows by the history, \1 in the database, \1 matching\./);
  });

  it('names a changed ledger amount, an edited grade and a deleted notice with table, key, field and both values', async () => {
    const [notice] = await repos.notices({ centerId: CENTER });
    // Art. 16: the money changed; Art. 18: the grade edited; Art. 19: the notice deleted (its rectification first, as
    // the foreign key asks).
    await h.knex(TableName.FundingLedger).where({ center_id: CENTER, request_id: 'c1-y1-f1' }).update({ amount_fen: GRANTED + 1 });
    await h.knex(TableName.Evaluations).where({ center_id: CENTER, evaluation_id: 'c1-midTerm' }).update({ grade: 'qualified' });
    await h.knex(TableName.Rectifications).where({ center_id: CENTER, notice_id: notice.noticeId }).delete();
    await h.knex(TableName.Notices).where({ center_id: CENTER, notice_id: notice.noticeId }).delete();

    const r = await reconcileCenter(h.env.client, repos, CENTER);
    expect(r.clean).toBe(false);
    expect(r.error).toBeNull();
    // The audit rows are untouched: only the record tables differ.
    expect(r.differences.every((d) => d.seq === null)).toBe(true);
    expect(r.differences).toEqual([
      { kind: 'record', seq: null, table: 'funding_ledger', key: 'requestId=c1-y1-f1', field: 'amountFen', history: GRANTED, database: GRANTED + 1 },
      { kind: 'record', seq: null, table: 'evaluations', key: 'evaluationId=c1-midTerm', field: 'grade', history: 'unqualified', database: 'qualified' },
      expect.objectContaining({ kind: 'missingRecord', table: 'notices', key: `noticeId=${notice.noticeId}`, history: expect.objectContaining({ noticeId: notice.noticeId, grade: 'unqualified' }) }),
      expect.objectContaining({ kind: 'missingRecord', table: 'rectifications', key: `noticeId=${notice.noticeId}` }),
    ]);

    const cli = await centers('audit', 'reconcile', CENTER);
    expect(cli.code).toBe(6);
    expect(cli.stdout).toMatch(/4 differences/);
    expect(cli.stdout).toMatch(new RegExp(`altered\\s+funding_ledger\\s+requestId=c1-y1-f1\\s+amountFen\\s+${GRANTED}\\s+${GRANTED + 1}`));
    expect(cli.stdout).toMatch(/altered\s+evaluations\s+evaluationId=c1-midTerm\s+grade\s+"unqualified"\s+"qualified"/);
    expect(cli.stdout).toMatch(new RegExp(`missing\\s+notices\\s+noticeId=${notice.noticeId}\\s`));

    const json = await centers('audit', 'reconcile', CENTER, '--json');
    expect(json.code).toBe(6);
    const data = JSON.parse(json.stdout);
    expect(data.differences.map((d: { kind: string; table: string; field?: string }) => [d.kind, d.table, d.field ?? null])).toEqual([
      ['record', 'funding_ledger', 'amountFen'],
      ['record', 'evaluations', 'grade'],
      ['missingRecord', 'notices', null],
      ['missingRecord', 'rectifications', null],
    ]);
    expect(data.differences[0].description).toBe(`funding_ledger [requestId=c1-y1-f1] altered: amountFen is ${GRANTED + 1} in the database but ${GRANTED} in the history`);
  });
});
