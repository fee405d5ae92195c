import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { ZodError } from 'zod';
import type { AuditRow, CallEventInput, DomainRecord, PersistTransitionInput } from '../machines/records.types';
import { createRepositories, RecordConflictError, RecordNotReadyError, type Repositories } from '../db/repositories';
import { createQuotaActivities } from './quota';
import { createOutboxActivities, type NotificationChannel } from './outbox';
import { createRoundActivities } from './rounds';
import { createStartActivities } from './start';
import { timedPersist } from './metrics';

export interface ActivityDeps {
  knex: Knex;
  /** For the calendar rounds, which list and signal centers; default: the client the worker gives each activity. */
  temporal?: { client: Client };
  /** Where the outbox delivers notices (activities/outbox.ts); default: the worker's log. */
  notificationChannel?: NotificationChannel;
  /** The secret centers' starts are signed with (config/start-secret.ts); default: temporal.startSecret's fallback file. */
  startSecret?: string;
}

/** Error types the workflows can list as non-retryable: retrying the same input can never succeed. */
export const PersistErrorType = {
  InvalidInput: 'InvalidPersistInput',
  UnknownRecordKind: 'UnknownRecordKind',
  /** The (center, seq) or (call, seq) slot already holds a different transition: the histories have diverged. */
  SequenceConflict: 'SequenceConflict',
  /**
   * A record needs a row an earlier transition writes (a funding decision needs its request) and that transition
   * is not persisted yet. Retryable: do NOT list it as non-retryable, the retry succeeds once the earlier one lands.
   */
  PrerequisiteMissing: 'PrerequisiteMissing',
  /** The database refused or could not run a statement (locked, read-only, unreachable): retryable. */
  DatabaseUnavailable: 'DatabaseUnavailable',
} as const;

/**
 * Activities do all the I/O (SPEC §1). They come from a factory so the worker injects the real knex and tests
 * inject a database of their own (house style, temporalio/samples-typescript activities-dependency-injection).
 *
 * Idempotency (SPEC §3): each activity runs in one transaction whose first statement inserts its log row
 * (audit_log or call_events) with ON CONFLICT DO NOTHING on its unique key. That insert is both the write lock
 * (so a concurrent duplicate waits for this one to commit) and the record of completion: when it inserts nothing,
 * the same input was already persisted (an activity retry, a worker crash after commit) and nothing else is written.
 */
export function createActivities(deps: ActivityDeps) {
  const { knex } = deps;
  const repos = createRepositories(knex);

  return {
    ...createRoundActivities(deps),
    ...createOutboxActivities({ knex, channel: deps.notificationChannel }),
    ...createQuotaActivities(),
    ...createStartActivities({ startSecret: deps.startSecret }),

    /** Persists one statechart transition: its audit row, the records it produced and the center's row. */
    async persistTransition(input: PersistTransitionInput): Promise<{ written: boolean; audit: AuditRow }> {
      checkSameCenter(input);
      const started = Date.now();
      const result = await timedPersist('persistTransition', () => guardInput(() =>
        knex.transaction(async (tx) => {
          if (!(await repos.insertAudit(input.audit, tx))) {
            const existing = await repos.findAudit(input.audit.centerId, input.audit.seq, tx);
            if (
              existing &&
              (existing.event !== input.audit.event ||
                existing.fromState !== input.audit.fromState ||
                existing.toState !== input.audit.toState ||
                existing.commandId !== input.audit.commandId)
            ) {
              throw ApplicationFailure.nonRetryable(
                `audit seq ${input.audit.seq} of center ${input.audit.centerId} already holds ${existing.fromState} --${existing.event}--> ${existing.toState} (command ${existing.commandId ?? 'none'}), not ${input.audit.fromState} --${input.audit.event}--> ${input.audit.toState} (command ${input.audit.commandId ?? 'none'})`,
                PersistErrorType.SequenceConflict,
              );
            }
            // The row as it was first written: a workflow task lost with its worker (SIGKILL after the commit) runs the
            // same command again at a later workflow time, and the workflow takes the stored time back (apply).
            return { written: false, audit: existing ? { ...input.audit, at: new Date(existing.at).toISOString() } : input.audit };
          }
          // The center first: the records reference it.
          await repos.upsertCenter(input.center, input.audit.seq, tx);
          for (const record of input.records) await writeRecord(repos, record, input.audit.seq, tx);
          return { written: true as boolean, audit: input.audit };
        }),
      ));
      // Ids, states and the time only: never the records' values (docs/operations.md "Logs").
      activityLog('transition persisted', {
        centerId: input.audit.centerId,
        commandId: input.audit.commandId,
        seq: input.audit.seq,
        event: input.audit.event,
        fromState: input.audit.fromState,
        toState: input.audit.toState,
        written: result.written,
        ms: Date.now() - started,
      });
      return result;
    },

    /** Persists one event of a call (Art. 7, 9) and the call's row. */
    async persistCallEvent(input: CallEventInput): Promise<{ written: boolean }> {
      if (input.call.callId !== input.callId) {
        throw ApplicationFailure.nonRetryable(
          `call event for ${input.callId} carries a snapshot of call ${input.call.callId}`,
          PersistErrorType.InvalidInput,
        );
      }
      return timedPersist('persistCallEvent', () => guardInput(() =>
        knex.transaction(async (tx) => {
          if (!(await repos.insertCallEvent(input, tx))) {
            const existing = await repos.findCallEvent(input.callId, input.seq, tx);
            if (existing && existing.kind !== input.kind) {
              throw ApplicationFailure.nonRetryable(
                `call ${input.callId} event seq ${input.seq} is already "${existing.kind}", not "${input.kind}"`,
                PersistErrorType.SequenceConflict,
              );
            }
            return { written: false };
          }
          await repos.upsertCall(input, tx);
          return { written: true };
        }),
      ));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** An info line through the activity's logger (workflowId, activityId… added by the SDK); none outside an activity (a script, a test). */
function activityLog(message: string, attributes: Record<string, unknown>): void {
  try {
    log.info(message, attributes);
  } catch {
    // not in an activity
  }
}

/**
 * Writes one domain record to its table(s), idempotently: append-only records by their natural key (insert, on
 * conflict do nothing); records that move (annual summary, evaluation, rectification) as an upsert guarded by the audit `seq`,
 * so a late retry of an older transition never overwrites a newer row. Exported for the auditor, which folds a
 * history's inputs through this same code to know what the database should hold (client/audit/index.ts).
 */
export async function writeRecord(repos: Repositories, record: DomainRecord, seq: number, tx: Knex.Transaction): Promise<void> {
  switch (record.kind) {
    case 'application':
      return repos.insertApplication(record, tx);
    case 'eligibility':
      return repos.insertEligibility(record, tx);
    case 'expertAssignment':
      return repos.insertExpertAssignment(record, tx);
    case 'review':
      return repos.insertReview(record, tx);
    case 'decision':
      return repos.insertDecision(record, tx);
    case 'cycle':
      return repos.insertCycle(record, tx);
    case 'fundingRequest':
      return repos.insertFundingRequest(record, seq, tx);
    case 'fundingDecision':
      // Art. 16: the ledger row is written by the decision that grants, once (see decideFunding).
      await repos.decideFunding(record, seq, tx);
      return;
    case 'annualSummary':
      await repos.upsertAnnualSummary(record, seq, tx);
      return;
    case 'notification':
      return repos.insertNotification(record, tx);
    case 'evaluation':
      await repos.upsertEvaluation(record, seq, tx);
      return;
    case 'evaluationReview':
      return repos.insertEvaluationReview(record, tx);
    case 'integrityIncident':
      return repos.insertIntegrityIncident(record, tx);
    // Art. 19: the notice before the rectification it opens (the transition lists them in that order).
    case 'notice':
      await repos.insertNotice(record, tx);
      // Art. 19: the published notice is sent to the university, through the outbox like an Art. 18 notice, written
      // in the same transaction (issue 14 item 6). Written here rather than by the machine, so the records of a
      // transition, and so old histories' activity inputs, are as they were.
      return repos.insertNotification(
        {
          kind: 'notification',
          centerId: record.centerId,
          key: `notice:${record.noticeId}`,
          recipientRole: 'university',
          notice: 'publicNotice',
          subject: `grade ${record.grade}, evaluation ${record.evaluationId} (Art. 19)`,
          dueAt: record.publishedAt,
          createdAt: record.publishedAt,
        },
        tx,
      );
    case 'rectification':
      await repos.upsertRectification(record, seq, tx);
      return;
    case 'supportStopped':
      return repos.insertSupportStop(record, tx);
    case 'organisationChange':
      return repos.insertOrganisationChange(record, tx);
    case 'evidence':
      return repos.insertEvidence(record, seq, tx);
    case 'reserveResult':
      return repos.upsertReserveResult(record, seq, tx);
    case 'budgetLines':
      return repos.insertBudgetLines(record, tx);
    case 'spending':
      return repos.insertSpending(record, tx);
    case 'finalAccounts':
      return repos.upsertFinalAccounts(record, seq, tx);
    // A new kind: add it to DomainRecord (machines/records.types.ts), a migration and schema for its table, a
    // writer in db/repositories, and a case here. The `never` below makes the compiler list every kind not handled.
    default:
      return unknownRecord(record);
  }
}

function unknownRecord(record: never): never {
  const kind = (record as { kind?: unknown } | null)?.kind;
  throw ApplicationFailure.nonRetryable(`unknown record kind ${JSON.stringify(kind)}`, PersistErrorType.UnknownRecordKind);
}

function checkSameCenter({ audit, center, records }: PersistTransitionInput): void {
  const others = [center.centerId, ...records.map((r) => r.centerId)].filter((id) => id !== audit.centerId);
  if (others.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `a transition of center ${audit.centerId} carries rows of ${[...new Set(others)].join(', ')}`,
      PersistErrorType.InvalidInput,
    );
  }
}

/**
 * A row that fails its table's schema, or contradicts the rows stored, will fail on every retry: report it as
 * non-retryable. A row that waits for an earlier transition's row is retryable.
 */
async function guardInput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ZodError) {
      throw ApplicationFailure.nonRetryable(`invalid row: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, PersistErrorType.InvalidInput);
    }
    if (err instanceof RecordConflictError) throw ApplicationFailure.nonRetryable(err.message, PersistErrorType.InvalidInput);
    if (err instanceof RecordNotReadyError) throw ApplicationFailure.retryable(err.message, PersistErrorType.PrerequisiteMissing);
    throw databaseFailure(err);
  }
}

/**
 * A database error as a retryable failure that names the statement's kind and table and the driver's code, never
 * the statement with its values (documents, names, money: they would land in logs and in the workflow history).
 */
export function databaseFailure(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const sql = (err as { sql?: unknown }).sql;
  const message = err.message;
  // knex prefixes the driver's message with the statement: "insert into `t` (…) values (…) - SQLITE_BUSY: …".
  const statement = typeof sql === 'string' ? sql : / - /.test(message) ? message.slice(0, message.lastIndexOf(' - ')) : null;
  if (statement === null && typeof code !== 'string') return err;
  const kind = /^\s*(\w+)/.exec(statement ?? '')?.[1]?.toLowerCase() ?? 'query';
  const table = /(?:into|from|update)\s+[`"]?(\w+)/i.exec(statement ?? '')?.[1] ?? 'a table';
  const driver = statement !== null && / - /.test(message) ? message.slice(message.lastIndexOf(' - ') + 3) : message;
  const reason = typeof code === 'string' ? code : driver.split(':')[0];
  return ApplicationFailure.retryable(`database ${kind} on ${table} failed: ${reason}`, PersistErrorType.DatabaseUnavailable);
}
