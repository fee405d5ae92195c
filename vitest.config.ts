import { defineConfig } from 'vitest/config';

// Tests start real Temporal servers; the CI machine has 2 cores: one test file at a time, in forked processes.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // The CLI tests run the built bundle (bin/centers.mjs → dist/): build it from the current code first; and one
    // throwaway PostgreSQL server per run for the database tests (test/helpers/postgres.ts).
    globalSetup: ['./test/support/build-cli.ts', './test/helpers/postgres.ts'],
  },
});
