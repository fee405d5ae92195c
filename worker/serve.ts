/**
 * The worker and the HTTP API in one process: the child that `npm start` (worker/start.ts) runs and restarts.
 * Not meant to be run by hand (`npm run worker` and `npm run api` run each alone).
 *
 *   node --import tsx worker/serve.ts --address host:port
 *
 * It tells its parent over the IPC channel when the API listens ({ type: 'ready', apiUrl }), and drains on SIGTERM
 * (or SIGINT, or when the parent is gone and the channel closes): the API stops taking requests and finishes those
 * in flight (which may wait on the worker), then the worker stops polling and finishes its tasks; exit 0.
 */
import { loadConfigForProcess } from '../config';
import { temporalAddress } from '../config/temporal-connection';
import { startApi, type RunningApi } from '../api/server';
import { runWorker } from './run';
import { apiLoggerOptions } from '../config/log';

/**
 * After the supervisor is gone, how long the drain may take before this process exits anyway: its local dev server
 * is being stopped by its watchdog meanwhile, and a worker cannot finish its shutdown without a server to talk to.
 */
const ORPHAN_DRAIN_MS = 10_000;

export type ServeMessage = { type: 'ready'; apiUrl: string; pid: number };

const log = (s: string) => console.log(s);

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const cfg = loadConfigForProcess();
  if (!cfg) return 2;
  const address = argValue('--address') ?? temporalAddress(cfg);

  const stop = new AbortController(); // stop taking requests
  const stopWorker = new AbortController(); // then stop the worker
  const onStop = (why: string) => {
    if (stop.signal.aborted) return;
    log(`Worker process ${process.pid}: ${why}; draining.`);
    stop.abort();
  };
  process.on('SIGTERM', () => onStop('SIGTERM'));
  process.on('SIGINT', () => onStop('SIGINT'));
  process.on('disconnect', () => {
    onStop('its supervisor is gone');
    setTimeout(() => process.exit(1), ORPHAN_DRAIN_MS).unref();
  });
  // Writing to a terminal that was closed must not crash the drain.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});

  let api: RunningApi | null = null;
  let apiClosing: Promise<void> | null = null;
  const closeApi = () =>
    (apiClosing ??= (async () => {
      if (api) {
        await api.close();
        log('HTTP API stopped.');
      }
      stopWorker.abort();
    })());
  stop.signal.addEventListener('abort', () => {
    if (api) void closeApi(); // while the API starts: right after, below
  }, { once: true });

  try {
    api = await startApi(cfg, { address, logger: apiLoggerOptions() });
    if (stop.signal.aborted) {
      await closeApi();
      return 0;
    }
    const ready: ServeMessage = { type: 'ready', apiUrl: api.url, pid: process.pid };
    process.send?.(ready);
    await runWorker(cfg, { address, signal: stopWorker.signal, log });
    if (!stop.signal.aborted) throw new Error('the worker stopped by itself');
    await closeApi();
    return 0;
  } catch (e) {
    console.error(`Worker process ${process.pid}: ${e instanceof Error ? e.message : String(e)}`);
    await Promise.race([closeApi(), new Promise((r) => setTimeout(r, 5_000))]);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
