/** Drives the pure statechart with commands, the way the workflow does (check, then transition). */
import { initialTransition, transition } from 'xstate';
import { checkCommand } from '../../machines/authorize';
import { centerMachine, type CenterEvent, type CenterInput, type CenterSnapshot } from '../../machines/center';
import type { Actor } from '../../machines/domain';
import type { Command } from '../../machines/commands';
import { applyEvent } from '../../machines/view';
import type { DomainRecord } from '../../machines/records.types';

export const start = (input: CenterInput): CenterSnapshot => initialTransition(centerMachine, input)[0];

export function send(snapshot: CenterSnapshot, command: Command, at: string): { snapshot: CenterSnapshot; records: DomainRecord[] } {
  const check = checkCommand(snapshot, command, at);
  if (!check.ok) throw new Error(`${check.refusal.reason}: ${check.refusal.message}`);
  const [next] = transition(centerMachine, snapshot, check.event);
  if (next.status === 'error') throw new Error(String(next.error));
  return { snapshot: next, records: applyEvent(snapshot, check.event).records };
}

const SCHEDULER: Actor = { id: 'workflow-timer', role: 'scheduler' };

/** Fires a deadline the way the workflow's timer does; returns null when it has no effect. */
export function fire(snapshot: CenterSnapshot, key: string, at: string): { snapshot: CenterSnapshot; records: DomainRecord[] } | null {
  const event: CenterEvent = { type: 'DEADLINE_REACHED', key, meta: { actor: SCHEDULER, commandId: null, at } };
  if (!snapshot.can(event)) return null;
  const [next] = transition(centerMachine, snapshot, event);
  return { snapshot: next, records: applyEvent(snapshot, event).records };
}

/** Fires every pending deadline due at or before `until`, in due order, as the workflow's timers would. */
export function advance(snapshot: CenterSnapshot, until: string): { snapshot: CenterSnapshot; records: DomainRecord[] } {
  let s = snapshot;
  const records: DomainRecord[] = [];
  for (;;) {
    const due = s.context.deadlines
      .filter((d) => d.status === 'pending' && Date.parse(d.dueAt) <= Date.parse(until))
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
    if (!due) return { snapshot: s, records };
    const r = fire(s, due.key, due.dueAt);
    if (!r) throw new Error(`deadline ${due.key} was pending but could not fire`);
    s = r.snapshot;
    records.push(...r.records);
  }
}
