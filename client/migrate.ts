/**
 * Issue 15 item 4: `centers migrate plan|apply` over every running center. The plan asks each running center's
 * workflow (its `version` query, answered by the worker's code) which version it runs and whether its move to the
 * next would go cleanly, and writes nothing; apply sends MIGRATE_CENTER (the commission's) to each that can move,
 * with a command id derived from the center and the version, so running it again repeats nothing.
 */
import type { CenterVersion, CommandResult } from '../contract';

export interface MigrateIo {
  /** The running center workflows (Temporal visibility). */
  running(): Promise<{ workflowId: string; centerId: string | null }[]>;
  /** The workflow's answer to its `version` query. */
  version(workflowId: string): Promise<CenterVersion>;
  /** Sends MIGRATE_CENTER to the center. */
  move(centerId: string, toVersion: number, commandId: string): Promise<CommandResult>;
}

export type PlanOutcome = 'moves' | 'cannot-move' | 'current' | 'unknown';
export interface PlannedCenter {
  centerId: string;
  workflowId: string;
  state: string | null;
  version: number | null;
  to: number | null;
  outcome: PlanOutcome;
  /** Why it cannot move, or why its workflow did not say (unknown). */
  reason: string | null;
}
export interface MigrationPlan {
  newest: number | null;
  centers: PlannedCenter[];
  counts: Record<PlanOutcome, number>;
}

/** The command id of a center's move to `to`: the same for every attempt, so a repeated apply moves nothing twice. */
export const moveCommandId = (centerId: string, to: number): string => `migrate:${centerId}:v${to}`.slice(0, 128);

const countsOf = <T extends string>(items: readonly { outcome: T }[], keys: readonly T[]): Record<T, number> =>
  Object.fromEntries(keys.map((k) => [k, items.filter((i) => i.outcome === k).length])) as Record<T, number>;

export async function planMigration(io: MigrateIo, onProgress: (line: string) => void = () => {}): Promise<MigrationPlan> {
  const running = await io.running();
  onProgress(`${running.length} running center workflow${running.length === 1 ? '' : 's'}; asking each for its version…`);
  const centers: PlannedCenter[] = [];
  let newest: number | null = null;
  for (const wf of running) {
    try {
      const v = await io.version(wf.workflowId);
      newest = Math.max(newest ?? 0, v.newest);
      const base = { centerId: v.centerId, workflowId: wf.workflowId, state: v.state, version: v.version };
      if (!v.move) centers.push({ ...base, to: null, outcome: 'current', reason: null });
      else if (v.move.ok) centers.push({ ...base, to: v.move.to, outcome: 'moves', reason: null });
      else centers.push({ ...base, to: v.move.to, outcome: 'cannot-move', reason: v.move.reason });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = /version|not registered|QueryNotRegistered|unknown query/i.test(message)
        ? `its worker does not answer the version query (${message}): deploy a worker of this version, then plan again`
        : `its workflow did not answer (${message}): is a worker running? Plan again once \`centers show ${wf.centerId ?? wf.workflowId}\` answers`;
      centers.push({ centerId: wf.centerId ?? wf.workflowId, workflowId: wf.workflowId, state: null, version: null, to: null, outcome: 'unknown', reason });
    }
  }
  centers.sort((a, b) => (a.centerId < b.centerId ? -1 : a.centerId > b.centerId ? 1 : 0));
  return { newest, centers, counts: countsOf(centers, ['moves', 'cannot-move', 'current', 'unknown'] as const) };
}

export type ApplyOutcome = 'moved' | 'cannot-move' | 'refused' | 'current' | 'unknown';
export interface AppliedCenter extends Omit<PlannedCenter, 'outcome'> {
  outcome: ApplyOutcome;
  /** The audit row of the move (its sequence number) when it moved. */
  seq: number | null;
  duplicate: boolean;
}
export interface MigrationResult {
  newest: number | null;
  centers: AppliedCenter[];
  counts: Record<ApplyOutcome, number>;
}

/** Moves every running center the plan says can move; one that cannot, or is refused at the move, is reported with why. */
export async function applyMigration(io: MigrateIo, onProgress: (line: string) => void = () => {}): Promise<MigrationResult> {
  const plan = await planMigration(io, onProgress);
  const centers: AppliedCenter[] = [];
  for (const c of plan.centers) {
    if (c.outcome !== 'moves') {
      centers.push({ ...c, outcome: c.outcome, seq: null, duplicate: false });
      if (c.outcome !== 'current') onProgress(`${c.centerId}: not moved (${c.outcome}): ${c.reason}`);
      continue;
    }
    try {
      const result = await io.move(c.centerId, c.to!, moveCommandId(c.centerId, c.to!));
      centers.push({ ...c, outcome: 'moved', seq: result.seq, duplicate: result.duplicate });
      onProgress(`${c.centerId}: moved from version ${c.version} to ${c.to} (audit row ${result.seq}${result.duplicate ? ', moved before' : ''})`);
    } catch (err) {
      const reason = err instanceof Error ? `${(err as { reason?: string }).reason ?? err.name}: ${err.message}` : String(err);
      centers.push({ ...c, outcome: 'refused', reason, seq: null, duplicate: false });
      onProgress(`${c.centerId}: refused at the move: ${reason}`);
    }
  }
  return { newest: plan.newest, centers, counts: countsOf(centers, ['moved', 'cannot-move', 'refused', 'current', 'unknown'] as const) };
}
