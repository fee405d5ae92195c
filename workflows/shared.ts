import { ApplicationFailure, log, metricMeter, proxyActivities, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { SignedStartFields } from '../config/start-secret';
import type { MetricCounter } from '@temporalio/common';
import type { Activities } from '../activities';
import type { z } from 'zod';
import type { Refusal } from '../machines/commands';

/**
 * Persistence activities retry until the database answers: a decision is never dropped because the database
 * was briefly away (the update waits). Input that can never be written fails non-retryably.
 *
 * One attempt is one transaction of a few rows: 20 seconds is far beyond any (SQLite waits 5 s for a lock), and
 * bounds how long an attempt lost with its worker (SIGKILL, a host gone) holds up what waits on it — the call's
 * rows are written in order, so one lost attempt delays every later one by this much.
 */
export const persistence = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A start's signed fields but the workflow id, which the workflow reads from its own info (each kind its own). */
type StartFieldsOf<F> = F extends unknown ? Omit<F, 'workflowId'> : never;

let dropped: MetricCounter | undefined;
/**
 * A signal dropped at the workflow's edge (docs/security.md): malformed, from the wrong sender, or unasked. A signal
 * cannot be refused, and must never fail the workflow task; it leaves a warning in the worker's log and counts in
 * `centers_signals_dropped_total{signal, why}` (the SDK's exporter, worker.sdkMetricsAddress; not counted on replay).
 */
export function dropSignal(signal: string, why: string, fields: Record<string, unknown> = {}): void {
  log.warn(`${signal} dropped: ${why}`, fields);
  (dropped ??= metricMeter.createCounter('centers_signals_dropped', 'signals', 'signals dropped at a workflow\'s edge')).add(1, { signal, why });
}

/** The start's check (activities/start.ts): pure CPU in the worker, so a short local activity. */
const startCheck = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * docs/security.md "Forged starts": since the patch `patch`, a run that was not continued from another takes its
 * input only with the service's signature on what its start fixes. The check (a worker's, activities/start.ts) starts
 * now and its promise is awaited before anything is written; a start without the signature fails non-retryably as
 * NotStartedByService, naming why. Null for continued runs (started by the workflow itself) and for runs started
 * before the patch: they wait for nothing, with no extra await, so their histories replay as recorded.
 */
export function checkStart(patch: string, fields: StartFieldsOf<SignedStartFields>, signature: unknown): Promise<void> | null {
  const info = workflowInfo();
  if (info.continuedFromExecutionRunId || !patched(patch)) return null;
  return startCheck
    .verifyStart({ fields: { ...fields, workflowId: info.workflowId } as SignedStartFields, signature, startedAtMs: info.startTime.getTime() })
    .then((verdict) => {
      if (!verdict.ok) {
        throw ApplicationFailure.create({ type: 'NotStartedByService', message: `Not a ${fields.kind} workflow the service started: ${verdict.reason}`, nonRetryable: true });
      }
    });
}

/** A refused command (SPEC §3a): the failure's type is the reason, its message the human sentence. */
export function refusalFailure(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({ type: refusal.reason, message: refusal.message, nonRetryable: true, details: [refusal] });
}

/**
 * A workflow's input is checked before anything runs (docs/security.md): one that does not parse — a workflow
 * started by hand with a made-up input — fails the workflow at once, non-retryably, naming what is wrong; it
 * never runs the lifecycle against a half-made policy.
 */
export function refuseInvalidInput(schema: z.ZodTypeAny, input: unknown, what: string): void {
  const parsed = schema.safeParse(input);
  if (parsed.success) return;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw ApplicationFailure.create({ type: 'InvalidWorkflowInput', message: `Not a ${what} workflow the service started: ${issues}`, nonRetryable: true });
}

/** Workflow time (deterministic inside the sandbox). */
export const nowIso = (): string => new Date().toISOString();

/**
 * A one-at-a-time lock: each command's check, transition and persistence run without another command's
 * interleaving, so the state a command was checked against is the state it is applied to.
 */
export function createLock(condition: (fn: () => boolean) => Promise<void>) {
  let busy = false;
  return {
    get busy() {
      return busy;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      // Several waiters may be released by the same activation; only the first to resume takes the lock.
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        return await fn();
      } finally {
        busy = false;
      }
    },
  };
}
