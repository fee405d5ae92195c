/** The arguments and options several commands share, so each reads the same in every help page. */
import type { OptionSpec } from './commands';

export const center = { name: '<center>', description: 'a center id (<universityId>.<callId>, e.g. bjut.call-2026) or a university id (bjut)' };
export const callId = { name: '<callId>', description: 'the call id (e.g. call-2026)' };
export const file = (what: string): OptionSpec => ({ type: 'string', value: 'FILE', description: `${what} (JSON; "-" reads standard input)`, required: true });
export const reason = (required: boolean): OptionSpec => ({
  type: 'string',
  value: 'TEXT',
  description: required ? 'why (recorded with the decision)' : 'why (optional, recorded with the decision)',
  required,
});
export const source: OptionSpec = { type: 'string', value: 'SOURCE', description: '"database" (the read model, default) or "temporal" (Temporal visibility)' };
export const wholeNumber = (value: string, description: string, required = false): OptionSpec => ({ type: 'string', value, description, required });
/** Art. 6, 18: build years are counted within a cycle; the cycle defaults to the current one. */
export const cycleOption: OptionSpec = wholeNumber('C', 'the build cycle (default: the current one)');

export const commission = { defaultActor: 'commission', actorExample: 'commission:<id>' } as const;
export const university = { defaultActor: null, actorExample: 'university:<id>@<universityId>' } as const;
export const expert = { defaultActor: null, actorExample: 'expert:<id>@<orgId>' } as const;
