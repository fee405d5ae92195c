/**
 * Policy what-if (SPEC §4 "Auditors"): the recorded commands of a center, read from its workflow history, run again
 * through the statechart under a candidate policy (machines/what-if.ts). The audit rows hold each transition's
 * event, actor, command id and time but not the command's payload, so the commands come from the history: the
 * accepted updates (each command as sent) at the time their transition records; the call's status signals too.
 * Recorded deadline firings are left out: the candidate policy's deadlines are derived again. Reads only.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { describeZodError, type Command } from '../../machines/commands';
import { PolicySchema, type Policy } from '../../machines/policy';
import { compareOutcomes, simulateCenter, type OutcomeChange, type RecordedInput, type SimulatedOutcome, type WhatIfInput } from '../../machines/what-if';
import { CallStatusChangedSchema, CenterWorkflowInputSchema, centerCommand, callStatusChanged } from '../../contract';
import { InputError } from '../errors';
import { fetchCenterRuns } from './fetch';
import { centerTimeline, summarizeRun, workflowInput, type RunHistory } from './history';

/**
 * A candidate policy file: the numbers that change (PolicySchema's keys, each checked); every other number stays
 * the one each center runs under. The merged policy must pass PolicySchema whole (e.g. the mid-term before the end).
 */
export const CandidatePolicySchema = PolicySchema.innerType().partial().strict();
export type CandidatePolicy = Partial<Policy>;

export function parseCandidatePolicy(json: unknown, label: string): CandidatePolicy {
  const parsed = CandidatePolicySchema.safeParse(json);
  if (!parsed.success) throw new InputError(`${label} is not a valid policy: ${describeZodError(parsed.error)}. Its keys are those of machines/policy.ts (e.g. {"minFullTimeStaff": 4}).`);
  // Only the keys the file names (zod's defaults would fill in the others).
  const named = Object.fromEntries(Object.keys(json as object).map((k) => [k, (parsed.data as Record<string, unknown>)[k]]));
  return named as CandidatePolicy;
}

/** The candidate's numbers over the center's own policy, checked whole. */
export function candidateFor(recorded: Policy, candidate: CandidatePolicy, label: string): Policy {
  const merged = PolicySchema.safeParse({ ...recorded, ...candidate });
  if (!merged.success) throw new InputError(`${label} does not make a valid policy with the center's own: ${describeZodError(merged.error)}.`);
  // A switch the center's policy predates (and the candidate does not name) stays off for it, as in the workflow:
  // the defaults the parse filled in for it are dropped again.
  const named = { ...recorded, ...candidate } as Record<string, unknown>;
  return Object.fromEntries(Object.entries(merged.data).filter(([k]) => k in named)) as Policy;
}

const decodeFirst = (payloads: { payloads?: unknown[] | null } | null | undefined): unknown => {
  const p = payloads?.payloads?.[0];
  return p ? defaultPayloadConverter.fromPayload(p as Parameters<typeof defaultPayloadConverter.fromPayload>[0]) : undefined;
};

/** A center's start and recorded inputs, from its runs (first → last). */
export function recordedInputs(runs: readonly RunHistory[]): WhatIfInput & { centerId: string; workflowId: string; recordedState: string | null } {
  if (runs.length === 0) throw new InputError('No runs to read.');
  const raw = workflowInput(runs[0].history);
  const first = CenterWorkflowInputSchema.safeParse(raw);
  if (!first.success) throw new InputError(`Run ${runs[0].runId} is not a center workflow's first run: ${describeZodError(first.error)}.`);
  if (first.data.carried) throw new InputError(`Run ${runs[0].runId} continues an earlier run; read the center's runs from its first.`);
  const timeline = centerTimeline(runs);
  // Each accepted command's transition time (an approval's is when its quota slot was granted).
  const appliedAt = new Map(timeline.filter((e) => e.event !== 'DEADLINE_REACHED' && e.commandId).map((e) => [e.commandId!, e.at]));
  const commands = new Map<string, Command>();
  const signals: RecordedInput[] = [];
  for (const run of runs) {
    for (const e of run.history.events ?? []) {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (accepted?.input?.name === centerCommand.name) {
        // Kept as sent, not parsed here: a command today's schema no longer takes is refused by the simulator's
        // check (invalid-input) and reported, rather than dropped unseen.
        const sent = decodeFirst(accepted.input.args) as Partial<Command> | undefined;
        if (typeof sent?.commandId === 'string') commands.set(sent.commandId, sent as Command);
      }
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === callStatusChanged.name) {
        const parsed = CallStatusChangedSchema.safeParse(decodeFirst(signal.input));
        if (parsed.success) signals.push({ kind: 'callStatus', ...parsed.data });
      }
    }
  }
  // The commands in the order the center applied them (its sequence numbers), each at its recorded time.
  // A move to the next statechart version the workflow made itself (at a continue-as-new) is no command: kept as a move.
  const ownMove = (e: (typeof timeline)[number]) => e.event === 'MIGRATE_CENTER' && !!e.commandId && !commands.has(e.commandId) && /^migrate:v\d+$/.test(e.commandId);
  const applied: RecordedInput[] = timeline
    .filter((e) => e.event !== 'DEADLINE_REACHED' && e.commandId && (commands.has(e.commandId) || ownMove(e)))
    .map((e): RecordedInput =>
      ownMove(e)
        ? { kind: 'move', toVersion: Number(e.commandId!.slice('migrate:v'.length)), commandId: e.commandId!, actor: e.actor, at: e.at }
        : { kind: 'command', command: commands.get(e.commandId!)!, at: appliedAt.get(e.commandId!)! },
    );
  // Signals between them by time (a stable merge: commands keep their order).
  const inputs: RecordedInput[] = [];
  const pending = [...signals].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const c of applied) {
    while (pending.length && Date.parse(pending[0].at) < Date.parse(c.at)) inputs.push(pending.shift()!);
    inputs.push(c);
  }
  inputs.push(...pending);
  const last = summarizeRun(runs.at(-1)!);
  const { centerId, universityId, call } = first.data;
  // The policy as the workflow holds it (workflows/center.ts validates its input but keeps it as sent): parsing it
  // here would fill in the defaults of switches added since (the reserve's, Art. 15/18), which a center started
  // before them does not hold, and the simulation would refuse commands the workflow accepted.
  const policy = (raw as { policy: unknown }).policy;
  return {
    centerId,
    workflowId: runs[0].workflowId,
    // The version the workflow started the center on (an input naming none is from before versions: 1).
    start: { policy: policy as Policy, centerId, workflowId: runs[0].workflowId, universityId, call: call as WhatIfInput['start']['call'], machineVersion: (raw as { machineVersion?: number }).machineVersion ?? 1 },
    inputs,
    until: last.lastEventAt ?? inputs.at(-1)?.at ?? new Date(0).toISOString(),
    recordedState: timeline.at(-1)?.toState ?? null,
  };
}

export interface WhatIfResult {
  centerId: string;
  workflowId: string;
  /** The recorded policy run through the same simulator. */
  recorded: SimulatedOutcome;
  candidate: SimulatedOutcome;
  changes: OutcomeChange[];
  changed: boolean;
  /** The history's last state, and whether the simulator's run of the recorded policy ends there too. */
  recordedState: string | null;
  faithful: boolean;
  /** The first recorded command the candidate policy refuses (the "would have refused"), if any. */
  firstRefused: SimulatedOutcome['refused'][number] | null;
}

/** One center's what-if from its runs. */
export function whatIfOfRuns(runs: readonly RunHistory[], candidate: CandidatePolicy, label = 'the candidate policy'): WhatIfResult {
  const input = recordedInputs(runs);
  const recorded = simulateCenter(input);
  const next = simulateCenter({ ...input, start: { ...input.start, policy: candidateFor(input.start.policy, candidate, label) } });
  const changes = compareOutcomes(recorded, next);
  const extra = next.refused.filter((r) => !recorded.refused.some((o) => o.commandId === r.commandId));
  return {
    centerId: input.centerId,
    workflowId: input.workflowId,
    recorded,
    candidate: next,
    changes,
    changed: changes.length > 0,
    recordedState: input.recordedState,
    faithful: input.recordedState === null || input.recordedState === recorded.state,
    firstRefused: extra[0] ?? null,
  };
}

/** One center's what-if, its runs fetched from Temporal. */
export async function whatIfCenter(client: Client, ref: string, candidate: CandidatePolicy, label?: string): Promise<WhatIfResult> {
  const { runs } = await fetchCenterRuns(client, ref);
  return whatIfOfRuns(runs, candidate, label);
}
