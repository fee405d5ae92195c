/**
 * Reading a center's workflow history the way an auditor does (SPEC §3 "Audit", §4 "Auditors"). Every transition
 * is persisted by exactly one `persistTransition` activity whose input carries the audit row, so the sequence of
 * those activities' ActivityTaskScheduled inputs *is* the history-derived timeline. Pure: no server, no database.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from './proto-json';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { ActorSchema } from '../../machines/domain';
import type { AuditRow, PersistTransitionInput } from '../../machines/records.types';
import { callWorkflowId, centerWorkflowId, type CallWorkflowInput, type CenterWorkflowInput } from '../../contract';
import { readJson } from '../args';
import { InputError } from '../errors';

export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity that writes one transition (activities/index.ts); its single input holds the audit row. */
export const PERSIST_TRANSITION = 'persistTransition';

/** One run of a workflow (a center's workflow continues-as-new at each new cycle). */
export interface RunHistory {
  workflowId: string;
  runId: string;
  history: History;
}

export type RunStatus = 'running' | 'completed' | 'continuedAsNew' | 'failed' | 'canceled' | 'terminated' | 'timedOut';

export interface RunSummary {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The center this run belongs to (its input's centerId); null for another workflow type. */
  centerId: string | null;
  /** The run this one continued from (null for the first run of a chain). */
  continuedFromRunId: string | null;
  /** The run this one continued as (null unless status is continuedAsNew). */
  continuedAsRunId: string | null;
  startedAt: string | null;
  /** The time of the last event: when the run closed, or how far the history goes. */
  lastEventAt: string | null;
  status: RunStatus;
  events: number;
  transitions: number;
}

/** One transition as the history records it, with where it is in the history. */
export interface TimelineEntry extends AuditRow {
  runId: string;
  /** The ActivityTaskScheduled event that carries it. */
  eventId: number;
  /**
   * Whether the activity that writes its audit row had completed when the history was read: `pending` (still
   * running or retrying) explains a row not yet in the database; `failed` should never happen (it retries).
   */
  persisted: 'completed' | 'pending' | 'failed';
}

/** The audit part of `persistTransition`'s input, checked so a malformed history is named, not mis-read. */
const AuditRowSchema = z.object({
  centerId: z.string().min(1),
  cycle: z.number().int(),
  seq: z.number().int(),
  fromState: z.string(),
  event: z.string(),
  toState: z.string(),
  actor: ActorSchema,
  commandId: z.string().nullable(),
  at: z.string(),
});

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(typeof v === 'object' ? String(v) : v));

export function timestampToIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts) return null;
  return new Date(num(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function decode<T>(payloads: { payloads?: unknown[] | null } | null | undefined, what: string): T {
  const payload = payloads?.payloads?.[0];
  if (!payload) throw new InputError(`${what}: no payload`);
  return defaultPayloadConverter.fromPayload<T>(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
}

function startedAttributes(history: History): temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes {
  const attrs = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!attrs) throw new InputError('Not a workflow history: its first event is not WorkflowExecutionStarted.');
  return attrs;
}

/** The workflow's input (the first argument it was started or continued with). */
export function workflowInput<T = unknown>(history: History): T | null {
  const attrs = startedAttributes(history);
  return attrs.input?.payloads?.length ? decode<T>(attrs.input, 'workflow input') : null;
}

export function workflowType(history: History): string {
  return startedAttributes(history).workflowType?.name ?? '(unknown)';
}

/** The run id a history file belongs to: its start event records it (files exported by `temporal` name no ids). */
export function runIdOf(history: History): string {
  const attrs = startedAttributes(history);
  return attrs.originalExecutionRunId || attrs.firstExecutionRunId || '(unknown run)';
}

/** The center's id from a center workflow's input; null for other workflows. */
export function centerIdOf(history: History): string | null {
  if (workflowType(history) !== 'centerWorkflow') return null;
  return workflowInput<Partial<CenterWorkflowInput>>(history)?.centerId ?? null;
}

/**
 * The workflow id a history belongs to, from its input: a center's workflow is named after its university, a
 * call's after the call (workflows/definitions.ts). Exported files name no ids.
 */
export function workflowIdOf(history: History): string | null {
  const type = workflowType(history);
  if (type === 'centerWorkflow') {
    const universityId = workflowInput<Partial<CenterWorkflowInput>>(history)?.universityId;
    return universityId ? centerWorkflowId(universityId) : null;
  }
  if (type === 'callWorkflow') {
    const callId = workflowInput<Partial<CallWorkflowInput>>(history)?.call?.callId;
    return callId ? callWorkflowId(callId) : null;
  }
  return null;
}

function statusOf(last: HistoryEvent | undefined): RunStatus {
  if (!last) return 'running';
  if (last.workflowExecutionCompletedEventAttributes) return 'completed';
  if (last.workflowExecutionContinuedAsNewEventAttributes) return 'continuedAsNew';
  if (last.workflowExecutionFailedEventAttributes) return 'failed';
  if (last.workflowExecutionCanceledEventAttributes) return 'canceled';
  if (last.workflowExecutionTerminatedEventAttributes) return 'terminated';
  if (last.workflowExecutionTimedOutEventAttributes) return 'timedOut';
  return 'running';
}

/**
 * The transitions of one run, in history order: one per `persistTransition` activity scheduled, and one per local
 * `persistTransition` completed (its marker's result; a local attempt that failed left a marker without a result and
 * an activity scheduled after it), the audit row decoded with the default JSON payload converter (the worker's).
 */
export function runTimeline(run: RunHistory): TimelineEntry[] {
  const outcome = new Map<number, TimelineEntry['persisted']>();
  for (const e of run.history.events ?? []) {
    if (e.activityTaskCompletedEventAttributes) outcome.set(num(e.activityTaskCompletedEventAttributes.scheduledEventId), 'completed');
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (failed) outcome.set(num(failed.scheduledEventId), 'failed');
  }
  const entries: TimelineEntry[] = [];
  for (const e of run.history.events ?? []) {
    const eventId = num(e.eventId);
    const local = localPersist(e);
    if (local) {
      const parsed = AuditRowSchema.safeParse(local.audit);
      if (!parsed.success) throw new InputError(`Run ${run.runId}, event ${eventId}: the local ${PERSIST_TRANSITION} result carries no valid audit row.`);
      entries.push({ ...(parsed.data as AuditRow), runId: run.runId, eventId, persisted: 'completed' });
      continue;
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== PERSIST_TRANSITION) continue;
    const input = decode<Partial<PersistTransitionInput>>(scheduled.input, `event ${eventId} (${PERSIST_TRANSITION})`);
    const parsed = AuditRowSchema.safeParse(input?.audit);
    if (!parsed.success) {
      throw new InputError(
        `Run ${run.runId}, event ${eventId}: the ${PERSIST_TRANSITION} input carries no valid audit row (${parsed.error.issues
          .map((i) => `${i.path.join('.') || 'audit'}: ${i.message}`)
          .join('; ')}).`,
      );
    }
    entries.push({ ...(parsed.data as AuditRow), runId: run.runId, eventId, persisted: outcome.get(eventId) ?? 'pending' });
  }
  return entries;
}

/**
 * Since `persist-transition-locally` a transition is written by a local activity: the history holds a marker
 * with its result, which carries the audit row (the input stays out of the history). Null for any other event.
 */
function localPersist(e: HistoryEvent): { audit?: unknown } | null {
  const marker = e.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity' || !marker.details?.['data'] || !marker.details['result']) return null;
  const data = decode<{ activity_type?: string }>(marker.details['data'], `event ${num(e.eventId)} (local activity)`);
  if (data.activity_type !== PERSIST_TRANSITION) return null;
  return decode<{ audit?: unknown }>(marker.details['result'], `event ${num(e.eventId)} (${PERSIST_TRANSITION} result)`);
}

export function summarizeRun(run: RunHistory): RunSummary {
  const events = run.history.events ?? [];
  const attrs = startedAttributes(run.history);
  const last = events.at(-1);
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: workflowType(run.history),
    centerId: centerIdOf(run.history),
    continuedFromRunId: attrs.continuedExecutionRunId || null,
    continuedAsRunId: last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || null,
    startedAt: timestampToIso(events[0]?.eventTime),
    lastEventAt: timestampToIso(last?.eventTime),
    status: statusOf(last),
    events: events.length,
    transitions: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === PERSIST_TRANSITION || localPersist(e) !== null).length,
  };
}

/** The timeline of a center across its runs (first → last), ordered by sequence number as the workflow numbered it. */
export function centerTimeline(runs: readonly RunHistory[]): TimelineEntry[] {
  return runs.flatMap(runTimeline);
}

/** A history as JSON (the official `temporal workflow show --output json`, or historyToJSON) → a History. */
export function parseHistoryJson(json: unknown, label: string): History {
  // Older exports and some tools wrap the events: { history: { events } }.
  const value = json !== null && typeof json === 'object' && !Array.isArray(json) && !('events' in json) && 'history' in json ? (json as { history: unknown }).history : json;
  try {
    const history = historyFromJSON(value);
    startedAttributes(history);
    return history;
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${label}: ${err.message}`);
    throw new InputError(`${label} is not a workflow history (expected the JSON of \`temporal workflow show --output json\`): ${(err as Error).message}`);
  }
}

/** Reads an exported history file; its workflow id is derived from the center's input unless given. */
export function readHistoryFile(file: string, workflowId?: string): RunHistory {
  return historyFileRun(readJson(file), file === '-' ? 'standard input' : file, workflowId);
}

/** A history file's JSON as one run; its workflow id is derived from the center's input unless given. */
export function historyFileRun(json: unknown, label: string, workflowId?: string): RunHistory {
  const history = parseHistoryJson(json, label);
  // The workflow id only matters to code that reads workflowInfo(): the center's first run puts it in its context.
  return { workflowId: workflowId ?? workflowIdOf(history) ?? 'replayed-workflow', runId: runIdOf(history), history };
}

/** The `persistTransition` inputs a center's history records, in order, for the dossier (issue 15 item 1). */
export interface TransitionInputs {
  inputs: PersistTransitionInput[];
  /**
   * Transitions written by a local activity (`persist-transition-locally`): the history keeps only their result (the
   * audit row), not the records or the center row, so the dossier cannot be derived from it. Zero on newer runs.
   */
  local: number;
}

/**
 * Every `persistTransition` input of the runs (first → last), as the ActivityTaskScheduled events record it: the audit
 * row (checked as runTimeline checks it), the center's read-model row and the records of the transition. A local
 * attempt that failed left no result and an activity scheduled after it: only that activity's input is taken.
 */
export function transitionInputs(runs: readonly RunHistory[]): TransitionInputs {
  const inputs: PersistTransitionInput[] = [];
  let local = 0;
  for (const run of runs) {
    for (const e of run.history.events ?? []) {
      if (localPersist(e)) {
        local++;
        continue;
      }
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== PERSIST_TRANSITION) continue;
      const eventId = num(e.eventId);
      const input = decode<Partial<PersistTransitionInput>>(scheduled.input, `event ${eventId} (${PERSIST_TRANSITION})`);
      const audit = AuditRowSchema.safeParse(input?.audit);
      if (!audit.success || !input.center || !Array.isArray(input.records)) {
        throw new InputError(`Run ${run.runId}, event ${eventId}: the ${PERSIST_TRANSITION} input carries no valid audit row, center row and records.`);
      }
      inputs.push({ audit: audit.data as AuditRow, center: input.center, records: input.records });
    }
  }
  return { inputs, local };
}
