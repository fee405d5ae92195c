/**
 * Runs only the worker against a configured Temporal server (temporal.address or CENTERS_TEMPORAL_ADDRESS),
 * for scale-out: start as many as needed on the same task queue. `npm start` is the all-in-one default.
 */
import { ConfigError, loadConfig } from '../config';
import { migrateLatest } from '../db/migrate';
import { runWorker } from './run';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const address = cfg.temporal.address ?? `${cfg.devServer.ip}:${cfg.devServer.port}`;
  const { applied } = await migrateLatest(cfg);
  if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
  await runWorker(cfg, { address, signal: controller.signal });
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  console.error('Is the Temporal server running at the configured address? `npm start` starts one for you.');
  process.exit(1);
});
