/**
 * Every run of a center's workflow, fetched from the server. A center lives in one workflow that continues-as-new
 * at each new cycle (SPEC §3 "Next cycle"), so its history is a chain of runs: the chain is walked backwards from
 * the latest run through each start event's `continuedExecutionRunId`, then put first → last.
 *
 * A university keeps one workflow id for all its applications (`center-<universityId>`): an earlier call's center
 * is an earlier chain under the same id. When the latest chain is another center's, the earlier chains are found
 * through visibility (the dev server and clusters have it; the time-skipping test server does not).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { centerWorkflowId } from '../../contract';
import { NotFoundError } from '../operations';
import { centerIdOf, type History, type RunHistory } from './history';

/** A chain longer than this is a loop in the data, not a center (one run per cycle, five years a cycle). */
const MAX_RUNS = 10_000;

/** "bjut.call-2026" (a center id) or "bjut" (a university: its latest center). */
export function parseCenterRef(ref: string): { workflowId: string; centerId: string | null } {
  const dot = ref.indexOf('.');
  return dot > 0 ? { workflowId: centerWorkflowId(ref.slice(0, dot)), centerId: ref } : { workflowId: centerWorkflowId(ref), centerId: null };
}

async function fetchRun(client: Client, workflowId: string, runId: string): Promise<History> {
  return client.workflow.getHandle(workflowId, runId).fetchHistory();
}

/** Just the start event of a run (its input says which center it is). */
async function fetchStart(client: Client, workflowId: string, runId: string): Promise<History> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  return { events: history?.events?.slice(0, 1) ?? [] };
}

/** The chain of runs ending with `lastRunId`, first → last. */
export async function fetchRunChain(client: Client, workflowId: string, lastRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  const seen = new Set<string>();
  for (let runId: string | null = lastRunId; runId; ) {
    if (seen.has(runId) || seen.size >= MAX_RUNS) throw new Error(`The runs of ${workflowId} do not form a chain (run ${runId} seen twice or too many runs).`);
    seen.add(runId);
    const history = await fetchRun(client, workflowId, runId);
    runs.push({ workflowId, runId, history });
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || null;
  }
  return runs.reverse();
}

async function latestRunId(client: Client, workflowId: string, ref: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`No workflow ${workflowId} for center "${ref}" on the Temporal server.`);
    throw err;
  }
}

/** Visibility: the last run of each chain under this workflow id, newest first. */
async function chainTails(client: Client, workflowId: string): Promise<string[]> {
  const literal = workflowId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const tails: { runId: string; start: number }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${literal}'` })) {
    if (wf.status.name === 'CONTINUED_AS_NEW') continue;
    tails.push({ runId: wf.runId, start: wf.startTime.getTime() });
  }
  return tails.sort((a, b) => b.start - a.start).map((t) => t.runId);
}

export interface CenterRuns {
  workflowId: string;
  /** The center whose runs these are (from the runs' input). */
  centerId: string | null;
  runs: RunHistory[];
}

/**
 * Every run of a center, first → last. Given a center id, only runs whose input names that center are kept;
 * given a university id, the runs of its latest center.
 */
export async function fetchCenterRuns(client: Client, ref: string): Promise<CenterRuns> {
  const { workflowId, centerId } = parseCenterRef(ref);
  const latest = await latestRunId(client, workflowId, ref);
  let runs = await fetchRunChain(client, workflowId, latest);
  const wanted = centerId ?? centerIdOf(runs.at(-1)!.history);
  let matching = runs.filter((r) => centerIdOf(r.history) === wanted);

  if (matching.length === 0 && centerId) {
    // An earlier application of the same university: look for its chain through visibility.
    let tails: string[];
    try {
      tails = await chainTails(client, workflowId);
    } catch (err) {
      throw new NotFoundError(
        `The latest workflow ${workflowId} is center "${centerIdOf(runs.at(-1)!.history)}", not "${centerId}", and the server ` +
          `cannot list earlier runs (${(err as Error).message.split('\n')[0]}).`,
      );
    }
    for (const tail of tails.filter((t) => t !== latest)) {
      const head = await fetchStart(client, workflowId, tail);
      if (centerIdOf(head) !== centerId) continue;
      runs = await fetchRunChain(client, workflowId, tail);
      matching = runs.filter((r) => centerIdOf(r.history) === centerId);
      break;
    }
    if (matching.length === 0) throw new NotFoundError(`No run of workflow ${workflowId} belongs to center "${centerId}".`);
  }
  return { workflowId, centerId: wanted, runs: matching };
}
