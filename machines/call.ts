import { z } from 'zod';
import { ActorSchema, ReasonSchema } from './domain';
import { CommandIdSchema, describeZodError, type Refusal } from './commands';

/**
 * The call for applications (Art. 7) and its quota (Art. 9). Small enough to be a pure reducer: open → closed,
 * with a quota the commission may raise with a reason.
 */
export const CallCommandSchema = z.discriminatedUnion('type', [
  z.object({ commandId: CommandIdSchema, actor: ActorSchema, type: z.literal('RAISE_QUOTA'), payload: z.object({ quota: z.number().int().min(1).max(1000), reason: ReasonSchema }).strict() }).strict(),
  z.object({ commandId: CommandIdSchema, actor: ActorSchema, type: z.literal('CLOSE_EARLY'), payload: z.object({ reason: ReasonSchema }).strict() }).strict(),
]);
export type CallCommandInput = z.infer<typeof CallCommandSchema>;

export interface CallState {
  status: 'open' | 'closed';
  quota: number;
  approved: string[];
  closesAt: string;
  closedEarlyAt: string | null;
}

export function checkCallCommand(state: CallState, input: unknown): { ok: true; command: CallCommandInput } | { ok: false; refusal: Refusal } {
  const parsed = CallCommandSchema.safeParse(input);
  if (!parsed.success) return { ok: false, refusal: { reason: 'invalid-input', message: `Invalid command: ${describeZodError(parsed.error)}` } };
  const command = parsed.data;
  if (command.actor.role !== 'commission') {
    return { ok: false, refusal: { reason: 'forbidden-role', message: `${command.type} may be sent by commission, not by a ${command.actor.role}.` } };
  }
  if (command.type === 'RAISE_QUOTA' && command.payload.quota <= state.quota) {
    return { ok: false, refusal: { reason: 'invalid-input', message: `The new quota (${command.payload.quota}) must be above the current one (${state.quota}).` } };
  }
  if (command.type === 'CLOSE_EARLY' && state.status === 'closed') {
    return { ok: false, refusal: { reason: 'not-allowed-in-state', message: 'The call is already closed.' } };
  }
  return { ok: true, command };
}
