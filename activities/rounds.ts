/**
 * The calendar rounds' I/O (SPEC §1 "schedulers", §4 "Schedulers"): find the active centers through Temporal
 * visibility, and fire the due deadlines of one center by signal. Firing is safe to repeat: the center's workflow
 * fires a deadline only while it is pending and due (machines/context.ts `isDue`), so a deadline its own timer or
 * another round has fired already is not fired again.
 */
import { getClient } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Actor } from '../machines/domain';
import type { DeadlineKind } from '../machines/vocabulary';
import { centerState, fireDeadline } from '../contract';
import { CenterIdKey, CenterStateKey } from '../contract';

/**
 * Live centers in the build cycle (every state under `building`: running, evaluations, rectification), found by
 * the search attributes the center workflow keeps up to date.
 */
export const ACTIVE_CENTERS_QUERY = "WorkflowType = 'centerWorkflow' AND ExecutionStatus = 'Running' AND CenterState STARTS_WITH 'building'";

export interface ActiveCenter {
  workflowId: string;
  centerId: string;
  /** The state as visibility last saw it (may lag a moment behind the workflow). */
  state: string;
}

export interface FireDueDeadlinesInput {
  center: ActiveCenter;
  /** Only deadlines of these kinds are fired. */
  kinds: DeadlineKind[];
  /** Recorded in the audit row of every transition a fired deadline causes. */
  actor: Actor;
}

export interface FireDueDeadlinesResult {
  centerId: string;
  workflowId: string;
  /**
   * Deadlines that were pending and due: a fireDeadline signal was sent for each. The center fires each one unless
   * its own timer (or another round) has fired it in between: then the signal has no effect.
   */
  signalled: { key: string; kind: DeadlineKind; dueAt: string }[];
  /** Pending deadlines of the round's kinds not due yet (their own timers fire them). */
  notYetDue: number;
  /** Why the center was passed over (closed or gone since it was listed), or null. */
  skipped: string | null;
}

export function createRoundActivities(deps: { temporal?: { client: Client } }) {
  // An injected client (tests, scripts) or the one the worker gives every activity over its own connection.
  const client = (): Client => deps.temporal?.client ?? getClient();

  return {
    /** The centers a round visits (SPEC §4: through visibility, not the database). */
    async listActiveCenters(): Promise<ActiveCenter[]> {
      const out: ActiveCenter[] = [];
      for await (const wf of client().workflow.list({ query: ACTIVE_CENTERS_QUERY })) {
        out.push({
          workflowId: wf.workflowId,
          centerId: wf.typedSearchAttributes.get(CenterIdKey) ?? wf.workflowId,
          state: wf.typedSearchAttributes.get(CenterStateKey) ?? '',
        });
      }
      return out.sort((a, b) => a.centerId.localeCompare(b.centerId));
    },

    /** Signals fireDeadline for each pending deadline of the given kinds that is due now. */
    async fireDueDeadlines({ center, kinds, actor }: FireDueDeadlinesInput): Promise<FireDueDeadlinesResult> {
      const result: FireDueDeadlinesResult = { centerId: center.centerId, workflowId: center.workflowId, signalled: [], notYetDue: 0, skipped: null };
      const handle = client().workflow.getHandle(center.workflowId);
      try {
        const view = await handle.query(centerState);
        if (view.centerId !== center.centerId) return { ...result, skipped: `the workflow now runs center ${view.centerId}` };
        if (view.closed) return { ...result, skipped: `closed (${view.state})` };
        const now = Date.now();
        for (const d of view.openDeadlines) {
          if (!kinds.includes(d.kind)) continue;
          if (Date.parse(d.dueAt) > now) {
            result.notYetDue += 1;
            continue;
          }
          await handle.signal(fireDeadline, { key: d.key, actor });
          result.signalled.push({ key: d.key, kind: d.kind, dueAt: d.dueAt });
        }
        return result;
      } catch (err) {
        // Listed as running, gone since: nothing left to fire.
        if (err instanceof WorkflowNotFoundError) return { ...result, skipped: 'the workflow is no longer running' };
        throw err;
      }
    },
  };
}
