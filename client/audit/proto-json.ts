/**
 * History ⇄ proto JSON (the format `temporal workflow show --output json` exports), as `historyToJSON` /
 * `historyFromJSON` of `@temporalio/common/lib/proto-utils` do — with a fallback for one install layout.
 *
 * Why the fallback: SDK 1.24 converts with `protobufjs/ext/protojson`, which checks `type instanceof Type`. When
 * npm cannot hoist protobufjs 8 (here @grpc/proto-loader keeps protobufjs 7 at the top level), @temporalio/common
 * and @temporalio/proto each get their own copy, the History type comes from proto's copy and common's protojson
 * rejects it: "TypeError: type must be a Type". The fallback uses the protojson of the copy that built the types.
 * With a deduplicated install the SDK's own functions answer and the fallback is never used.
 */
import { createRequire } from 'node:module';
import * as sdk from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const isDuplicateProtobufError = (err: unknown) => err instanceof TypeError && /must be a Type/.test(err.message);

let fallback: { protojson: ProtoJson; historyType: unknown; History: typeof temporal.api.history.v1.History } | null = null;

function protoCopy() {
  if (fallback) return fallback;
  const require = createRequire(import.meta.url);
  const protoPath = require.resolve('@temporalio/proto');
  const fromProto = createRequire(protoPath);
  const proto = require('@temporalio/proto') as typeof import('@temporalio/proto');
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown } };
  fallback = {
    protojson: fromProto('protobufjs/ext/protojson') as ProtoJson,
    historyType: patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History'),
    History: proto.temporal.api.history.v1.History,
  };
  return fallback;
}

// The same normalisation as the SDK's historyFromJSON: older tools wrote enum values in PascalCase.
const constantCase = (s: string) => s.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase();
function fixEnum(obj: Record<string, any>, attr: string, prefix: string) {
  const v = obj[attr];
  return typeof v === 'string' && v ? { [attr]: v.startsWith(prefix) ? v : `${prefix}_${constantCase(v)}` } : {};
}
function fixEvent(e: Record<string, any>) {
  const type = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
  if (!type) throw new TypeError(`Missing attributes in history event: ${JSON.stringify(e).slice(0, 200)}`);
  const a = e[type] ?? {};
  return {
    ...e,
    ...fixEnum(e, 'eventType', 'EVENT_TYPE'),
    [type]: {
      ...a,
      ...(a.taskQueue && { taskQueue: { ...a.taskQueue, ...fixEnum(a.taskQueue, 'kind', 'TASK_QUEUE_KIND') } }),
      ...fixEnum(a, 'parentClosePolicy', 'PARENT_CLOSE_POLICY'),
      ...fixEnum(a, 'workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'),
      ...fixEnum(a, 'initiator', 'CONTINUE_AS_NEW_INITIATOR'),
      ...fixEnum(a, 'retryState', 'RETRY_STATE'),
      ...(a.childWorkflowExecutionFailureInfo && {
        childWorkflowExecutionFailureInfo: { ...a.childWorkflowExecutionFailureInfo, ...fixEnum(a.childWorkflowExecutionFailureInfo, 'retryState', 'RETRY_STATE') },
      }),
    },
  };
}

/** Proto JSON → History (accepts what `temporal workflow show --output json` and historyToJSON write). */
export function historyFromJSON(json: unknown): History {
  try {
    return sdk.historyFromJSON(json);
  } catch (err) {
    if (!isDuplicateProtobufError(err)) throw err;
  }
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new TypeError('Invalid history, expected an object with an array of events');
  const { protojson, historyType } = protoCopy();
  const loaded = protojson.fromJson(historyType, { events: events.map(fixEvent) }, { ignoreUnknownFields: true });
  if (loaded === null) throw new TypeError('Invalid history');
  return loaded as History;
}

/** History → proto JSON text (indented, as the SDK writes it). */
export function historyToJSON(history: History): string {
  try {
    return sdk.historyToJSON(history);
  } catch (err) {
    if (!isDuplicateProtobufError(err)) throw err;
  }
  const { protojson, historyType, History } = protoCopy();
  return JSON.stringify(protojson.toJson(historyType, History.fromObject(history)), null, 2);
}
