/**
 * Prints one plain closing line, "N passed, N failed" (", N skipped" when any), after vitest's own summary, so
 * any tool reading the end of the output can count the tests without knowing vitest's format.
 */
import type { Reporter } from 'vitest/reporters';

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

function count(tasks: readonly Task[], totals = { passed: 0, failed: 0, skipped: 0 }) {
  for (const t of tasks) {
    if (t.tasks) count(t.tasks, totals);
    if (t.type !== 'test') continue;
    const state = t.result?.state;
    if (state === 'pass') totals.passed += 1;
    else if (state === 'fail') totals.failed += 1;
    else totals.skipped += 1;
  }
  return totals;
}

export default class SummaryReporter implements Reporter {
  onFinished(files: readonly Task[] = [], errors: readonly unknown[] = []): void {
    const { passed, failed, skipped } = count(files);
    const failedAll = failed + (errors.length > 0 && failed === 0 ? errors.length : 0);
    process.stdout.write(`\n${passed} passed, ${failedAll} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
