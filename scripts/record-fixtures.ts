/**
 * `npm run fixtures:record`: records the replay fixtures (SPEC §6 "Replay") — whole center lifecycles run by the
 * project's own test harness on the time-skipping test server (real workflows, real activities, a temporary
 * SQLite file) — and writes each run's history to test/fixtures/histories/<name>-run<N>.json with a manifest.
 *
 * test/audit/replay-fixtures.test.ts replays every one of them with the current workflow code, so a change that
 * would break running centers (a new command not guarded by `patched()`) fails the suite. Re-record only when a
 * change is meant to be incompatible and no run of the old code is left anywhere; say so in the commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { historyToJSON } from '../client/audit/proto-json';
import { fetchRunChain, runTimeline, summarizeRun, type RunHistory } from '../client/audit';
import { openCall, sendCenterCommand, submitApplication } from '../client/operations';
import type { Command } from '../machines/commands';
import { callWorkflowId, centerWorkflowId } from '../contract';
import { annualSummary, application, callInfo, cmd, commission, expertActor, experts, guidanceRequest, promotionRequest, understaffed, university } from '../test/helpers/fixtures';
import { lifecycle } from '../test/helpers/lifecycle';
import { timeSkippingHarness, type Harness } from '../test/helpers/temporal';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = path.join(repoRoot, 'test/fixtures/histories');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Lifecycle {
  name: string;
  universityId: string;
  callId: string;
  covers: string;
  run(h: Harness): Promise<void>;
}

const LIFECYCLES: Lifecycle[] = [
  {
    name: 'cycle',
    universityId: 'bjut',
    callId: 'call-fixture-cycle',
    covers:
      'Art. 7–9, 13–20: application → review → approval; cycle 1 with a grant, a declined request, summaries (one returned, ' +
      'one late: reminder, overdue, escalation), mid-term qualified, acceptance excellent → cycle 2 at tier A by continue-as-new; ' +
      'in run 2 the carried year-5 summary and a new funding request',
    async run(h) {
      const c = lifecycle(h, this.universityId);
      const summary = (year: number, cycle?: number) => c.send(cmd('SUBMIT_SUMMARY', c.uni, { ...(cycle ? { cycle } : {}), year, summary: annualSummary() }));
      const accept = (year: number, cycle?: number) => c.send(cmd('ACCEPT_SUMMARY', commission, { ...(cycle ? { cycle } : {}), year }));
      const start = (await c.establish(this.callId)).cycleStartAt!;

      await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
      await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen }));
      await c.skipTo(c.anniversary(start, 1) + HOUR, (v) => v.yearsEnded === 1);
      await summary(1);
      await accept(1);

      await c.send(cmd('REQUEST_FUNDING', c.uni, { request: guidanceRequest() }));
      await c.send(cmd('DECLINE_FUNDING', commission, { requestId: 'c1-y2-f1', reason: 'No enterprise co-funding yet' }));
      await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
      await summary(2);
      await c.send(cmd('RETURN_SUMMARY', commission, { year: 2, reason: 'Transfer figures lack contract numbers' }));
      await summary(2);
      await accept(2);
      await c.evaluate(78);

      const y3 = await c.skipTo(c.anniversary(start, 3) + HOUR, (v) => v.yearsEnded === 3);
      const due3 = Date.parse(y3.summaries.find((s) => s.cycle === 1 && s.year === 3)!.dueAt);
      await c.skipTo(due3 + HOUR, (v) => v.summaries.some((s) => s.cycle === 1 && s.year === 3 && s.overdue));
      await summary(3);
      await accept(3);

      await c.skipTo(c.anniversary(start, 4) + HOUR, (v) => v.yearsEnded === 4);
      await summary(4);
      await accept(4);

      await c.skipTo(c.anniversary(start, 5) + HOUR, (v) => v.evaluation?.kind === 'acceptance');
      await c.evaluate(95);
      await c.skipTo(await h.env.currentTimeMs(), (v) => v.cycle === 2);
      await summary(5, 1);
      await accept(5, 1);
      await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
    },
  },
  {
    name: 'rectification',
    universityId: 'ncut',
    callId: 'call-fixture-rect',
    covers:
      'Art. 12, 18–19: an integrity incident; mid-term unqualified → public notice → rectification (funding held), ' +
      'deadline extended, no report → the deadline lapses → support stopped (funding cancelled); the workflow completes',
    async run(h) {
      const c = lifecycle(h, this.universityId);
      const start = (await c.establish(this.callId)).cycleStartAt!;
      const today = new Date(await h.env.currentTimeMs()).toISOString().slice(0, 10);
      await c.send(cmd('RECORD_INTEGRITY_INCIDENT', commission, { incident: { occurredOn: today, category: 'credit', description: 'Late reporting of a licence contract' } }));
      await c.skipTo(c.anniversary(start, 1) + HOUR, (v) => v.yearsEnded === 1);
      await c.send(cmd('SUBMIT_SUMMARY', c.uni, { year: 1, summary: annualSummary() }));
      await c.send(cmd('ACCEPT_SUMMARY', commission, { year: 1 }));
      await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
      await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
      await c.evaluate(45, { reason: 'IP management mechanism not running', rectificationDays: 60 });
      await c.send(cmd('EXTEND_RECTIFICATION', commission, { days: 30, reason: 'On-site visit postponed by the commission' }));
      // Awaiting the result lets the server skip past the deadline: the workflow's own timer stops support.
      await h.env.client.workflow.getHandle(centerWorkflowId(this.universityId)).result();
    },
  },
  {
    name: 'ineligible',
    universityId: 'buaa',
    callId: 'call-fixture-window',
    covers: 'Art. 7–8: an application failing Art. 8(7), amended and still ineligible, closed when the call window passes',
    async run(h) {
      const now = await h.env.currentTimeMs();
      await openCall(h.ops, callInfo(now, { callId: this.callId, closesAt: new Date(now + 10 * DAY).toISOString() }), commission);
      const uni = university(this.universityId);
      await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', uni, { callId: this.callId, application: understaffed(this.universityId) }));
      const amended = application(this.universityId, (a) => {
        a.conditions.staff = a.conditions.staff.slice(0, 1);
      });
      await sendCenterCommand(h.ops, this.universityId, cmd('AMEND_APPLICATION', uni, { application: amended }) as Command);
      await h.env.client.workflow.getHandle(centerWorkflowId(this.universityId)).result();
    },
  },
  {
    name: 'migrated',
    universityId: 'bjfu',
    callId: 'call-fixture-migrated',
    covers:
      'Issue 15 item 4: a center started on version 1 of the statechart under a policy without step deadlines, reviewed and ' +
      'approved (a MIGRATE_CENTER during the review refused, no trace), moved to version 2 by the commission (one audit row), ' +
      'then a funding request and its grant on version 2',
    async run(h) {
      const { stepDeadlineDays: _omitted, ...older } = h.ops.policy;
      const v1 = { ...h, ops: { ...h.ops, machineVersion: 1, policy: older as typeof h.ops.policy } };
      const c = lifecycle(v1, this.universityId);
      const now = await h.env.currentTimeMs();
      await openCall(v1.ops, callInfo(now, { callId: this.callId, quota: 5 }), commission);
      await submitApplication(v1.ops, cmd('SUBMIT_APPLICATION', c.uni, { callId: this.callId, application: application(this.universityId) }));
      const panel = experts('pku');
      await c.send(cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
      const refused = await c.send(cmd('MIGRATE_CENTER', commission, { toVersion: 2 })).then(
        () => null,
        (err: unknown) => err,
      );
      if (!refused) throw new Error('MIGRATE_CENTER during the expert review should have been refused');
      for (const e of panel) await c.send(cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Good' } }));
      await c.send(cmd('APPROVE', commission, {}));
      await c.send(cmd('MIGRATE_CENTER', commission, { toVersion: 2 }));
      await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));
      await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen }));
    },
  },
];

export interface FixtureEntry {
  file: string;
  lifecycle: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  /** 1-based position of this run in its workflow's chain of runs, and the chain's length. */
  run: number;
  runs: number;
  centerId: string | null;
  status: string;
  events: number;
  /** Transitions recorded in this run: first and last audit sequence numbers and the state after the last. */
  transitions: number;
  firstSeq: number | null;
  lastSeq: number | null;
  finalState: string | null;
  covers: string;
  bytes: number;
}

export interface FixtureManifest {
  description: string;
  recordedAt: string;
  fixtures: FixtureEntry[];
}

/** One event per line: small enough to commit, and a diff shows which events changed. */
export function compactHistoryJson(run: RunHistory): string {
  const { events } = JSON.parse(historyToJSON(run.history)) as { events: unknown[] };
  return `{"events":[\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
}

/**
 * `--generation v2` records into `v2-<name>-run<N>.json` and keeps the other generations' files and entries: the
 * histories of older workflow code stay committed beside the new ones, and the replay test replays them all.
 */
const generationArg = process.argv.indexOf('--generation');
const GENERATION = generationArg > 0 ? process.argv[generationArg + 1] : null;
const prefix = GENERATION ? `${GENERATION}-` : '';
const ownFile = (f: string) => (GENERATION ? f.startsWith(prefix) : !/^v\d+-/.test(f));
/** `--only NAME` records that lifecycle alone (and keeps the generation's other files and entries). */
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : null;
const recorded = (f: string) => ownFile(f) && (ONLY === null || f.startsWith(`${prefix}${ONLY}-`));

async function record(h: Harness, lc: Lifecycle): Promise<FixtureEntry[]> {
  const t0 = Date.now();
  await lc.run(h);
  const entries: FixtureEntry[] = [];
  const chains: [string, string, string][] = [
    [`${prefix}${lc.name}`, centerWorkflowId(lc.universityId), lc.covers],
    [`${prefix}${lc.name}-call`, callWorkflowId(lc.callId), `the call workflow of the "${lc.name}" lifecycle (Art. 7, 9)`],
  ];
  for (const [name, workflowId, covers] of chains) {
    const latest = (await h.env.client.workflow.getHandle(workflowId).describe()).runId;
    const runs = await fetchRunChain(h.env.client, workflowId, latest);
    runs.forEach((run, i) => {
      const file = `${name}-run${i + 1}.json`;
      const text = compactHistoryJson(run);
      fs.writeFileSync(path.join(FIXTURES_DIR, file), text);
      const summary = summarizeRun(run);
      const timeline = runTimeline(run);
      entries.push({
        file,
        lifecycle: `${prefix}${lc.name}`,
        workflowType: summary.workflowType,
        workflowId,
        runId: run.runId,
        run: i + 1,
        runs: runs.length,
        centerId: summary.centerId,
        status: summary.status,
        events: summary.events,
        transitions: timeline.length,
        firstSeq: timeline[0]?.seq ?? null,
        lastSeq: timeline.at(-1)?.seq ?? null,
        finalState: timeline.at(-1)?.toState ?? null,
        covers,
        bytes: Buffer.byteLength(text),
      });
    });
  }
  console.log(`${lc.name}: ${entries.map((e) => `${e.file} (${e.events} events, ${(e.bytes / 1024).toFixed(0)} KB)`).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return entries;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  fs.mkdirSync(FIXTURES_DIR, { recursive: true });
  const manifestPath = path.join(FIXTURES_DIR, 'manifest.json');
  const kept = fs.existsSync(manifestPath) ? (JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as FixtureManifest).fixtures.filter((f) => !recorded(f.file)) : [];
  for (const f of fs.readdirSync(FIXTURES_DIR)) if (f.endsWith('.json') && f !== 'manifest.json' && recorded(f)) fs.rmSync(path.join(FIXTURES_DIR, f));
  const h = await timeSkippingHarness();
  try {
    const fixtures: FixtureEntry[] = [...kept];
    for (const lc of LIFECYCLES.filter((l) => ONLY === null || l.name === ONLY)) fixtures.push(...(await record(h, lc)));
    const manifest: FixtureManifest = {
      description:
        'Workflow histories of whole center lifecycles, recorded by scripts/record-fixtures.ts (npm run fixtures:record) on the ' +
        'time-skipping test server; test/audit/replay-fixtures.test.ts replays each with the current workflow code.',
      recordedAt: new Date().toISOString(),
      fixtures,
    };
    fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const total = fixtures.reduce((n, f) => n + f.bytes, 0);
    console.log(`${fixtures.length} histories, ${(total / 1024).toFixed(0)} KB, in ${path.relative(repoRoot, FIXTURES_DIR)}`);
  } finally {
    await h.teardown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
