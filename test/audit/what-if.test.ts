/**
 * SPEC §4 "Auditors", policy what-if, on the time-skipping server with a real SQLite file: generated centers run
 * through the real workflow (applications with 3, 4 or 5 qualified full-time staff, Art. 8(7)), then
 * `centers audit what-if --policy` with a staff minimum of four names the centers it would have refused — the set the
 * test computes from the staff counts it generated — in a table, CSV and JSON, and writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whatIfCenter } from '../../client/audit';
import { openCall, sendCenterCommand, submitApplication } from '../../client/operations';
import { centerWorkflowId } from '../../contract';
import { TableName } from '../../db/tables';
import { applicationAsOf, callInfo, cmd, commission, expertActor, experts, university } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

let h: Harness;
let env: NodeJS.ProcessEnv;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-what-if-'));
const CALL_ID = 'call-whatif';

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  h = await timeSkippingHarness();
  env = harnessCliEnv(h);
});
afterAll(async () => {
  await h?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the real CLI in this process (the server and database are the harness's). */
const centers = (...argv: string[]) => runCentersCli(env, ...argv);

const policyFile = (name: string, policy: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(policy));
  return file;
};

/** Every row of every table, and the length of every center's history: what "nothing written" compares. */
async function everything(universities: readonly string[]): Promise<unknown> {
  const tables: Record<string, unknown[]> = {};
  for (const table of Object.values(TableName)) tables[table] = await h.knex(table).select().orderBy(1);
  const histories: Record<string, number> = {};
  for (const u of universities) histories[u] = (await h.env.client.workflow.getHandle(centerWorkflowId(u)).fetchHistory()).events?.length ?? 0;
  return { tables, histories };
}

/** `n` full-time staff with a qualifying background (Art. 8(7)), the transfer record dated for the server's year. */
const withStaff = (universityId: string, n: number, now: number) => {
  const app = applicationAsOf(universityId, now);
  const one = app.conditions.staff[0];
  app.conditions.staff = Array.from({ length: n }, (_, i) => ({ ...one, name: `Staff ${i + 1}`, fullTime: true, background: 'techTransfer' as const }));
  return app;
};

describe('audit what-if over generated centers', { timeout: 240_000 }, () => {
  // Each of 3, 4 and 5 once, then three more drawn at random (the seed is printed by fast-check on failure).
  const counts = [3, 4, 5, ...fc.sample(fc.constantFrom(3, 4, 5), 3)];
  const generated = counts.map((staff, i) => ({ universityId: `wi${i}`, staff }));
  const centerOf = (u: string) => `${u}.${CALL_ID}`;

  it('with a staff minimum of four names the centers it would have refused: those generated with three staff', async () => {
    const now = await h.env.currentTimeMs();
    await openCall(h.ops, callInfo(now, { callId: CALL_ID, quota: 20 }), commission);
    for (const { universityId, staff } of generated) {
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', university(universityId), { callId: CALL_ID, application: withStaff(universityId, staff, now) }));
      const panel = experts('pku');
      await sendCenterCommand(h.ops, universityId, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      for (const e of panel) await sendCenterCommand(h.ops, universityId, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 88, recommendation: 'approve', opinion: 'Sound' } }));
      await sendCenterCommand(h.ops, universityId, cmd('APPROVE', commission, {}));
    }
    // Computed from the generation alone: fewer than four qualified staff.
    const expected = generated.filter((g) => g.staff < 4).map((g) => centerOf(g.universityId)).sort();
    expect(expected.length).toBeGreaterThan(0);
    const universities = generated.map((g) => g.universityId);
    const before = await everything(universities);
    const candidate = policyFile('candidate.json', { minFullTimeStaff: 4 });

    const json = await centers('audit', 'what-if', '--policy', candidate, '--all', '--json');
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout);
    expect(data).toMatchObject({ policy: { minFullTimeStaff: 4 }, centers: generated.length, changed: expected.length });
    expect([...data.wouldRefuse].sort()).toEqual(expected);
    for (const { universityId, staff } of generated) {
      const r = data.results.find((x: { centerId: string }) => x.centerId === centerOf(universityId));
      // The recorded policy, simulated, ends where the history does: established, nothing refused.
      expect(r).toMatchObject({ faithful: true, recordedState: 'building.running', recorded: { state: 'building.running', eligible: true, refused: [] } });
      if (staff < 4) {
        expect(r.candidate).toMatchObject({ eligible: false, failingConditions: ['8(7) staff'], tier: null, cycle: 0 });
        expect(r.candidate.failingReasons[0]).toContain(`${staff} full-time staff`);
        expect(r.firstRefused).toMatchObject({ type: 'ASSIGN_EXPERTS', reason: 'not-allowed-in-state' });
        expect(r.candidate.refused.map((x: { type: string }) => x.type)).toEqual(['ASSIGN_EXPERTS', 'SUBMIT_REVIEW', 'SUBMIT_REVIEW', 'SUBMIT_REVIEW', 'APPROVE']);
      } else {
        expect(r).toMatchObject({ changed: false, changes: [], firstRefused: null });
      }
    }
    expect(json.stderr).toMatch(new RegExp(`\\[${generated.length}/${generated.length}\\]`));

    // The table names them, with the command refused and the failing condition.
    const text = await centers('audit', 'what-if', '--policy', candidate, '--all');
    expect(text.code, text.stderr).toBe(0);
    const refusedSection = text.stdout.slice(text.stdout.indexOf('Would have refused'));
    expect(refusedSection).not.toBe('');
    for (const g of generated) {
      if (expected.includes(centerOf(g.universityId))) expect(refusedSection).toMatch(new RegExp(`${centerOf(g.universityId).replace('.', '\\.')}: ASSIGN_EXPERTS`));
      else expect(refusedSection).not.toContain(`${centerOf(g.universityId)}:`);
    }
    expect(text.stdout).toMatch(/Art\. 8\(7\): 3 full-time staff .* at least 4 are required/);

    // CSV: a header and one row per center.
    const csv = await centers('audit', 'what-if', '--policy', candidate, '--all', '--csv');
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split(/\r?\n/);
    const cols = header.split(',');
    expect(lines).toHaveLength(generated.length);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
    expect(rows.filter((r) => r.first_refused_type === 'ASSIGN_EXPERTS').map((r) => r.center_id).sort()).toEqual(expected);
    expect(rows.filter((r) => r.eligibility_candidate === 'ineligible').map((r) => r.failing_conditions_candidate)).toEqual(expected.map(() => '8(7) staff'));

    // One center, from the API of the module too.
    const one = await whatIfCenter(h.env.client, expected[0], { minFullTimeStaff: 4 });
    expect(one.firstRefused?.type).toBe('ASSIGN_EXPERTS');

    // Nothing written: every row of every table and every history as they were.
    expect(await everything(universities)).toEqual(before);
  });

  it('refuses a candidate policy that does not validate, saying which key and what to give', async () => {
    const bad = await centers('audit', 'what-if', '--policy', policyFile('bad.json', { minFullTimeStaff: 'four' }), '--all');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json is not a valid policy: minFullTimeStaff: Expected number, received string/);
    const unknown = await centers('audit', 'what-if', '--policy', policyFile('unknown.json', { minStaff: 4 }), '--all');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unrecognized key.*minStaff/);
    const whole = await centers('audit', 'what-if', '--policy', policyFile('whole.json', { midTermAfterYears: 7 }), centerOf('wi0'));
    expect(whole.code).toBe(2);
    expect(whole.stderr).toMatch(/mid-term evaluation must come before the end of the cycle/);
  });

  it('a whole cycle (timers, summaries, evaluations, continue-as-new) simulates as recorded, and stricter grade thresholds change the mid-term grade and the tier', async () => {
    const c = lifecycle(h, 'wilife');
    const start = (await c.establish('call-whatif-life')).cycleStartAt!;
    await c.skipTo(c.anniversary(start, 2) + 3600_000, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(80);
    await c.skipTo(c.anniversary(start, 5) + 3600_000, (v) => v.evaluation?.kind === 'acceptance');
    await c.evaluate(95);
    await c.skipTo(await h.env.currentTimeMs(), (v) => v.cycle === 2);

    const same = await whatIfCenter(h.env.client, 'wilife', {});
    expect(same.faithful).toBe(true);
    expect(same).toMatchObject({ changed: false, recordedState: 'building.running' });
    expect(same.recorded).toMatchObject({ cycle: 2, tier: 'A', refused: [] });
    expect(same.recorded.grades.map((g) => `${g.kind}:${g.grade}`)).toEqual(['midTerm:qualified', 'acceptance:excellent']);
    // Summaries never sent: years 1–4 missed (Art. 18); year 5's is due 30 days after the cycle's end, later than the
    // history goes (the acceptance came an hour after it), so it is still pending — not fired past the record.
    expect(same.recorded.deadlines.filter((d) => d.key.startsWith('c1:summary')).map((d) => d.outcome)).toEqual(['missed', 'missed', 'missed', 'missed', 'pending']);

    const stricter = await centers('audit', 'what-if', '--policy', policyFile('grades.json', { gradeThresholds: { excellent: 96, qualified: 60 } }), 'wilife', '--json');
    expect(stricter.code, stricter.stderr).toBe(0);
    const r = JSON.parse(stricter.stdout).results[0];
    expect(r.candidate.grades.map((g: { kind: string; grade: string }) => `${g.kind}:${g.grade}`)).toEqual(['midTerm:qualified', 'acceptance:qualified']);
    expect(r.candidate.tier).toBe('B');
    expect(r.changes.map((x: { field: string }) => x.field)).toEqual(expect.arrayContaining(['grade', 'tier']));
  });
});
