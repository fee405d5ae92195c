import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryReport } from '../activities/outbox';
import type { ActiveCenter, FireDueDeadlinesResult } from '../activities/rounds';
import type { Actor } from '../machines/domain';
import type { DeadlineKind } from '../machines/vocabulary';

/**
 * Round activities talk to Temporal (visibility, queries, signals) and the database: a few retries, then the round
 * reports the center as failed and goes on; the next round, or the center's own timer, fires what was missed.
 */
const round = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Centers visited at once: a round stays gentle on the server and its history small. */
const CONCURRENCY = 10;

export interface CalendarRoundInput {
  /** The round's name in the configuration ("annualSummary", "midTerm"). */
  round: string;
  /** The deadline kinds this round fires. */
  kinds: DeadlineKind[];
}

export interface CalendarRoundReport {
  round: string;
  kinds: DeadlineKind[];
  /** Workflow time at the start of the round. */
  startedAt: string;
  /** Active centers found through visibility. */
  centers: number;
  /** Deadlines signalled, center by center (the center fires each one unless it has fired already). */
  signalled: { centerId: string; key: string; kind: DeadlineKind; dueAt: string }[];
  /** Pending deadlines of the round's kinds not due yet, over all centers. */
  notYetDue: number;
  skipped: { centerId: string; reason: string }[];
  failed: { centerId: string; error: string }[];
  /** The outbox sweep at the end of the round: notices a center could not deliver earlier. */
  outbox: DeliveryReport | { error: string };
}

/**
 * One commission-wide calendar round (SPEC §4 "Schedulers"), started by a Temporal Schedule: fires the due
 * deadlines of the round's kinds of every active center, found through search attributes. Safe to run any number
 * of times, at the same time as the centers' own timers: a deadline has one stable key and fires once.
 */
export async function calendarRoundWorkflow(input: CalendarRoundInput): Promise<CalendarRoundReport> {
  const actor: Actor = { id: `round-${input.round}`, role: 'scheduler' };
  const report: CalendarRoundReport = {
    round: input.round,
    kinds: input.kinds,
    startedAt: new Date().toISOString(),
    centers: 0,
    signalled: [],
    notYetDue: 0,
    skipped: [],
    failed: [],
    outbox: { delivered: [], alreadyDelivered: 0, duplicates: 0 },
  };

  const centers: ActiveCenter[] = await round.listActiveCenters();
  report.centers = centers.length;

  for (let i = 0; i < centers.length; i += CONCURRENCY) {
    const batch = centers.slice(i, i + CONCURRENCY);
    const results = await Promise.all(
      batch.map((center) =>
        round.fireDueDeadlines({ center, kinds: input.kinds, actor }).then(
          (r): FireDueDeadlinesResult | { centerId: string; error: string } => r,
          (err: unknown) => ({ centerId: center.centerId, error: err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err) }),
        ),
      ),
    );
    for (const r of results) {
      if ('error' in r) {
        report.failed.push(r);
        continue;
      }
      if (r.skipped) report.skipped.push({ centerId: r.centerId, reason: r.skipped });
      report.notYetDue += r.notYetDue;
      report.signalled.push(...r.signalled.map((d) => ({ centerId: r.centerId, ...d })));
    }
  }

  try {
    report.outbox = await round.deliverNotifications({});
  } catch (err) {
    report.outbox = { error: err instanceof Error ? err.message : String(err) };
  }
  return report;
}
