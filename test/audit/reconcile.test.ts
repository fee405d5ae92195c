/**
 * SPEC §1 "auditors", §3 "Audit", §4 "Auditors" on the time-skipping server with a real SQLite file: given only a
 * center's id, an auditor gets its whole timeline (across continue-as-new) and a clean reconciliation with the
 * audit rows; a tampered, a deleted and an inserted row are each named; the CLI exits 6 on any difference.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCenter, verifyChain, type TimelineEntry } from '../../client/audit';
import { GENESIS } from '../../db/audit-chain';
import { createRepositories } from '../../db/repositories';
import { TableName } from '../../db/tables';
import { cmd, commission, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let repos: ReturnType<typeof createRepositories>;
let env: NodeJS.ProcessEnv;
const HOUR = 3600_000;
const UNIVERSITY = 'bjtu';
const CENTER = 'bjtu.call-audit';

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  h = await timeSkippingHarness();
  repos = createRepositories(h.knex);
  env = harnessCliEnv(h);
});
afterAll(async () => {
  await h?.teardown();
});

/** Runs the real CLI in this process (the server and database are the harness's). */
const centers = (...argv: string[]) => runCentersCli(env, ...argv);

/** The CLI with some settings changed. */
async function centersWith(over: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = env;
  env = { ...env, ...over };
  try {
    return await centers(...argv);
  } finally {
    env = saved;
  }
}

/** The audit fields of a timeline entry, as the database holds them. */
const auditOf = ({ runId: _r, eventId: _e, persisted: _p, ...row }: TimelineEntry) => row;

describe('SPEC §4 Auditors: given only a center id', () => {
  it('gets the whole timeline across continue-as-new, equal to the audit rows: a clean reconciliation', async () => {
    const c = lifecycle(h, UNIVERSITY);
    const start = (await c.establish('call-audit')).cycleStartAt!;
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen }));
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(80);
    await c.skipTo(c.anniversary(start, 5) + HOUR, (v) => v.evaluation?.kind === 'acceptance');
    await c.evaluate(95);
    await c.skipTo(await h.env.currentTimeMs(), (v) => v.cycle === 2);
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));

    const r = await reconcileCenter(h.env.client, repos, CENTER);
    expect(r.history!.runs).toHaveLength(2);
    expect(r).toMatchObject({ centerId: CENTER, workflowId: 'center-bjtu', runs: 2, clean: true, differences: [], error: null });
    const rows = await repos.auditLog(CENTER);
    expect(r.history!.timeline.map(auditOf)).toEqual(rows.map(({ id: _id, ...row }) => row));
    expect(r.matched).toBe(rows.length);
    // Every kind of actor appears, timers included; the last transition is in the second run (cycle 2).
    expect(new Set(r.history!.timeline.map((e) => e.actor.role))).toEqual(new Set(['university', 'commission', 'expert', 'scheduler']));
    expect(r.history!.timeline.at(-1)).toMatchObject({ cycle: 2, event: 'REQUEST_FUNDING', runId: r.history!.runs[1].runId });
  });

  it('the CLI prints the timeline of every run, deterministic, and a clean reconciliation (exit 0)', async () => {
    const replay = await centers('audit', 'replay', UNIVERSITY, '--json');
    expect(replay.code, replay.stderr).toBe(0);
    const data = JSON.parse(replay.stdout);
    expect(data).toMatchObject({ source: 'temporal', centerId: CENTER, workflowId: 'center-bjtu', deterministic: true });
    expect(data.runs.map((r: { status: string; replay: { ok: boolean } }) => [r.status, r.replay.ok])).toEqual([
      ['continuedAsNew', true],
      ['running', true],
    ]);
    expect(data.timeline).toHaveLength((await repos.auditLog(CENTER)).length);

    const text = await centers('audit', 'replay', CENTER);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2 runs, \d+ transitions — deterministic/);
    expect(text.stdout).toMatch(/SEQ\s+CYCLE\s+TIME\s+ACTOR\s+EVENT\s+FROM → TO\s+COMMAND\s+RUN/);
    expect(text.stdout).toMatch(/commission:operator-1\s+APPROVE\s+application\.awaitingDecision → building\.running\s+cmd-/);
    expect(text.stdout).toMatch(/scheduler:workflow-timer\s+DEADLINE_REACHED/);

    const clean = await centers('audit', 'reconcile', CENTER);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/— clean\./);
  });

  it('issue 15 item 2: the audit rows form one hash chain across both cycles and the continue-as-new; `audit verify` says intact (exit 0)', async () => {
    const chain = await repos.auditChain(CENTER);
    expect(chain.length).toBeGreaterThan(10);
    expect(new Set(chain.map((r) => r.cycle))).toEqual(new Set([0, 1, 2]));
    expect(chain[0].prevHash).toBe(GENESIS);
    chain.slice(1).forEach((r, i) => expect(r.prevHash).toBe(chain[i].hash));
    expect(verifyChain(CENTER, chain, (await repos.getCenter(CENTER))!.lastSeq)).toMatchObject({ clean: true, broken: null, lastSeq: chain.at(-1)!.seq, expectedLastSeq: chain.at(-1)!.seq });
    // From the database alone: no Temporal address at all.
    const verify = await centersWith({ CENTERS_TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'audit', 'verify', '--all');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/1 intact, 0 broken/);
    expect(verify.stdout).toMatch(new RegExp(`${CENTER.replace('.', '\\.')}\\s+${chain.length}\\s+${chain.at(-1)!.seq}\\s+${chain.at(-1)!.seq}\\s+intact`));
  });

  it('names an altered row with each field and both values, a deleted row as missing, an inserted row as extra', async () => {
    const rows = await repos.auditLog(CENTER);
    const [second, fourth] = [rows[1], rows[3]];
    await h.knex(TableName.AuditLog).where({ center_id: CENTER, seq: 2 }).update({ to_state: 'application.awaitingDecision', actor_id: 'someone-else' });
    await h.knex(TableName.AuditLog).where({ center_id: CENTER, seq: 4 }).delete();
    await h.knex(TableName.AuditLog).insert({
      center_id: CENTER,
      cycle: 1,
      seq: 999,
      from_state: 'building.running',
      event: 'GRANT_FUNDING',
      to_state: 'building.running',
      actor_id: 'operator-1',
      actor_role: 'commission',
      actor_org_id: null,
      command_id: 'cmd-forged-grant',
      at: second.at,
    });

    const r = await reconcileCenter(h.env.client, repos, CENTER);
    expect(r.clean).toBe(false);
    expect(r.differences.map((d) => [d.kind, d.seq])).toEqual([
      ['altered', 2],
      ['missing', 4],
      ['extra', 999],
    ]);
    expect(r.differences[0]).toMatchObject({
      fields: [
        { field: 'toState', history: second.toState, database: 'application.awaitingDecision' },
        { field: 'actor', history: 'commission:operator-1', database: 'commission:someone-else' },
      ],
    });
    expect(r.differences[1]).toMatchObject({ history: { seq: 4, event: fourth.event, commandId: fourth.commandId } });
    expect(r.differences[2]).toMatchObject({ database: { seq: 999, commandId: 'cmd-forged-grant' } });
    expect(r.matched).toBe(rows.length - 2);

    // The chain alone names the first broken link: row 2, edited after it was written.
    const chained = verifyChain(CENTER, await repos.auditChain(CENTER), (await repos.getCenter(CENTER))!.lastSeq);
    expect(chained).toMatchObject({ clean: false, broken: { kind: 'edited', seq: 2 } });
    const verify = await centers('audit', 'verify', CENTER);
    expect(verify.code).toBe(6);
    expect(verify.stdout).toMatch(/broken at seq 2 \(edited\)/);
    expect(verify.stdout).toMatch(/audit row seq 2 was changed after it was written/);
  });

  it('the CLI names each difference and exits 6; --all reports progress on stderr and exits 6', async () => {
    const one = await centers('audit', 'reconcile', CENTER);
    expect(one.code).toBe(6);
    expect(one.stdout).toMatch(/3 differences/);
    expect(one.stdout).toMatch(/altered\s+2\s+toState\s+application\.inReview\s+application\.awaitingDecision/);
    expect(one.stdout).toMatch(/altered\s+2\s+actor\s+commission:operator-1\s+commission:someone-else/);
    expect(one.stdout).toMatch(/missing\s+4\s+-\s+SUBMIT_REVIEW/);
    expect(one.stdout).toMatch(/extra\s+999\s+-\s+\(no such transition\)\s+GRANT_FUNDING/);

    const all = await centers('audit', 'reconcile', '--all', '--json');
    expect(all.code).toBe(6);
    // The time-skipping server has no visibility: the database's centers are reconciled, with a warning.
    expect(all.stderr).toMatch(/\[1\/1\] bjtu\.call-audit: 3 differences/);
    const data = JSON.parse(all.stdout);
    expect(data).toMatchObject({ centers: 1, clean: 0, withDifferences: 1 });
    expect(data.results[0].differences.map((d: { description: string }) => d.description)).toEqual([
      expect.stringMatching(/^seq 2 altered: toState is "application.awaitingDecision" in the database but "application.inReview" in the history; actor is/),
      expect.stringMatching(/^seq 4 missing from the database: the history has SUBMIT_REVIEW/),
      expect.stringMatching(/^seq 999 extra in the database: GRANT_FUNDING/),
    ]);
  });
});
