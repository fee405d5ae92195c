/**
 * Versions of the statechart (issue 15 item 4). A center runs the version it started with until it moves; a move
 * is a migration from one version to the next: a state mapping, a context transform (deadlines recomputed or
 * carried) and a check that names why a center cannot move now. Pure: the workflow applies a move at its next
 * continue-as-new or on the commission's MIGRATE_CENTER command (workflows/center.ts), and writes it as an audit
 * row; `centers migrate plan|apply` (client/handlers/migrate.ts) asks every running center what a move would do.
 *
 * Version 1 is every snapshot without `machineVersion` (every center started before versions existed, and every
 * committed history). Version 2 is a center whose policy has the step deadlines of Art. 9, 18, 19
 * (stages/deadlines.ts): a version-1 center whose policy predates them runs without them until it moves; the move
 * gives its policy the default `stepDeadlineDays` and arms a deadline, from the moment of the move, for every step
 * it waits on — except an expert review under way, whose experts were asked on no deadline (see `check`).
 */
import { z } from 'zod';
import type { CenterContext } from './context';
import { defineCommands } from './core';
import { defaultPolicy, type Policy } from './policy';
import { syncStepDeadlines, waitingSteps } from './stages/deadlines';

/** The newest version of the statechart: the one a center starts with (unless told otherwise) and moves to. */
export const MACHINE_VERSION = 2;

/** What a migration needs of a snapshot: its state value and its context (a persisted snapshot, or a live one). */
export interface VersionedSnapshot {
  value: unknown;
  context: CenterContext;
}

export interface Migration {
  from: number;
  to: number;
  /** One line: what the move changes. */
  summary: string;
  /** Dotted state names ("application.inReview") renamed by the move; a state not listed keeps its name. */
  states: Readonly<Record<string, string>>;
  /** The context of the next version, at the moment of the move (deadlines recomputed or carried). */
  context(ctx: CenterContext, at: string): CenterContext;
  /** Why this center cannot move now, or null when it moves cleanly. */
  check(snapshot: VersionedSnapshot): string | null;
}

const hasStepDeadlines = (ctx: CenterContext): boolean => (ctx.policy as Partial<Policy>).stepDeadlineDays !== undefined;

export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    to: 2,
    summary: "records the version in the center's context; a policy without step deadlines gets the default ones (Art. 9, 18, 19), armed from the move",
    states: {},
    context: (ctx, at) => {
      if (hasStepDeadlines(ctx)) return { ...ctx, machineVersion: 2 };
      const moved: CenterContext = { ...ctx, policy: { ...ctx.policy, stepDeadlineDays: defaultPolicy.stepDeadlineDays }, machineVersion: 2 };
      return { ...moved, deadlines: syncStepDeadlines(moved, at) ?? moved.deadlines };
    },
    check: ({ context }) => {
      if (hasStepDeadlines(context)) return null;
      const reviews = waitingSteps(context).filter((w) => w.step === 'applicationReview' || w.step === 'evaluationReview');
      if (reviews.length === 0) return null;
      const scope = reviews[0].scope === 'application' ? 'the application' : `evaluation ${reviews[0].scope}`;
      return (
        `an expert review of ${scope} is under way (${reviews.map((w) => w.party).join(', ')} still to review) and its experts were asked on no deadline: ` +
        'the move cannot tell when each was asked, so it cannot recompute their review deadlines; move it once the reviews are in'
      );
    },
  },
];

/** The version a center runs: the one its context records, or 1 for a snapshot from before versions. */
export const versionOf = (ctx: Pick<CenterContext, 'machineVersion'>): number => ctx.machineVersion ?? 1;

/** What a move of this center would do now: none when it runs the newest version. */
export type MovePlan = { from: number; to: number; summary: string } & ({ ok: true } | { ok: false; reason: string });
export function planMove(snapshot: VersionedSnapshot): MovePlan | null {
  const from = versionOf(snapshot.context);
  if (from >= MACHINE_VERSION) return null;
  const migration = MIGRATIONS.find((m) => m.from === from);
  if (!migration) return { from, to: from + 1, summary: '', ok: false, reason: `no migration from version ${from} is registered (machines/versions.ts)` };
  const reason = migration.check(snapshot);
  return { from, to: migration.to, summary: migration.summary, ...(reason === null ? { ok: true as const } : { ok: false as const, reason }) };
}

/** A state value with its dotted names renamed by `states` (a name not listed is kept). */
export function mapStateValue(value: unknown, states: Readonly<Record<string, string>>, prefix = ''): unknown {
  if (typeof value === 'string') {
    const name = prefix + value;
    const mapped = states[name];
    if (mapped === undefined) return value;
    // A leaf renamed within its parent keeps its parent; a rename across parents is written from the root.
    return mapped.startsWith(prefix) ? mapped.slice(prefix.length) : unflatten(mapped);
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, sub]) => [k, mapStateValue(sub, states, `${prefix}${k}.`)]));
}
const unflatten = (dotted: string): unknown => dotted.split('.').reduceRight<unknown>((inner, part) => (inner === null ? part : { [part]: inner }), null);

/** The center moved to the next version at `at`; throws when the plan says it cannot move (check first). */
export function migrate(snapshot: VersionedSnapshot, at: string): VersionedSnapshot {
  const plan = planMove(snapshot);
  if (!plan) throw new Error(`The center runs version ${versionOf(snapshot.context)}, the newest: there is nothing to move.`);
  if (!plan.ok) throw new Error(`The center cannot move from version ${plan.from} to ${plan.to}: ${plan.reason}.`);
  const migration = MIGRATIONS.find((m) => m.from === plan.from)!;
  return { value: mapStateValue(snapshot.value, migration.states), context: migration.context(snapshot.context, at) };
}

export const versionCommands = defineCommands({
  MIGRATE_CENTER: {
    stage: 'versions',
    article: 'SPEC §6',
    summary: 'Move a running center to the next version of the statechart now, rather than at its next continue-as-new',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ toVersion: z.number().int().min(2).max(1000) }).strict(),
    cli: {
      name: 'migrate center',
      target: 'center',
      options: { 'to-version': { field: 'toVersion', value: 'N', description: 'the version it moves to: the one after the version it runs (`centers migrate plan` lists both)', required: true, type: 'integer' } },
      details:
        'A center runs the version of the statechart it started with until it moves (docs/statechart.md "Versions"). The move\n' +
        'maps its state, transforms its context and recomputes or carries its deadlines; it is one audit row. Refused,\n' +
        'writing nothing, when the center already runs that version or the migration says it cannot move now (and why).\n' +
        'To move every running center that can: `centers migrate apply`.',
      examples: ['centers migrate center bjut --to-version 2'],
    },
  },
});
