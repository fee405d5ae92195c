/** The benchmark's figures: each one for the lifecycle and the baseline, with its ratio (lifecycle ÷ baseline). */
import type { HistorySample } from './history';
import { percentile, type Load } from './load';
import type { WorkerReport } from './protocol';

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
  /** The server's own history size, every run summed. */
  historyKbPerCenter: number | null;
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
  { key: 'historyKbPerCenter', label: 'history KB per center', digits: 0 },
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

const roundOrNull = (x: number | null) => (x === null ? null : round(x, 2));

/** One phase's figures from what was measured: the driver's load, the worker's report, the history sample. */
export function phaseFigures(
  centers: number,
  phase: { wallMs: number; serverCpuSeconds: number | null; driverCpuSeconds: number },
  load: Load,
  w: WorkerReport,
  h: HistorySample,
  dbBytes: number | null,
): PhaseFigures {
  const workerCpuMs = w.cpuUserMs + w.cpuSystemMs;
  const commands = Math.max(1, load.commands);
  return {
    centersPerMinute: round(centers / (phase.wallMs / 60_000), 2),
    commandsPerSecond: round(load.commands / (phase.wallMs / 1000), 2),
    latencyP50Ms: roundOrNull(percentile(load.latenciesMs, 50)),
    latencyP95Ms: roundOrNull(percentile(load.latenciesMs, 95)),
    latencyP99Ms: roundOrNull(percentile(load.latenciesMs, 99)),
    workerPeakRssMb: round(w.peakRssBytes / 2 ** 20, 1),
    dbBytesPerCenter: dbBytes === null ? null : Math.round(dbBytes / centers),
    historyEventsPerCenter: round(h.eventsPerWorkflow, 1),
    historyKbPerCenter: h.bytesPerWorkflow === null ? null : round(h.bytesPerWorkflow / 1024, 1),
    replayMsPerHistory: round(h.replayMsPerWorkflow, 2),
    wallSeconds: round(phase.wallMs / 1000, 2),
    workerCpuSeconds: round(workerCpuMs / 1000, 2),
    serverCpuSeconds: phase.serverCpuSeconds === null ? null : round(phase.serverCpuSeconds, 2),
    driverCpuSeconds: round(phase.driverCpuSeconds, 2),
    serverCpuMsPerCommand: phase.serverCpuSeconds === null ? null : round((phase.serverCpuSeconds * 1000) / commands, 2),
    workerCpuMsPerCommand: round(workerCpuMs / commands, 2),
  };
}
