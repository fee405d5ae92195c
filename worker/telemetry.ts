/**
 * The worker process's telemetry (docs/operations.md "Metrics", "Logs"):
 *  - the Temporal Runtime, installed once per process before the worker connects: its logger writes JSON lines
 *    through pino (the SDK core's own lines forwarded to it too), and, with worker.sdkMetricsAddress, the SDK's
 *    Prometheus exporter serves the temporal_* series there;
 *  - with worker.metricsAddress, a small HTTP server answering GET /metrics with the worker's own series
 *    (activities/metrics.ts) followed by the SDK's (read from its exporter on each scrape), one target per worker.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import type { AppConfig } from '../config';
import { createLogger, temporalLogger } from '../config/log';
import { workerMetrics } from '../activities/metrics';

/**
 * Installs the Temporal Runtime with the pino logger and, when configured, the SDK's Prometheus exporter. Returns
 * false when a Runtime was already made in this process (a test, a script): it keeps its options.
 */
export function installRuntime(cfg: AppConfig, logger: PinoLogger = createLogger('worker')): boolean {
  if (Runtime._instance) return false;
  const address = cfg.worker.sdkMetricsAddress;
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(address ? { metrics: { prometheus: { bindAddress: address, countersTotalSuffix: true, useSecondsForDurations: true } } } : {}),
    },
  });
  return true;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

/** "host:port" as a URL's authority: 0.0.0.0 / :: are reached on the loopback address. */
function reachable(address: string): string {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = address.slice(i + 1);
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `${h}:${port}`;
}

/** The SDK exporter's text, or a comment saying why there is none. */
async function sdkMetrics(address: string): Promise<string> {
  try {
    const res = await fetch(`http://${reachable(address)}/metrics`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return `# Temporal SDK metrics at ${address}: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# Temporal SDK metrics at ${address} unavailable: ${(err as Error).message.split('\n')[0]}\n`;
  }
}

/** Serves GET /metrics on `address` ("host:port"; port 0: any free port). */
export async function startMetricsServer(address: string, opts: { sdkMetricsAddress?: string | null } = {}): Promise<MetricsServer> {
  const registry = workerMetrics.registry;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    void (async () => {
      try {
        const own = await registry.metrics();
        const sdk = opts.sdkMetricsAddress ? await sdkMetrics(opts.sdkMetricsAddress) : '';
        res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      }
    })();
  });
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(i + 1)), host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${reachable(`${address.slice(0, i)}:${port}`)}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
