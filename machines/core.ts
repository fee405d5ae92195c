/**
 * What every stage of the regulation shares: the event envelope, refusals, rules, the command-table entry, and the
 * helpers that make a rule a guard and a record an effect. Pure: no I/O, no Temporal.
 */
import { z } from 'zod';
import type { Actor } from './domain';
import { cleanText } from './text';
import type { DomainRecord } from './records.types';
import type { Role } from './vocabulary';
import type { CenterContext } from './context';
import type { CenterEvent } from './commands';

/** What every event carries besides its payload: who, which command, and the workflow's time. */
export interface EventMeta {
  actor: Actor;
  commandId: string | null;
  at: string;
}

/** SPEC §3a: the reasons a command can be refused. */
export const REFUSAL_REASONS = [
  'invalid-input',
  'forbidden-role',
  'wrong-organisation',
  'not-assigned',
  'conflict-of-interest',
  'not-allowed-in-state',
  'quota-exceeded',
  'over-ceiling',
  'over-budget',
  'deadline-passed',
  'suspended',
  'conflict',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export const RefusalSchema = z.object({ reason: z.enum(REFUSAL_REASONS), message: z.string() });
export type Refusal = z.infer<typeof RefusalSchema>;
export const refuse = (reason: RefusalReason, message: string): Refusal => ({ reason, message });

/**
 * A rule of the regulation: the refusal it makes of an event in a context, or null when the event passes. Written
 * once; the statechart's guard is the rule (`when`), and checkCommand names the refusal of the same rule.
 */
export type Rule<E = CenterEvent> = (ctx: CenterContext, event: E) => Refusal | null;

/** A statechart guard made of rules, in order; it keeps them so a refusal can be named (machines/authorize.ts). */
export type RuleGuard<E> = ((args: { context: CenterContext; event: E }) => boolean) & { rules: readonly Rule<E>[] };
export function when<E>(...rules: Rule<E>[]): RuleGuard<E> {
  const guard = ({ context, event }: { context: CenterContext; event: E }) => rules.every((r) => r(context, event) === null);
  return Object.assign(guard, { rules });
}
/** The first refusal of a guard's rules, or null (a guard that is not a RuleGuard refuses nothing by name). */
export function refusalOf(guard: unknown, ctx: CenterContext, event: unknown): Refusal | null {
  const rules = (guard as Partial<RuleGuard<unknown>> | undefined)?.rules;
  if (!rules) return null;
  for (const r of rules) {
    const refusal = r(ctx, event);
    if (refusal) return refusal;
  }
  return null;
}
/** A condition that routes, not refuses (e.g. "this is the last review"): its failure reads as a state refusal. */
export const condition = <E>(name: string, test: (ctx: CenterContext, event: E) => boolean, message = `${name}: a condition of this step is not met`): Rule<E> =>
  named(name, (ctx, event) => (test(ctx, event) ? null : refuse('not-allowed-in-state', message)));
/** Gives a rule the name the statechart diagram shows for it (docs/statechart.md). */
export const named = <F extends (...args: never[]) => unknown>(name: string, fn: F): F => Object.defineProperty(fn, 'name', { value: name });

/**
 * An effect: what a transition asks the database to hold, named as an XState action with parameters. The
 * parameters are resolved with the context after the transition's assignments; the workflow collects the
 * `persist` actions that `transition()` returns and hands their records to the persistence activity.
 */
export function effect<E>(records: (ctx: CenterContext, event: E) => DomainRecord[]) {
  return { type: 'persist' as const, params: ({ context, event }: { context: CenterContext; event: E }) => ({ records: records(context, event) }) };
}
export interface PersistParams {
  records: DomainRecord[];
}

/** A context update (context, event) → the fields that change; the stage modules' assigners. */
export type Update<E> = (ctx: CenterContext, event: E) => Partial<CenterContext>;

/** The stages of the regulation, with the articles each implements; the CLI groups commands by them. */
export const STAGES = {
  calls: 'Calls for applications (Art. 7, 9)',
  application: 'Applications (Art. 8, 9, 20)',
  funding: 'Funding (Art. 13–16)',
  summaries: 'Annual summaries (Art. 18)',
  evaluation: 'Evaluations (Art. 17–18)',
  rectification: 'Rectification and notices (Art. 19)',
  organisation: 'Organisation and integrity (Art. 6, 8(7), 12)',
  deadlines: 'Deadlines of the steps that wait for someone (Art. 9, 18, 19)',
  versions: 'Versions of the statechart (SPEC §6)',
} as const;
export type Stage = keyof typeof STAGES;

/** What the CLI needs of a command: its words, what it targets, where the payload comes from, help and examples. */
export interface CliSpec {
  /** The words after `centers`, e.g. "funding grant". */
  name: string;
  /** The positional argument: a center, a call, a funding round, or none (an application names its call with --call). */
  target: 'center' | 'call' | 'round' | 'none';
  /** Positional arguments after the target, each filling one payload field: `round submit r2026 bjut` → `center: 'bjut'`. */
  args?: { field: string; name: string; description: string }[];
  /** `--file FILE`: the payload as JSON, or (with `field`) the value of one payload field. */
  file?: { field?: string; description: string; optional?: boolean };
  /** Options that fill one payload field each: `--amount-fen 100` → `amountFen: 100`. */
  options?: Record<string, { field: string; value: string; description: string; required?: boolean; type?: 'string' | 'integer' }>;
  details?: string;
  examples: string[];
}

/** One row of the command table (machines/commands.ts): everything the CLI, an API and a form need. */
export interface CommandDef<P extends z.ZodTypeAny = z.ZodTypeAny> {
  stage: Stage;
  /** The articles of the regulation it implements, e.g. "Art. 9". */
  article: string;
  /** One line, for help and forms. */
  summary: string;
  roles: readonly Role[];
  /** Which workflow takes it: the center's statechart, the call's, or a yearly funding round's. */
  host: 'center' | 'call' | 'round';
  /** The last segment of its API path, where it is not `commands/<slug>` (the funding round's documented paths: api/paths.ts). */
  path?: string;
  payload: P;
  cli: CliSpec;
}
export const defineCommands = <T extends Record<string, CommandDef>>(defs: T): T => defs;

/** Shared payload parts. */
export const OptionalReason = cleanText(z.string().max(2000)).optional();
export const LongText = cleanText(z.string().min(1).max(20000));
export const PositiveFen = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
