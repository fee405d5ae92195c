/** What bench/run.ts and its worker processes (bench/worker.ts) tell each other. */
import type { DatabaseConfig } from '../db/knex';

export interface WorkerSpec {
  kind: 'lifecycle' | 'baseline';
  address: string;
  namespace: string;
  taskQueue: string;
  /** The prebuilt workflow bundle (bundling is the parent's cost, not the worker's). */
  bundlePath: string;
  /** The project's database: a SQLite file or a PostgreSQL database (lifecycle only). */
  database?: DatabaseConfig;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

export interface WorkerReport {
  type: 'report';
  kind: WorkerSpec['kind'];
  /** Highest resident set size sampled while the worker ran (bundle prebuilt, so no bundling peak). */
  peakRssBytes: number;
  /** The kernel's high-water mark for the whole process (getrusage maxrss). */
  maxRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  runMs: number;
  activities: {
    count: number;
    /** Sum of every activity's duration (includes waiting for SQLite's single connection). */
    totalMs: number;
    maxMs: number;
    /** Wall time with at least one activity running (summed over the workers when there are several). */
    busyMs: number;
  };
}
