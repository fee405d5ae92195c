/**
 * `npm run api`: the HTTP API alone, against a running Temporal server and a migrated database (as `npm start`
 * leaves them, or a cluster and PostgreSQL). Stops on Ctrl-C.
 */
import { loadConfigForProcess } from '../config';
import { temporalAddress } from '../config/temporal-connection';
import { startApi } from './server';
import { apiLoggerOptions } from '../config/log';

async function main(): Promise<number> {
  const cfg = loadConfigForProcess();
  if (!cfg) return 2;
  const address = temporalAddress(cfg);
  let api;
  try {
    api = await startApi(cfg, { address, logger: apiLoggerOptions() });
  } catch (e) {
    console.error(`Error: ${(e as Error).message}\nIs Temporal running at ${address}? Start everything with \`npm start\`, or set CENTERS_TEMPORAL_ADDRESS.`);
    return 1;
  }
  console.log(`HTTP API listening on ${api.url} (OpenAPI ${api.url}/openapi.json, docs ${api.url}/docs); Temporal at ${address}. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
