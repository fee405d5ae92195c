/** The benchmark's figures: each one for the lifecycle and the baseline, with its ratio (lifecycle ÷ baseline). */

export interface PhaseFigures {
  centersPerMinute: number;
  commandsPerSecond: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  workerPeakRssMb: number;
  /** The baseline writes no database: null. */
  dbBytesPerCenter: number | null;
  historyEventsPerCenter: number;
  replayMsPerHistory: number;
  wallSeconds: number;
  workerCpuSeconds: number;
  serverCpuSeconds: number | null;
  driverCpuSeconds: number;
  /** CPU per accepted command, everything it brings with it (queries, timers, signals, activities) included. */
  serverCpuMsPerCommand: number | null;
  workerCpuMsPerCommand: number;
}

export const FIGURES: { key: keyof PhaseFigures; label: string; digits: number }[] = [
  { key: 'centersPerMinute', label: 'centers per minute', digits: 1 },
  { key: 'commandsPerSecond', label: 'commands per second', digits: 1 },
  { key: 'latencyP50Ms', label: 'command latency p50 (ms)', digits: 1 },
  { key: 'latencyP95Ms', label: 'command latency p95 (ms)', digits: 1 },
  { key: 'latencyP99Ms', label: 'command latency p99 (ms)', digits: 1 },
  { key: 'workerPeakRssMb', label: 'worker peak RSS (MB)', digits: 0 },
  { key: 'dbBytesPerCenter', label: 'database bytes per center', digits: 0 },
  { key: 'historyEventsPerCenter', label: 'history events per center', digits: 0 },
  { key: 'replayMsPerHistory', label: 'replay ms per history', digits: 1 },
  { key: 'wallSeconds', label: 'wall time (s)', digits: 1 },
  { key: 'workerCpuSeconds', label: 'worker CPU (s)', digits: 1 },
  { key: 'serverCpuSeconds', label: 'Temporal server CPU (s)', digits: 1 },
  { key: 'driverCpuSeconds', label: 'driver CPU (s)', digits: 1 },
  { key: 'serverCpuMsPerCommand', label: 'server CPU ms per command', digits: 1 },
  { key: 'workerCpuMsPerCommand', label: 'worker CPU ms per command', digits: 1 },
];

export type Figure = { lifecycle: number | null; baseline: number | null; baselineRatio: number | null };

export function compare(lifecycle: PhaseFigures, baseline: PhaseFigures): Record<keyof PhaseFigures, Figure> {
  const out = {} as Record<keyof PhaseFigures, Figure>;
  for (const { key } of FIGURES) {
    const l = lifecycle[key];
    const b = baseline[key];
    out[key] = { lifecycle: l, baseline: b, baselineRatio: l !== null && b !== null && b !== 0 ? round(l / b, 3) : null };
  }
  return out;
}

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

const fmt = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));

/** A plain-text table: figure, lifecycle, baseline, ratio. */
export function table(figures: Record<keyof PhaseFigures, Figure>): string {
  const rows = FIGURES.map(({ key, label, digits }) => {
    const f = figures[key];
    return [label, fmt(f.lifecycle, digits), fmt(f.baseline, digits), f.baselineRatio === null ? 'n/a' : `${f.baselineRatio.toFixed(2)}×`];
  });
  const header = ['figure', 'lifecycle', 'baseline', 'ratio'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
