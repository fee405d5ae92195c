/**
 * The lifecycle's record in the database, read after the run: how much yearly work the centers did, and each
 * center's profile (commands, deadline timers, queries) for the baseline to repeat.
 */
import type { Knex } from 'knex';
import type { CenterProfile } from './baseline';
import type { CenterRun } from './operators';

/**
 * Whether the operators kept up: in cycle 1 of every center that reached cycle 2, a funding request each year and
 * summaries in before their due date. A year too short for the load shows here as missed years and overdue summaries.
 */
export async function workDone(knex: Knex, runs: CenterRun[], centerIdOf: (i: number) => string, cycleYears: number) {
  const ids = runs.filter((r) => r.outcome === 'nextCycle').map((r) => centerIdOf(r.index));
  let requested = 0;
  let total = 0;
  let overdue = 0;
  for (let k = 0; k < ids.length; k += 500) {
    const chunk = ids.slice(k, k + 500);
    const [{ n }] = (await knex('funding_requests').whereIn('center_id', chunk).where('cycle', 1).countDistinct({ n: knex.raw("center_id || '/' || year") })) as { n: number }[];
    const [sums] = (await knex('annual_summaries').whereIn('center_id', chunk).where('cycle', 1).select(knex.raw('COUNT(*) AS total'), knex.raw('SUM(CASE WHEN overdue THEN 1 ELSE 0 END) AS overdue'))) as { total: number; overdue: number | null }[];
    requested += Number(n);
    total += Number(sums.total);
    overdue += Number(sums.overdue ?? 0);
  }
  return { centers: ids.length, fundingYears: { expected: ids.length * cycleYears, requested }, summaries: { total, overdue } };
}

/** Each center's work as the database recorded it: the baseline repeats it (commands, deadline timers, queries). */
export async function centerProfiles(
  knex: Knex,
  runs: CenterRun[],
  centerIdOf: (i: number) => string,
  extraActivities: number,
): Promise<CenterProfile[]> {
  const rows = (await knex('audit_log').select('center_id', 'event', 'command_id', 'at').orderBy([{ column: 'center_id' }, { column: 'seq' }])) as {
    centerId: string;
    event: string;
    commandId: string | null;
    at: string;
  }[];
  const byCenter = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = byCenter.get(r.centerId) ?? [];
    list.push(r);
    byCenter.set(r.centerId, list);
  }
  const byIndex = new Map(runs.map((r) => [r.index, r]));
  return Array.from({ length: runs.length }, (_, i) => {
    const centerId = centerIdOf(i);
    const audit = byCenter.get(centerId) ?? [];
    // The year-end timers are armed at approval, due k years after it: the baseline arms them from its own start,
    // so it sleeps the same schedule without inheriting the time the lifecycle took to get its centers approved.
    const armedAt = audit.find((r) => r.event === 'APPROVE') ?? audit[0];
    const start = armedAt ? Date.parse(armedAt.at) : 0;
    const run = byIndex.get(i);
    return {
      // Deadline transitions carry their stable key as command id (deadline:…): count them by event.
      updates: Math.max(1, audit.filter((r) => r.event !== 'DEADLINE_REACHED').length),
      timerOffsetsMs: audit.filter((r) => r.event === 'DEADLINE_REACHED').map((r) => Math.max(0, Date.parse(r.at) - start)),
      queries: run?.queries ?? 0,
      extraActivities,
    };
  });
}
