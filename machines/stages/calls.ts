/**
 * The call for applications (Art. 7) and its quota (Art. 9). A call's own workflow holds its window and counts its
 * approvals; it is small enough to be a pure reducer: open → closed, with a quota the commission may raise with a
 * reason, and a window it may close early with a reason.
 */
import { z } from 'zod';
import { defineCommands, refuse, type Refusal } from '../core';
import { CallInfoSchema, ReasonSchema } from '../domain';
import type { CallStatusName } from '../vocabulary';

const reasonOption = { field: 'reason', value: 'TEXT', description: 'why (recorded with the decision)', required: true } as const;

export const callCommands = defineCommands({
  OPEN_CALL: {
    stage: 'calls',
    article: 'Art. 7, 9',
    summary: 'Open a call for applications (window and quota) from a JSON file',
    roles: ['commission'],
    host: 'call',
    payload: CallInfoSchema,
    cli: { name: 'call open', target: 'none', file: { description: 'the call: { callId, title, opensAt, closesAt, quota }' }, examples: ['centers call open --file examples/call.json'] },
  },
  RAISE_QUOTA: {
    stage: 'calls',
    article: 'Art. 9',
    summary: "Raise a call's quota, with a reason (Art. 9)",
    roles: ['commission'],
    host: 'call',
    payload: z.object({ quota: z.number().int().min(1).max(1000), reason: ReasonSchema }).strict(),
    cli: {
      name: 'call raise-quota',
      target: 'call',
      options: { quota: { field: 'quota', value: 'N', description: 'the new quota (above the current one)', required: true, type: 'integer' }, reason: reasonOption },
      examples: ['centers call raise-quota call-2026 --quota 3 --reason "A third application of equal merit"'],
    },
  },
  CLOSE_EARLY: {
    stage: 'calls',
    article: 'Art. 7',
    summary: "Close a call's application window early, with a reason",
    roles: ['commission'],
    host: 'call',
    payload: z.object({ reason: ReasonSchema }).strict(),
    cli: { name: 'call close', target: 'call', options: { reason: reasonOption }, examples: ['centers call close call-2026 --reason "Quota filled by eligible applications"'] },
  },
});

export interface CallState {
  status: CallStatusName;
  quota: number;
  approved: string[];
  closesAt: string;
  closedEarlyAt: string | null;
}

/** The rules of a call's commands (after the envelope, role and payload checks of machines/authorize.ts). */
export function callRefusal(state: CallState, command: { type: 'RAISE_QUOTA'; payload: { quota: number } } | { type: 'CLOSE_EARLY' }): Refusal | null {
  if (command.type === 'RAISE_QUOTA' && command.payload.quota <= state.quota) {
    return refuse('invalid-input', `The new quota (${command.payload.quota}) must be above the current one (${state.quota}).`);
  }
  if (command.type === 'CLOSE_EARLY' && state.status === 'closed') return refuse('not-allowed-in-state', 'The call is already closed.');
  return null;
}
