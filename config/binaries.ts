/**
 * Where the Temporal server binaries are: env TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH if set, otherwise the
 * copies that `npm install` (scripts/install-temporal.mjs) put in <repo>/.temporal/bin.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This file lives at <repo>/config/binaries.ts. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const LOCAL_TEMPORAL_BIN_DIR = path.join(repoRoot, '.temporal', 'bin');

function resolveBinary(envVar: string, fileName: string, what: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[envVar];
  if (fromEnv) {
    const p = path.resolve(fromEnv);
    if (!isExecutable(p)) {
      throw new Error(
        `${what} not found: ${envVar} is set to ${p}, which is not an executable file. ` +
          `Fix or unset ${envVar} (when unset, ${path.join(LOCAL_TEMPORAL_BIN_DIR, fileName)} is used, installed by \`npm install\`).`,
      );
    }
    return p;
  }
  const p = path.join(LOCAL_TEMPORAL_BIN_DIR, fileName);
  if (!isExecutable(p)) {
    throw new Error(
      `${what} not found at ${p}. Run \`npm install\` (or \`node scripts/install-temporal.mjs\`) to download it, ` +
        `or set ${envVar} to an existing binary.`,
    );
  }
  return p;
}

function isExecutable(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `temporal` CLI (runs `temporal server start-dev`). */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary('TEMPORAL_CLI_PATH', 'temporal', 'The Temporal CLI', env);
}

/** The time-skipping test server (for TestWorkflowEnvironment.createTimeSkipping with an existing path). */
export function temporalTestServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', 'The Temporal time-skipping test server', env);
}
