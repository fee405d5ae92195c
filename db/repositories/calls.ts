import type { Knex } from 'knex';
import type { CallEventInput } from '../../machines/records.types';
import { CallEventsSchema, CallsSchema, type TCallEvents, type TCallEventsInsert, type TCalls, type TCallsInsert } from '../schemas';
import { TableName } from '../tables';
import { actorColumns, actorFromColumns } from './actor';
import type { CallEventRecord, CallRecord } from './types';

const toCall = (row: TCalls): CallRecord => ({
  callId: row.call_id,
  title: row.title,
  opensAt: row.opens_at,
  closesAt: row.closes_at,
  quota: row.quota,
  status: row.status,
  approvedCount: row.approved_count,
  lastSeq: row.last_seq,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toEvent = (row: TCallEvents): CallEventRecord => ({
  callId: row.call_id,
  seq: row.seq,
  kind: row.kind as CallEventInput['kind'],
  call: row.snapshot as CallEventInput['call'],
  reason: row.reason,
  actor: actorFromColumns(row),
  commandId: row.command_id,
  at: row.at,
});

export function createCallsRepository(knex: Knex) {
  return {
    async getCall(callId: string, tx?: Knex.Transaction): Promise<CallRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Calls).where({ call_id: callId }).first();
      return row === undefined ? undefined : toCall(CallsSchema.parse(row));
    },

    async listCalls(tx?: Knex.Transaction): Promise<CallRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Calls).orderBy([{ column: 'opens_at' }, { column: 'call_id' }]);
      return rows.map((r) => toCall(CallsSchema.parse(r)));
    },

    /** Art. 7, 9: what happened to a call, in order. */
    async callEvents(callId: string, tx?: Knex.Transaction): Promise<CallEventRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.CallEvents).where({ call_id: callId }).orderBy('seq');
      return rows.map((r) => toEvent(CallEventsSchema.parse(r)));
    },

    async findCallEvent(callId: string, seq: number, tx?: Knex.Transaction): Promise<CallEventRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.CallEvents).where({ call_id: callId, seq }).first();
      return row === undefined ? undefined : toEvent(CallEventsSchema.parse(row));
    },

    /** Inserts the event unless (call_id, seq) is already there; returns whether it was inserted. */
    async insertCallEvent(event: CallEventInput, tx?: Knex.Transaction): Promise<boolean> {
      const row = {
        call_id: event.callId,
        seq: event.seq,
        kind: event.kind,
        reason: event.reason,
        ...actorColumns(event.actor),
        command_id: event.commandId,
        at: event.at,
        snapshot: JSON.stringify(event.call),
      } satisfies TCallEventsInsert;
      CallEventsSchema.parse(row);
      const inserted: unknown[] = await (tx ?? knex)(TableName.CallEvents)
        .insert(row)
        .onConflict(['call_id', 'seq'])
        .ignore()
        .returning('seq');
      return inserted.length > 0;
    },

    /**
     * Inserts or updates the call's row as of event `seq`; a row already at a later seq is left alone.
     * created_at is the time of the first event written. Returns whether the row was written.
     */
    async upsertCall(event: CallEventInput, tx?: Knex.Transaction): Promise<boolean> {
      const row = CallsSchema.parse({
        call_id: event.call.callId,
        title: event.call.title,
        opens_at: event.call.opensAt,
        closes_at: event.call.closesAt,
        quota: event.call.quota,
        approved_count: event.call.approvedCount,
        status: event.call.status,
        last_seq: event.seq,
        created_at: event.at,
        updated_at: event.at,
      } satisfies TCallsInsert);
      const { call_id: _key, created_at: _created, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Calls)
        .insert(row)
        .onConflict('call_id')
        .merge(Object.keys(updates))
        .where(`${TableName.Calls}.last_seq`, '<', event.seq)
        .returning('call_id');
      return written.length > 0;
    },
  };
}
