/**
 * Simulated operators for one center: they read the center's state (the `state` query, as the CLI's `show` does),
 * decide what the commission, the university and the experts would send next, and send it through the real client
 * operations (client/operations.ts). When nothing is to be done they wait for the next deadline, with a small
 * bounded backoff: this is a load generator, not a test.
 */
import type { Client } from '@temporalio/client';
import { CommandRefusedError, sendCenterCommand, showCenter, submitApplication, type OperationsContext } from '../client/operations';
import type { Command } from '../machines/commands';
import type { Actor } from '../machines/domain';
import { centerWorkflowId, type CenterView } from '../contract';
import {
  annualSummary,
  applicationAsOf,
  cmd,
  commission,
  expertActor,
  experts,
  guidanceRequest,
  promotionRequest,
  reserveResult,
  scores,
  university,
} from '../test/helpers/fixtures';
import { sleep, type Failure, type Load } from './load';

/** How a center's life goes (Art. 18–19), chosen per center so the run has a fixed mix. */
export type Plan = 'pass' | 'rectifyMidTerm' | 'rectifyAcceptance' | 'stopReEvaluation' | 'stopDeadline';
export const PLANS: readonly Plan[] = ['pass', 'rectifyMidTerm', 'rectifyAcceptance', 'stopReEvaluation', 'stopDeadline'];

/**
 * About 87% pass every evaluation, 10% are graded unqualified once (mid-term or acceptance) and pass the
 * re-evaluation after rectifying, 3% end in stopped support (a failed re-evaluation, or a missed deadline).
 * 37 is coprime with 100, so every 100 consecutive centers hold exactly 3 + 10 + 87.
 */
export function planFor(i: number): Plan {
  const r = (i * 37) % 100;
  if (r < 3) return r % 2 === 0 ? 'stopReEvaluation' : 'stopDeadline';
  if (r < 13) return r % 2 === 0 ? 'rectifyMidTerm' : 'rectifyAcceptance';
  return 'pass';
}

const PANEL = experts('pku');
const EVALUATION_PANEL = experts('tsinghua');

/** Every actor the operators of these universities send commands as (for `--via-api`, a user each). */
export function operatorActors(universityIds: readonly string[]): Actor[] {
  return [commission, ...[...PANEL, ...EVALUATION_PANEL].map(expertActor), ...universityIds.map((u) => university(u))];
}

/** The three operations the operators use: by default the client's, straight to Temporal; `--via-api` over HTTP. */
export interface CenterOperations {
  submitApplication(command: Command): Promise<unknown>;
  sendCenterCommand(ref: string, command: Command): Promise<unknown>;
  showCenter(ref: string): Promise<CenterView>;
}

export const directOperations = (ops: OperationsContext): CenterOperations => ({
  submitApplication: (c) => submitApplication(ops, c),
  sendCenterCommand: (ref, c) => sendCenterCommand(ops, ref, c),
  showCenter: (ref) => showCenter(ops, ref),
});
/** A generous rectification deadline for the centers meant to rectify, so a loaded run does not miss it by accident. */
const RECTIFICATION_DAYS = 365;
const MIN_WAIT_MS = 20;
const MAX_WAIT_MS = 1000;

export interface CenterRun {
  /** The center's index in the run (its plan and call follow from it). */
  index: number;
  universityId: string;
  plan: Plan;
  /** Reached cycle 2 (acceptance passed), support stopped (Art. 19), or neither before the run gave up. */
  outcome: 'nextCycle' | 'supportStopped' | 'unfinished';
  commands: number;
  /** State queries the operators made to decide (not counting the one inside each sendCenterCommand). */
  queries: number;
  doneAtMs: number | null;
}

/** The grade the experts give in an evaluation of this kind, for this plan (passing, or failing with a reason). */
function scoreFor(plan: Plan, kind: string, i: number): { score: number; fail: boolean } {
  const failsAt: Record<Plan, string | null> = {
    pass: null,
    rectifyMidTerm: 'midTerm',
    rectifyAcceptance: 'acceptance',
    stopReEvaluation: 'midTerm',
    stopDeadline: 'acceptance',
  };
  if (kind === failsAt[plan]) return { score: 40, fail: true };
  if (kind === 'reEvaluation') return plan === 'stopReEvaluation' ? { score: 50, fail: true } : { score: 75, fail: false };
  // A third of the passing acceptances are excellent (tier A), the rest qualified (tier B).
  return { score: kind === 'acceptance' && i % 3 === 0 ? 93 : 82, fail: false };
}

/** What the operators send next, all at once (independent commands), or nothing while they wait. */
export function nextCommands(v: CenterView, plan: Plan, i: number, cycleYears: number, today: string): Command[] {
  const uni = university(v.universityId);
  switch (v.state) {
    case 'application.eligible':
      return [cmd('ASSIGN_EXPERTS', commission, { experts: PANEL })];
    case 'application.inReview':
      return v.experts
        .filter((e) => !e.reviewed)
        .map((e) => cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Strong transfer record' } }));
    case 'application.awaitingDecision':
      return [cmd('APPROVE', commission, { reason: 'Among the best of the call' })];
  }
  if (!v.state.startsWith('building')) return [];

  // The yearly routine first (Art. 13–18): summaries, and funding when support is not suspended.
  const routine: Command[] = [];
  for (const s of v.summaries) {
    if (s.status === 'open' || s.status === 'returned') routine.push(cmd('SUBMIT_SUMMARY', uni, { cycle: s.cycle, year: s.year, summary: annualSummary() }));
    else if (s.status === 'submitted') routine.push(cmd('ACCEPT_SUMMARY', commission, { cycle: s.cycle, year: s.year }));
  }
  if (!v.rectification) {
    for (const f of v.funding.filter((x) => x.status === 'pending')) {
      routine.push(cmd('GRANT_FUNDING', commission, { requestId: f.requestId, amountFen: f.request.amountFen }));
    }
    const year = v.yearsEnded + 1;
    if (v.cycle > 0 && year <= cycleYears && !v.funding.some((f) => f.cycle === v.cycle && f.year === year)) {
      if (year % 2 !== 0) routine.push(cmd('REQUEST_FUNDING', uni, { request: promotionRequest() }));
      else {
        // Art. 15: a guidance project transfers a result of the center's reserve — added first when none is free.
        const free = v.reserve.find((r) => r.status === 'inReserve');
        routine.push(free ? cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, [free.result.resultId]) }) : cmd('RECORD_RESULT', uni, { result: reserveResult(`r-c${v.cycle}-y${year}`) }));
      }
    }
  }
  if (routine.length) return routine;

  const ev = v.evaluation;
  const { score, fail } = scoreFor(plan, ev?.kind ?? '', i);
  switch (v.state) {
    case 'building.evaluation.selfEvaluation':
      return [cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(score), report: 'Self-evaluation of the five key tasks' })];
    case 'building.evaluation.onSiteInspection':
      return [cmd('RECORD_INSPECTION', commission, { inspectedOn: today, inspectors: ['Inspector Liu'], findings: 'Seen on site' })];
    case 'building.evaluation.expertAssignment':
      return [cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: EVALUATION_PANEL })];
    case 'building.evaluation.expertReview':
      return (ev?.experts ?? [])
        .filter((e) => !(e.id in (ev?.reviews ?? {})))
        .map((e) => cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(score), opinion: 'Scored on the five key tasks' }));
    case 'building.evaluation.assessment':
      return [
        cmd(
          'ASSESS',
          commission,
          fail
            ? { reason: 'Weak on every key task', ...(plan === 'stopDeadline' ? {} : { rectificationDays: RECTIFICATION_DAYS }) }
            : {},
        ),
      ];
    case 'building.rectification':
      // A missed deadline is the university sending nothing: the workflow's timer stops support (Art. 19).
      return plan === 'stopDeadline' ? [] : [cmd('SUBMIT_RECTIFICATION', uni, { report: 'Rectification report: every finding addressed' })];
  }
  return [];
}

export function classify(err: unknown): Failure {
  if (err instanceof CommandRefusedError) return { refused: err.reason };
  return { error: err instanceof Error ? err.name : 'unknown' };
}

export interface CenterDriverDeps {
  ops: OperationsContext;
  client: Client;
  load: Load;
  callId: string;
  cycleYears: number;
  /** Monotonic ms since the phase started. */
  clock: () => number;
  /** The run gives up on a center after this (ms on the same clock). */
  giveUpAtMs: number;
  /** Every center follows this plan instead of the mix (to try one path). */
  plan?: Plan;
  /** How the operators reach the service: directOperations(ops) unless given (`--via-api`: the HTTP API). */
  operations?: CenterOperations;
  /** Terminates a center's cycle-2 run once it has begun (default true); the fault run keeps it, to reconcile it. */
  retire?: boolean;
}

/** Runs one center from its application to cycle 2 (or stopped support), as its operators would. */
export async function driveCenter(deps: CenterDriverDeps, i: number, universityId: string): Promise<CenterRun> {
  const { load } = deps;
  const ops = deps.operations ?? directOperations(deps.ops);
  const plan = deps.plan ?? planFor(i);
  const run: CenterRun = { index: i, universityId, plan, outcome: 'unfinished', commands: 0, queries: 0, doneAtMs: null };
  const uni: Actor = university(universityId);

  // Art. 8: the application starts the workflow (update-with-start); retried until it is in.
  for (;;) {
    const submitted = await load.command(
      'SUBMIT_APPLICATION',
      () => ops.submitApplication(cmd('SUBMIT_APPLICATION', uni, { callId: deps.callId, application: applicationAsOf(universityId, Date.now()) })),
      classify,
    );
    if (submitted.ok) {
      run.commands += 1;
      break;
    }
    if ('refused' in submitted.failure) throw new Error(`the application of ${universityId} was refused (${submitted.failure.refused})`);
    if (deps.clock() > deps.giveUpAtMs) return run;
    await sleep(MAX_WAIT_MS);
  }

  let backoff = MIN_WAIT_MS;
  while (deps.clock() < deps.giveUpAtMs) {
    let v: CenterView;
    try {
      run.queries += 1;
      v = await load.query(() => ops.showCenter(universityId));
    } catch (err) {
      // A query can land between two runs of a continue-as-new, or time out under load: count it, look again.
      const name = `query:${err instanceof Error ? err.name : 'unknown'}`;
      load.errors[name] = (load.errors[name] ?? 0) + 1;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_WAIT_MS);
      continue;
    }
    if (v.state === 'supportStopped' || v.cycle >= 2 || v.closed) {
      run.outcome = v.state === 'supportStopped' ? 'supportStopped' : v.cycle >= 2 ? 'nextCycle' : 'unfinished';
      run.doneAtMs = deps.clock();
      if (run.outcome === 'nextCycle' && deps.retire !== false) await retireNextCycle(deps.client, universityId);
      return run;
    }
    const today = new Date().toISOString().slice(0, 10);
    const commands = nextCommands(v, plan, i, deps.cycleYears, today);
    if (commands.length) {
      const results = await Promise.all(commands.map((c) => load.command(c.type, () => ops.sendCenterCommand(universityId, c), classify)));
      run.commands += results.filter((r) => r.ok).length;
      backoff = MIN_WAIT_MS;
      continue;
    }
    // Nothing to do: sleep until the next deadline is due, or back off while a due one is being processed.
    const untilDue = v.nextDeadline ? Date.parse(v.nextDeadline.dueAt) - Date.now() : Infinity;
    if (untilDue > 0 && untilDue < Infinity) {
      await sleep(Math.min(untilDue + MIN_WAIT_MS, MAX_WAIT_MS));
      backoff = MIN_WAIT_MS;
    } else {
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_WAIT_MS);
    }
  }
  return run;
}

/**
 * A center in cycle 2 has finished the benchmark's lifecycle, but its new run has five more years of timers:
 * once the continue-as-new has happened, that run is terminated so it does not load the rest of the run.
 */
async function retireNextCycle(client: Client, universityId: string): Promise<void> {
  const handle = client.workflow.getHandle(centerWorkflowId(universityId));
  for (let attempt = 0; attempt < 100; attempt++) {
    const d = await handle.describe();
    const firstRunId = d.raw.workflowExecutionInfo?.firstRunId;
    if (d.status.name === 'RUNNING' && firstRunId && d.runId !== firstRunId) {
      await client.workflow.getHandle(centerWorkflowId(universityId), d.runId).terminate('benchmark: the center reached cycle 2');
      return;
    }
    if (d.status.name !== 'RUNNING' && d.status.name !== 'CONTINUED_AS_NEW') return;
    await sleep(100);
  }
}
