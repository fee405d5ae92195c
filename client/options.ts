/** The arguments and options several commands share, so each reads the same in every help page. */
import type { Role } from '../machines/vocabulary';
import type { CommandSpec, OptionSpec } from './commands';

export const center = { name: '<center>', description: 'a center id (<universityId>.<callId>, e.g. bjut.call-2026) or a university id (bjut)' };
export const callId = { name: '<callId>', description: 'the call id (e.g. call-2026)' };
export const source: OptionSpec = { type: 'string', value: 'SOURCE', description: '"database" (the read model, default) or "temporal" (Temporal visibility)' };
export const wholeNumber = (value: string, description: string, required = false): OptionSpec => ({ type: 'string', value, description, required });
/** Art. 6, 18: build years are counted within a cycle. */
export const cycleOption: OptionSpec = wholeNumber('C', 'only this build cycle');

/** How `--as` looks for each role, in help and in the error that asks for it. */
export const ACTOR_EXAMPLES: Record<Role, string> = {
  commission: 'commission:<id>',
  university: 'university:<id>@<universityId>',
  expert: 'expert:<id>@<orgId>',
  scheduler: 'scheduler:<id>',
  auditor: 'auditor:<id>',
};

/** Who sends a command of these roles: the commission's commands default to commission:operator; others need --as. */
export function sendsFor(roles: readonly Role[]): NonNullable<CommandSpec['sends']> {
  return roles.includes('commission')
    ? { defaultActor: 'commission', actorExample: ACTOR_EXAMPLES.commission }
    : { defaultActor: null, actorExample: roles.map((r) => ACTOR_EXAMPLES[r]).join(' or ') };
}

/** Said in the help of the operators' tools that need Temporal namespace access (docs/security.md). */
export const DIRECT_ACCESS = "An operators' tool: it talks to Temporal directly (namespace access), not through the API.\n";
