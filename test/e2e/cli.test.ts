/**
 * End to end (SPEC §4 "Operators' CLI"): a real dev server, a real SQLite file, the real worker in this process,
 * and the real `centers` CLI as a subprocess — from opening a call (Art. 7) through the eligibility check (Art. 8),
 * expert review and approval (Art. 9) to the center's names (Art. 20), then the database and the audit trail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../config/dev-server';
import { TableName } from '../../db/tables';
import { COMMAND_TABLE } from '../../machines/commands';
import { useDevServer, type CliRun } from '../helpers/dev-server';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const example = (name: string) => path.join(repoRoot, 'examples', name);

const CALL_ID = 'call-2026';
const CENTER_ID = `bjut.${CALL_ID}`;
const UNIVERSITY = 'university:bjut-office@bjut';
const EXPERTS = JSON.parse(fs.readFileSync(example('experts.json'), 'utf8')).experts as { id: string; name: string; orgId: string }[];
const expertActor = (e: { id: string; orgId: string }) => `expert:${e.id}@${e.orgId}`;
/** The state the statechart gives an approved center: established, in its first build cycle (Art. 6, 9). */
const ESTABLISHED = 'building.running';
/** Each CLI run is a fresh Node process (about a second); a test makes up to fifteen of them. */
const E2E_TIMEOUT = 300_000;

const dev = useDevServer({ name: 'e2e' }, E2E_TIMEOUT);

/**
 * Runs `node bin/centers.mjs … --json` without blocking this process (the worker polls here); stdout must be pure
 * JSON. `json: false` runs without --json (help texts).
 */
const centers = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, { json = true } = {}): Promise<CliRun> => dev.cli(args, { env: extraEnv, json });

/** Expects exit 0 and returns the JSON result; on failure shows what the CLI said. */
const ok = (args: string[], extraEnv?: NodeJS.ProcessEnv) => dev.ok(args, { env: extraEnv, json: true });

/** Retries a CLI read a bounded number of times (each run takes about a second) until `done` holds. */
async function poll(args: string[], done: (json: any) => boolean, tries = 15) {
  let last: CliRun | undefined;
  for (let i = 0; i < tries; i++) {
    last = await centers(args);
    if (last.code === 0 && done(last.json)) return last.json;
  }
  throw new Error(`centers ${args.join(' ')} never gave the expected answer in ${tries} tries; last: ${last?.stdout}${last?.stderr}`);
}

const auditRows = () => dev.knex(TableName.AuditLog).where({ centerId: CENTER_ID }).orderBy('seq');

/** Command ids the CLI reported, by step, to find them again in the audit log. */
const ids: Record<string, string> = {};

describe('centers CLI: usage', { timeout: E2E_TIMEOUT }, () => {
  it('lists every command with an example at the top level, and each command has its own --help', async () => {
    const top = await centers(['--help'], {}, { json: false });
    expect(top.code).toBe(0);
    // Every command of the command table (machines/commands.ts), and the reading commands.
    for (const name of [...Object.values(COMMAND_TABLE).map((def) => def.cli.name), 'call show', 'call list', 'show', 'list', 'audit log', 'notices']) {
      expect(top.stdout).toContain(`  ${name} `);
    }
    expect(top.stdout).toContain('Example');
    const help = await centers(['assign-experts', '--help'], {}, { json: false });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: centers assign-experts <center> --file FILE');
    // Art. 19: a command added to the table has its CLI command, help and all.
    const stop = await centers(['rectification', 'stop-support', '--help'], {}, { json: false });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain('Usage: centers rectification stop-support <center> --reason TEXT');
    expect(stop.stdout).toContain(COMMAND_TABLE.STOP_SUPPORT.summary);
  });

  it('bad usage and bad input files exit 2, naming the fields', async () => {
    const missing = await centers(['apply', '--call', CALL_ID, '--as', UNIVERSITY]);
    expect(missing.code).toBe(2);
    expect(missing.json.error).toMatchObject({ kind: 'usage' });
    expect(missing.stderr).toContain('Missing --file');

    const badFile = path.join(dev.dir, 'bad-application.json');
    const app = JSON.parse(fs.readFileSync(example('application.json'), 'utf8'));
    app.conditions.staff[0].background = 'astrology';
    delete app.director;
    fs.writeFileSync(badFile, JSON.stringify(app));
    const bad = await centers(['apply', '--call', CALL_ID, '--file', badFile, '--as', UNIVERSITY]);
    expect(bad.code).toBe(2);
    expect(bad.json.error.kind).toBe('input');
    expect(bad.json.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['director', 'conditions.staff[0].background']));
    expect(bad.stderr).toContain('conditions.staff[0].background');
  });
});

describe('centers CLI: from a call to an established center', { timeout: E2E_TIMEOUT }, () => {
  it('Art. 7: the commission opens a call with a window and a quota', async () => {
    const r = await ok(['call', 'open', '--file', example('call.json')]);
    expect(r.commandId).toMatch(/^cmd-/);
    expect(r.call).toMatchObject({ callId: CALL_ID, status: 'open', quota: 2, approvedCount: 0 });
    const shown = await ok(['call', 'show', CALL_ID]);
    expect(shown).toMatchObject({ callId: CALL_ID, status: 'open' });
  });

  it('Art. 8(7): an application with two full-time professionals is ineligible, and says why', async () => {
    const r = await ok(['apply', '--call', CALL_ID, '--file', example('application-ineligible.json'), '--as', UNIVERSITY]);
    ids.submit = r.commandId;
    expect(r).toMatchObject({ type: 'SUBMIT_APPLICATION', state: 'application.ineligible', seq: 1, centerId: CENTER_ID });
    const failed = r.center.eligibility.filter((c: { passed: boolean }) => !c.passed);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ condition: 7, key: 'staff' });
    expect(failed[0].reason).toContain('at least 3');
  });

  it('Art. 8: the university amends its application while the call is open; all seven conditions pass', async () => {
    const r = await ok(['amend', 'bjut', '--file', example('application.json'), '--as', UNIVERSITY]);
    ids.amend = r.commandId;
    expect(r).toMatchObject({ type: 'AMEND_APPLICATION', state: 'application.eligible', seq: 2 });
    expect(r.center.applicationVersion).toBe(2);
    expect(r.center.eligibility.every((c: { passed: boolean }) => c.passed)).toBe(true);
  });

  it('SPEC §3a: refused commands exit 3 with the reason and leave no audit row', async () => {
    const before = (await auditRows()).length;
    // On a real server a rejected update leaves no event at all: its speculative workflow task is dropped.
    const history = async () => (await dev.client.workflow.getHandle('center-bjut').fetchHistory()).events?.length;
    const eventsBefore = await history();

    const conflicted = path.join(dev.dir, 'experts-with-bjut.json');
    fs.writeFileSync(conflicted, JSON.stringify({ experts: [{ id: 'wang-bo', name: 'Wang Bo', orgId: 'bjut' }, ...EXPERTS.slice(1)] }));
    const conflict = await centers(['assign-experts', CENTER_ID, '--file', conflicted]);
    expect(conflict.code).toBe(3);
    expect(conflict.json.error).toMatchObject({ kind: 'refused', reason: 'conflict-of-interest' });
    expect(conflict.stderr).toMatch(/^Refused \(conflict-of-interest\): .*wang-bo/m);

    const universityApproves = await centers(['approve', 'bjut', '--as', UNIVERSITY]);
    expect(universityApproves.code).toBe(3);
    expect(universityApproves.json.error.reason).toBe('forbidden-role');
    expect(universityApproves.stderr).toContain('Refused (forbidden-role)');

    const otherUniversity = await centers(['amend', 'bjut', '--file', example('application.json'), '--as', 'university:pku-office@pku']);
    expect(otherUniversity.code).toBe(3);
    expect(otherUniversity.json.error.reason).toBe('wrong-organisation');

    expect(await auditRows()).toHaveLength(before);
    expect(await history()).toBe(eventsBefore);
  });

  it('Art. 9: the commission assigns three experts from other universities', async () => {
    const r = await ok(['assign-experts', CENTER_ID, '--file', example('experts.json')]);
    ids.assign = r.commandId;
    expect(r).toMatchObject({ type: 'ASSIGN_EXPERTS', state: 'application.inReview', seq: 3 });
    expect(r.center.experts.map((e: { id: string }) => e.id)).toEqual(EXPERTS.map((e) => e.id));
  });

  it('Art. 9: each assigned expert reviews once; a repeated command id returns the first result', async () => {
    const [first, second, third] = EXPERTS;
    const r1 = await ok(['review', 'bjut', '--file', example('review.json'), '--as', expertActor(first), '--command-id', 'e2e-review-1']);
    expect(r1).toMatchObject({ commandId: 'e2e-review-1', state: 'application.inReview', seq: 4 });
    ids.review1 = r1.commandId;

    const again = await ok(['review', 'bjut', '--file', example('review.json'), '--as', expertActor(first), '--command-id', 'e2e-review-1']);
    expect(again).toMatchObject({ commandId: 'e2e-review-1', seq: 4, at: r1.at });

    const twice = await centers(['review', 'bjut', '--file', example('review.json'), '--as', expertActor(first)]);
    expect(twice.code).toBe(3);
    expect(twice.json.error.reason).toBe('not-allowed-in-state');

    const stranger = await centers(['review', 'bjut', '--file', example('review.json'), '--as', 'expert:someone@ruc']);
    expect(stranger.code).toBe(3);
    expect(stranger.json.error.reason).toBe('not-assigned');

    const r2 = await ok(['review', 'bjut', '--file', example('review.json'), '--as', expertActor(second)]);
    expect(r2).toMatchObject({ state: 'application.inReview', seq: 5 });
    ids.review2 = r2.commandId;
    const r3 = await ok(['review', 'bjut', '--file', example('review.json'), '--as', expertActor(third)]);
    expect(r3).toMatchObject({ state: 'application.awaitingDecision', seq: 6 });
    ids.review3 = r3.commandId;
  });

  it('show: the live state, the commands each role may send, and the database history', async () => {
    const r = await ok(['show', 'bjut']);
    expect(r).toMatchObject({ centerId: CENTER_ID, state: 'application.awaitingDecision', applicationVersion: 2 });
    expect(r.allowedCommands.commission).toEqual(expect.arrayContaining(['APPROVE', 'REJECT']));
    expect(r.allowedCommands.university).not.toContain('AMEND_APPLICATION');
    expect(r.reviews).toHaveLength(3);
    expect(r.openDeadlines.map((d: { key: string }) => d.key)).toContain(`callWindow:${CALL_ID}`);
    expect(r.applications).toEqual([
      expect.objectContaining({ version: 1, eligible: false, failedConditions: [7] }),
      expect.objectContaining({ version: 2, eligible: true, failedConditions: [] }),
    ]);
    expect(r.audit.map((a: { seq: number }) => a.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('Art. 9, 20: approval establishes the center within the quota and names it', async () => {
    const r = await ok(['approve', 'bjut', '--reason', 'Highest panel score of the call']);
    ids.approve = r.commandId;
    expect(r).toMatchObject({ type: 'APPROVE', state: ESTABLISHED, seq: 7 });
    expect(r.center.names).toEqual({
      zh: '北京工业大学北京高校科技成果转移转化促进中心',
      en: 'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
    });
    expect(r.center.call.approvedCount).toBe(1);
    const call = await ok(['call', 'show', CALL_ID]);
    expect(call).toMatchObject({ approvedCount: 1, approved: [CENTER_ID] });
  });
});

describe('centers CLI: the database and the audit trail', { timeout: E2E_TIMEOUT }, () => {
  it('holds the center, both application versions, 7 passed conditions, 3 experts, 3 reviews and the decision', async () => {
    const center = await dev.knex(TableName.Centers).where({ centerId: CENTER_ID }).first();
    expect(center).toMatchObject({
      state: ESTABLISHED,
      universityId: 'bjut',
      callId: CALL_ID,
      cycle: 1,
      nameZh: '北京工业大学北京高校科技成果转移转化促进中心',
      nameEn: 'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
    });
    expect(center.establishedAt).toBeTruthy();

    const applications = await dev.knex(TableName.Applications).where({ centerId: CENTER_ID }).orderBy('version');
    expect(applications.map((a) => a.version)).toEqual([1, 2]);
    const eligibility = await dev.knex(TableName.EligibilityResults).where({ centerId: CENTER_ID, version: 2 });
    expect(eligibility).toHaveLength(7);
    expect(eligibility.every((e) => e.passed === 1 || e.passed === true)).toBe(true);
    const failedFirst = await dev.knex(TableName.EligibilityResults).where({ centerId: CENTER_ID, version: 1, condition: 7 }).first();
    expect(Boolean(failedFirst.passed)).toBe(false);

    const assignments = await dev.knex(TableName.ExpertAssignments).where({ centerId: CENTER_ID });
    expect(assignments.map((a) => a.expertOrgId).sort()).toEqual(['pku', 'tsinghua', 'ustb']);
    expect(await dev.knex(TableName.Reviews).where({ centerId: CENTER_ID })).toHaveLength(3);
    expect(await dev.knex(TableName.Decisions).where({ centerId: CENTER_ID }).first()).toMatchObject({
      outcome: 'approved',
      reason: 'Highest panel score of the call',
      decidedBy: 'operator',
    });
  });

  it('SPEC §3 "Audit": one row per transition, in order, with actors and command ids; `audit log` prints the same', async () => {
    const rows = await auditRows();
    const [e1, e2, e3] = EXPERTS;
    expect(rows.map((r) => [r.seq, r.fromState, r.event, r.toState, `${r.actorRole}:${r.actorId}${r.actorOrgId ? `@${r.actorOrgId}` : ''}`, r.commandId])).toEqual([
      [1, 'awaitingApplication', 'SUBMIT_APPLICATION', 'application.ineligible', UNIVERSITY, ids.submit],
      [2, 'application.ineligible', 'AMEND_APPLICATION', 'application.eligible', UNIVERSITY, ids.amend],
      [3, 'application.eligible', 'ASSIGN_EXPERTS', 'application.inReview', 'commission:operator', ids.assign],
      [4, 'application.inReview', 'SUBMIT_REVIEW', 'application.inReview', expertActor(e1), ids.review1],
      [5, 'application.inReview', 'SUBMIT_REVIEW', 'application.inReview', expertActor(e2), ids.review2],
      [6, 'application.inReview', 'SUBMIT_REVIEW', 'application.awaitingDecision', expertActor(e3), ids.review3],
      [7, 'application.awaitingDecision', 'APPROVE', ESTABLISHED, 'commission:operator', ids.approve],
    ]);

    const log = await ok(['audit', 'log', 'bjut']);
    expect(log.centerId).toBe(CENTER_ID);
    expect(log.rows.map((r: { seq: number; event: string; commandId: string }) => [r.seq, r.event, r.commandId])).toEqual(
      rows.map((r) => [r.seq, r.event, r.commandId]),
    );
  });

  it('`list` reads the read model; `list --source temporal` finds the center by state through visibility', async () => {
    const db = await ok(['list', '--state', 'building', '--call', CALL_ID]);
    expect(db.centers.map((c: { centerId: string }) => c.centerId)).toEqual([CENTER_ID]);
    expect((await ok(['list', '--state', 'application'])).centers).toEqual([]);

    // Visibility is eventually consistent: poll a bounded number of times.
    const visible = await poll(['list', '--source', 'temporal', '--state', ESTABLISHED], (j) => j.centers.length > 0);
    expect(visible.centers).toEqual([expect.objectContaining({ centerId: CENTER_ID, state: ESTABLISHED, universityId: 'bjut', callId: CALL_ID, cycle: 1 })]);

    const calls = await ok(['call', 'list']);
    expect(calls.calls).toEqual([expect.objectContaining({ callId: CALL_ID, quota: 2, approvedCount: 1 })]);
  });

  it('an unknown center exits 4; an unreachable Temporal server exits 5 and says how to start one', async () => {
    const missing = await centers(['show', 'nosuch']);
    expect(missing.code).toBe(4);
    expect(missing.json.error.kind).toBe('not-found');

    const address = `127.0.0.1:${await findFreePort()}`;
    const down = await centers(['show', 'bjut'], { CENTERS_TEMPORAL_ADDRESS: address });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain(`Cannot reach Temporal at ${address}`);
    expect(down.stderr).toContain('npm start');
  });
});

/**
 * The build cycle through the CLI, lightly (Art. 13–16): years cannot pass on the dev server, so the summaries,
 * evaluations and rectification are the time-skipping workflow tests' (test/workflows/*); here, the funding a
 * just-established center may request at once.
 */
describe('centers CLI: funding in the first build year (Art. 13–16)', { timeout: E2E_TIMEOUT }, () => {
  const promotion = JSON.parse(fs.readFileSync(example('funding-promotion.json'), 'utf8')) as { amountFen: number; title: string };

  it('the university requests a promotion project; the commission cannot grant more than requested (exit 3, invalid-input)', async () => {
    const r = await ok(['funding', 'request', 'bjut', '--file', example('funding-promotion.json'), '--as', UNIVERSITY]);
    expect(r).toMatchObject({ type: 'REQUEST_FUNDING', state: ESTABLISHED, requestId: 'c1-y1-f1' });
    expect(r.center.funding).toEqual([expect.objectContaining({ requestId: 'c1-y1-f1', cycle: 1, year: 1, status: 'pending' })]);

    const before = (await auditRows()).length;
    const above = await centers(['funding', 'grant', 'bjut', '--request', 'c1-y1-f1', '--amount-fen', String(promotion.amountFen + 1)]);
    expect(above.code).toBe(3);
    expect(above.json.error).toMatchObject({ kind: 'refused', reason: 'invalid-input' });
    expect(above.stderr).toContain('may not exceed the amount requested');
    expect(await auditRows()).toHaveLength(before);
    expect(await dev.knex(TableName.FundingLedger).where({ centerId: CENTER_ID })).toEqual([]);
  });

  it('a grant of the amount requested writes one ledger row (Art. 16); `funding list` reads it back in yuan and fen', async () => {
    const r = await ok(['funding', 'grant', 'bjut', '--request', 'c1-y1-f1', '--amount-fen', String(promotion.amountFen)]);
    expect(r).toMatchObject({ type: 'GRANT_FUNDING', state: ESTABLISHED });
    expect(r.center.funding[0]).toMatchObject({ status: 'granted', grantedFen: promotion.amountFen, decidedBy: 'operator' });

    const ledger = await dev.knex(TableName.FundingLedger).where({ centerId: CENTER_ID });
    expect(ledger).toEqual([
      expect.objectContaining({ cycle: 1, year: 1, requestId: 'c1-y1-f1', kind: 'promotion', amountFen: promotion.amountFen, grantedBy: 'operator' }),
    ]);
    expect(await dev.knex(TableName.FundingRequests).where({ centerId: CENTER_ID }).first()).toMatchObject({ status: 'granted', grantedFen: promotion.amountFen });

    // Tables fit the terminal (100 columns without one) by cutting long titles: a wide one shows the whole title.
    const list = await centers(['funding', 'list', 'bjut'], { COLUMNS: '250' }, { json: false });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`¥500,000.00 (${promotion.amountFen} fen)`);
    expect(list.stdout).toContain(promotion.title);
  });
});
