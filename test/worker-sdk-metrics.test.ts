/**
 * worker.sdkMetricsAddress: the Runtime as runWorker installs it (worker/telemetry.ts) serves the Temporal SDK's
 * Prometheus exporter, and worker.metricsAddress's endpoint carries those temporal_* series after the worker's own.
 * Runtime.install happens once per process: this file runs in its own (vitest forks one process per file) and
 * starts no Temporal server, so the SDK's own temporal_* series (which appear once a worker polls) are not there: a
 * series recorded through the Runtime's metric meter (served by the same exporter, unprefixed) stands for them.
 */
import net from 'node:net';
import { Runtime } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { installRuntime, startMetricsServer } from '../worker/telemetry';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

describe('the worker process metrics (worker.sdkMetricsAddress, worker.metricsAddress)', () => {
  it("serves the SDK's exporter, and its series merged after the worker's own on the worker's endpoint", async () => {
    const base = loadConfig({ env: {} });
    const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
    const cfg = { ...base, worker: { ...base.worker, sdkMetricsAddress, metricsAddress: '127.0.0.1:0' } };
    const lines: string[] = [];
    const { createLogger } = await import('../config/log');
    expect(installRuntime(cfg, createLogger('worker', { stream: { write: (l: string) => void lines.push(l) } }))).toBe(true);
    expect(installRuntime(cfg)).toBe(false); // once per process

    Runtime.instance().metricMeter.createCounter('centers_probe', 'probes', 'a probe through the SDK meter').add(1);
    Runtime.instance().logger.info('probe line', { workflowId: 'wf-1', sdkComponent: 'worker' });
    // With the core's lines forwarded, the Runtime's logger holds lines ~100 ms to sort them by time.
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('probe line')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(lines.find((l) => l.includes('probe line'))!)).toMatchObject({ level: 30, msg: 'probe line', workflowId: 'wf-1', component: 'worker' });

    let sdk = '';
    for (let i = 0; i < 50 && !/centers_probe/.test(sdk); i++) {
      sdk = await fetch(`http://${sdkMetricsAddress}/metrics`).then((r) => r.text(), () => '');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sdk).toMatch(/^# TYPE centers_probe_total counter$/m);
    expect(sdk).toMatch(/^centers_probe_total(\{[^}]*\})? 1$/m);

    const server = await startMetricsServer('127.0.0.1:0', { sdkMetricsAddress });
    try {
      const merged = await fetch(server.url).then((r) => r.text());
      expect(merged).toMatch(/^# TYPE centers_persist_seconds histogram$/m);
      expect(merged).toMatch(/^centers_probe_total(\{[^}]*\})? 1$/m);
    } finally {
      await server.close();
    }
  });
});
