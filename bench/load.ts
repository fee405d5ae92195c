/**
 * The simulated operators' shared desk: a semaphore bounds how many operations are in flight at once
 * (--concurrency), and every command's client-side latency and outcome is recorded.
 */
import { performance } from 'node:perf_hooks';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
  get inUse(): number {
    return this.size - this.free;
  }
}

/** Outcome of an operation that did not succeed: a named refusal, or an error of the client or server. */
export type Failure = { refused: string } | { error: string };
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export class Load {
  readonly latenciesMs: number[] = [];
  /** Latencies of each kind of command (SUBMIT_APPLICATION, APPROVE, …), to find the slow ones. */
  readonly latenciesByType: Record<string, number[]> = {};
  commands = 0;
  queries = 0;
  readonly refusals: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  private readonly gate: Semaphore;

  constructor(concurrency: number) {
    this.gate = new Semaphore(concurrency);
  }

  get inFlight(): number {
    return this.gate.inUse;
  }

  /** One command; its latency is measured once it holds a permit (operator waiting time is not service time). */
  async command<T>(type: string, fn: () => Promise<T>, classify: (err: unknown) => Failure): Promise<Outcome<T>> {
    await this.gate.acquire();
    const t0 = performance.now();
    try {
      const result = await fn();
      const ms = performance.now() - t0;
      this.latenciesMs.push(ms);
      (this.latenciesByType[type] ??= []).push(ms);
      this.commands += 1;
      return { ok: true, value: result };
    } catch (err) {
      const failure = classify(err);
      if ('refused' in failure) this.refusals[failure.refused] = (this.refusals[failure.refused] ?? 0) + 1;
      else this.errors[failure.error] = (this.errors[failure.error] ?? 0) + 1;
      return { ok: false, failure };
    } finally {
      this.gate.release();
    }
  }

  async query<T>(fn: () => Promise<T>): Promise<T> {
    await this.gate.acquire();
    try {
      this.queries += 1;
      return await fn();
    } finally {
      this.gate.release();
    }
  }
}

/** p50 / p95 / max and count of each command type's latencies, slowest p95 first. */
export function latencySummary(byType: Record<string, number[]>): Record<string, { n: number; p50: number; p95: number; max: number }> {
  const rows = Object.entries(byType).map(([type, v]) => {
    const r = (x: number | null) => Math.round((x ?? 0) * 10) / 10;
    return [type, { n: v.length, p50: r(percentile(v, 50)), p95: r(percentile(v, 95)), max: r(Math.max(...v)) }] as const;
  });
  return Object.fromEntries(rows.sort((a, b) => b[1].p95 - a[1].p95));
}

/** The p-th percentile (nearest rank) of the values, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** A one-line progress bar on stderr, redrawn in place (a line every 10 s when stderr is not a terminal). */
export function progressBar(label: string, total: number, status: () => { done: number; commands: number; inFlight: number }) {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const draw = (final = false) => {
    const { done, commands, inFlight } = status();
    const s = (performance.now() - started) / 1000;
    const width = 24;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const line =
      `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} centers  ` +
      `${fmtDuration(s)}  ${(done / Math.max(s / 60, 1e-9)).toFixed(1)}/min  ${(commands / Math.max(s, 1e-9)).toFixed(1)} cmd/s  in flight ${inFlight}`;
    if (tty) process.stderr.write(`\r${line.padEnd(110)}${final ? '\n' : ''}`);
    else if (final || s - lastLine >= 10) {
      lastLine = s;
      process.stderr.write(`${line}\n`);
    }
  };
  const timer = setInterval(() => draw(), tty ? 250 : 1000);
  return {
    stop() {
      clearInterval(timer);
      draw(true);
    },
  };
}

export function fmtDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
