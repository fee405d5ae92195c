/**
 * Replaying recorded runs with the current workflow code (SPEC §6 "Replay"): a run whose commands the code no
 * longer issues in the same order throws DeterminismViolationError — the change needed a `patched()` guard.
 * The code is bundled once per version (and cached) and every run goes through one replay worker.
 */
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { cachedWorkflowBundle, type CachedBundleOptions } from '../../worker/bundle';
import type { RunHistory } from './history';

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  ok: boolean;
  /** `nondeterminism`: the code issues other commands than the history holds; `error`: replay failed otherwise. */
  error: { kind: 'nondeterminism' | 'error'; name: string; message: string } | null;
}

/** The code to replay against: a workflows module (bundled here) or a bundle made before. */
export type ReplayCode = { workflowsPath: string } | { workflowBundle: WorkflowBundle };

/**
 * The bundle of a workflows module, for several replays: bundling takes seconds, so it is done once per version of
 * the code and kept (worker/bundle.ts: keyed by a hash of every file it is made of, never stale).
 */
export async function bundleForReplay(workflowsPath: string, options?: CachedBundleOptions): Promise<{ workflowBundle: WorkflowBundle }> {
  return { workflowBundle: (await cachedWorkflowBundle(workflowsPath, options)).workflowBundle };
}

/** Replays every run; never throws for a run that does not replay, it reports it. */
export async function replayRuns(runs: readonly RunHistory[], code: ReplayCode): Promise<ReplayOutcome[]> {
  if (runs.length === 0) return [];
  const options = 'workflowBundle' in code ? { workflowBundle: code.workflowBundle } : await bundleForReplay(code.workflowsPath);
  const outcomes: ReplayOutcome[] = [];
  let i = 0;
  for await (const result of Worker.runReplayHistories({ ...options, replayName: 'centers-audit' }, runs.map((r) => ({ workflowId: r.workflowId, history: r.history })))) {
    // One history at a time, in order: the i-th result is the i-th run.
    const run = runs[i++];
    const error = result.error;
    outcomes.push({
      workflowId: run.workflowId,
      runId: run.runId,
      ok: !error,
      error: error
        ? { kind: error.name === 'DeterminismViolationError' ? 'nondeterminism' : 'error', name: error.name, message: error.message }
        : null,
    });
  }
  return outcomes;
}
