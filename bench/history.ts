/**
 * History size and replay cost for a sample of workflows: every run of a workflow, followed back through its
 * continue-as-new chain, is fetched from the server and replayed with the same workflow bundle the worker ran.
 */
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

type History = temporal.api.history.v1.IHistory;
// A CommonJS module: its namespaces come through the default import under ESM.
const EventType = proto.temporal.api.enums.v1.EventType;

export interface HistorySample {
  workflows: number;
  runs: number;
  /** Mean events per workflow, every run summed. */
  eventsPerWorkflow: number;
  /** Mean events of each type per workflow (what the history is made of). */
  eventTypes: Record<string, number>;
  /** Mean history bytes per workflow (the server's own figure), every run summed. */
  bytesPerWorkflow: number | null;
  /** Mean time to replay one workflow's every run, after a warm-up replay. */
  replayMsPerWorkflow: number;
  /** Failed workflow tasks in the sampled histories, by cause and message (a healthy run has none, or benign ones). */
  workflowTaskFailures: Record<string, number>;
  /** Replays that failed (a determinism violation would show here). */
  replayFailures: string[];
}

/** Every run of the workflow, oldest first. */
async function fetchRuns(client: Client, workflowId: string): Promise<{ runId: string; history: History; bytes: number | null }[]> {
  const runs: { runId: string; history: History; bytes: number | null }[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const handle: WorkflowHandle = client.workflow.getHandle(workflowId, runId);
    const [history, description]: [History, { historySize?: number }] = await Promise.all([handle.fetchHistory(), handle.describe()]);
    runs.unshift({ runId, history, bytes: description.historySize ?? null });
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

export async function sampleHistories(client: Client, bundlePath: string, workflowIds: string[]): Promise<HistorySample> {
  const fetched = [];
  for (const workflowId of workflowIds) fetched.push({ workflowId, runs: await fetchRuns(client, workflowId) });
  const all = fetched.flatMap((w) => w.runs.map((r) => ({ workflowId: w.workflowId, history: r.history })));
  const events = all.reduce((n, r) => n + (r.history.events?.length ?? 0), 0);
  const bytes = fetched.flatMap((w) => w.runs.map((r) => r.bytes));
  const types: Record<string, number> = {};
  const taskFailures: Record<string, number> = {};
  const Cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause;
  for (const r of all) {
    for (const e of r.history.events ?? []) {
      const failed = e.workflowTaskFailedEventAttributes;
      if (failed) {
        const why = `${Cause[failed.cause ?? 0] ?? failed.cause}: ${(failed.failure?.message ?? '').slice(0, 160)}`;
        taskFailures[why] = (taskFailures[why] ?? 0) + 1;
      }
      const name = EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType);
      types[name] = (types[name] ?? 0) + 1;
    }
  }

  const options = { workflowBundle: { codePath: bundlePath } };
  // The first replay pays for the replay worker's start-up; it is not counted.
  if (all.length) await Worker.runReplayHistory(options, all[0].history, all[0].workflowId);
  const failures: string[] = [];
  const t0 = performance.now();
  for await (const result of Worker.runReplayHistories(options, all)) {
    if (result.error) failures.push(`${result.workflowId}/${result.runId}: ${result.error.message}`);
  }
  const replayMs = performance.now() - t0;

  const n = Math.max(1, fetched.length);
  return {
    workflows: fetched.length,
    runs: all.length,
    eventsPerWorkflow: events / n,
    eventTypes: Object.fromEntries(Object.entries(types).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / Math.max(1, fetched.length)) * 10) / 10])),
    workflowTaskFailures: taskFailures,
    bytesPerWorkflow: bytes.every((b) => b !== null) ? (bytes as number[]).reduce((a, b) => a + b, 0) / n : null,
    replayMsPerWorkflow: replayMs / n,
    replayFailures: failures,
  };
}

/** Evenly spread indices 0..n-1, at most `size` of them. */
export function sampleIndices(n: number, size: number): number[] {
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: size }, (_, k) => Math.floor((k * n) / size));
}
