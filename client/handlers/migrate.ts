/** `centers migrate plan` and `centers migrate apply` (issue 15 item 4): move running centers to the next statechart version. */
import { CenterIdKey, centerVersion } from '../../contract';
import { CommandSchema } from '../../machines/commands';
import { DEFAULT_COMMISSION_ACTOR } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { fields, section, table } from '../format';
import { applyMigration, planMigration, type MigrateIo, type MigrationPlan, type MigrationResult } from '../migrate';
import { sendCenterCommand } from '../operations';
import { ACTOR_EXAMPLES } from '../options';
import { actorAndId, temporalFor } from './send';

/** The direct path only: the plan asks each workflow (Temporal's visibility and queries), which the API does not expose. */
async function ioFor(ctx: CommandContext, command: string, sends: boolean): Promise<MigrateIo> {
  if (ctx.services.api) {
    throw new UsageError(`\`centers ${command}\` asks every running center's workflow directly: an operators' tool, on the direct path (set CENTERS_API_URL=off). To move one center through the API, send MIGRATE_CENTER: \`centers migrate center <center> --to-version N\`.`);
  }
  const actor = sends ? actorAndId(ctx, { command, defaultActor: DEFAULT_COMMISSION_ACTOR, actorExample: ACTOR_EXAMPLES.commission }).actor : null;
  const t = await temporalFor(ctx);
  return {
    running: async () => {
      const out: { workflowId: string; centerId: string | null }[] = [];
      for await (const wf of t.client.workflow.list({ query: "WorkflowType = 'centerWorkflow' AND ExecutionStatus = 'Running'" })) {
        out.push({ workflowId: wf.workflowId, centerId: wf.typedSearchAttributes.get(CenterIdKey) ?? null });
      }
      return out;
    },
    version: (workflowId) => t.client.workflow.getHandle(workflowId).query(centerVersion),
    move: (centerId, toVersion, commandId) => sendCenterCommand(t.ops, centerId, CommandSchema.parse({ commandId, actor, type: 'MIGRATE_CENTER', payload: { toVersion } })),
  };
}

const planText = (plan: MigrationPlan): string =>
  [
    fields([
      ['Newest version', plan.newest ?? '(no running center answered)'],
      ['Running centers', plan.centers.length],
      ['Would move cleanly', plan.counts.moves],
      ['Cannot move', plan.counts['cannot-move']],
      ['On the newest version', plan.counts.current],
      ...(plan.counts.unknown ? ([['Did not answer', plan.counts.unknown]] as [string, number][]) : []),
    ]),
    section(
      'Running centers',
      table(
        ['CENTER', 'STATE', 'VERSION', 'TO', 'PLAN'],
        plan.centers.map((c) => [c.centerId, c.state, c.version, c.to, c.outcome === 'moves' ? 'moves cleanly' : c.outcome === 'current' ? 'runs the newest' : c.outcome === 'unknown' ? 'unknown (why: below)' : 'cannot move (why: below)']),
        'No center workflow is running.',
      ),
    ),
    ...whyNot(plan.centers),
  ].join('\n\n');

/** The reasons in full, one a line (a table cell would cut them short). */
const whyNot = (centers: readonly { centerId: string; outcome: string; reason: string | null }[]): string[] => {
  const left = centers.filter((c) => c.reason !== null);
  return left.length ? [section('Why not', left.map((c) => `${c.centerId}: ${c.outcome === 'unknown' ? 'unknown' : c.outcome === 'refused' ? 'refused' : 'cannot move'}: ${c.reason}`).join('\n'))] : [];
};

export async function migratePlanCommand(ctx: CommandContext): Promise<Output> {
  const plan = await planMigration(await ioFor(ctx, 'migrate plan', false), ctx.warn);
  const next = plan.counts.moves > 0 ? '\n\nNothing was written. `centers migrate apply` moves those that move cleanly.' : '\n\nNothing was written.';
  return { data: plan, text: planText(plan) + next };
}

export async function migrateApplyCommand(ctx: CommandContext): Promise<Output> {
  const result: MigrationResult = await applyMigration(await ioFor(ctx, 'migrate apply', true), ctx.warn);
  const left = result.counts['cannot-move'] + result.counts.refused + result.counts.unknown;
  const text = [
    fields([
      ['Moved', result.counts.moved],
      ['Cannot move', result.counts['cannot-move']],
      ['Refused at the move', result.counts.refused],
      ['On the newest version', result.counts.current],
      ...(result.counts.unknown ? ([['Did not answer', result.counts.unknown]] as [string, number][]) : []),
    ]),
    section(
      'Running centers',
      table(
        ['CENTER', 'STATE', 'FROM', 'TO', 'RESULT'],
        result.centers.map((c) => [c.centerId, c.state, c.version, c.to, c.outcome === 'moved' ? `moved (audit row ${c.seq}${c.duplicate ? ', before' : ''})` : c.outcome === 'current' ? 'runs the newest' : `${c.outcome === 'cannot-move' ? 'cannot move' : c.outcome} (why: below)`]),
        'No center workflow is running.',
      ),
    ),
    ...whyNot(result.centers),
    left > 0
      ? `${left} center${left === 1 ? '' : 's'} did not move: each moves at its next continue-as-new once its check passes; \`centers migrate plan\` says why, and \`centers migrate apply\` may be run again at any time (what moved is not moved twice).`
      : 'Every running center runs the newest version.',
  ].join('\n\n');
  return { data: result, text, ...(left > 0 ? { exitCode: 3 } : {}) };
}
