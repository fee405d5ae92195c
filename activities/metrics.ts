/**
 * The worker's own Prometheus series (docs/operations.md "Metrics"), observed by the activities and served by the
 * worker on worker.metricsAddress (worker/metrics-server.ts). One registry per process, not prom-client's global
 * one: the API's registry (api/metrics.ts) is another, and a test process may run both.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export function createWorkerMetrics() {
  const registry = new Registry();
  return {
    registry,
    /** persistTransition / persistCallEvent: the whole transaction, by activity and outcome. */
    persistSeconds: new Histogram({
      name: 'centers_persist_seconds',
      help: 'Time of one persistence activity (one database transaction), by activity and outcome (written, duplicate: already persisted by an earlier attempt, error)',
      labelNames: ['activity', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    /** The outbox: each notice this worker tried to deliver. */
    notificationDeliveries: new Counter({
      name: 'centers_notification_deliveries_total',
      help: 'Notices handed to the delivery channel by this worker, by outcome (sent, duplicate: recognised by its idempotency key, failed: the channel refused, retried later)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** This process's worker series; every worker in the process observes into it. */
export const workerMetrics: WorkerMetrics = createWorkerMetrics();

/** Runs `fn` and observes its time under `activity` in centers_persist_seconds. */
export async function timedPersist<T extends { written: boolean }>(activity: string, fn: () => Promise<T>): Promise<T> {
  const end = workerMetrics.persistSeconds.startTimer({ activity });
  try {
    const result = await fn();
    end({ outcome: result.written ? 'written' : 'duplicate' });
    return result;
  } catch (err) {
    end({ outcome: 'error' });
    throw err;
  }
}
