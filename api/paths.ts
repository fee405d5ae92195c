/**
 * The route of every command, derived from the command table: the API registers them (api/routes/commands.ts)
 * and the CLI calls them (client/), from this one definition. Pure: no server code, so the CLI loads it at once.
 */
import { COMMAND_TABLE, type AnyCommandType } from '../machines/commands';
import type { CommandDef } from '../machines/core';

export const API_PREFIX = '/api/v1';

/** GRANT_FUNDING → grant-funding: the last segment of the command's path. */
export const commandSlug = (type: string): string => type.toLowerCase().replace(/_/g, '-');

/** A center's, a call's or a round's commands under it; what makes a call, a round or a center (the application) alone. */
export function commandPath(type: AnyCommandType): string {
  const def: CommandDef = COMMAND_TABLE[type];
  // Opening a round makes it: POST /funding-rounds; its other commands keep their documented paths under it.
  if (def.host === 'round') return def.cli.target === 'round' ? `/funding-rounds/:roundId/${def.path ?? `commands/${commandSlug(type)}`}` : '/funding-rounds';
  // Opening a call makes it: POST /calls; the call's other commands go to it.
  if (def.host === 'call') return def.cli.target === 'call' ? `/calls/:callId/commands/${commandSlug(type)}` : '/calls';
  return def.cli.target === 'center' ? `/centers/:center/commands/${commandSlug(type)}` : `/commands/${commandSlug(type)}`;
}

/** The path with its parameter filled in, for a client. */
export function commandUrl(type: AnyCommandType, target: string | null): string {
  return commandPath(type).replace(/:callId|:center|:roundId/, encodeURIComponent(target ?? ''));
}
