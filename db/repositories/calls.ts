import type { Knex } from 'knex';
import type { CallEventInput } from '../../machines/records.types';
import { actorColumnsOf, CallEventRecordSchema, CallEventsSchema, CallsSchema, rowOf, type CallEventRecord, type CallRecord } from '../schemas';
import { TableName } from '../tables';

export function createCallsRepository(knex: Knex) {
  return {
    async getCall(callId: string, tx?: Knex.Transaction): Promise<CallRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Calls).where({ callId }).first();
      return row === undefined ? undefined : CallsSchema.parse(row);
    },

    async listCalls(tx?: Knex.Transaction): Promise<CallRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Calls).orderBy([{ column: 'opensAt' }, { column: 'callId' }]);
      return rows.map((r) => CallsSchema.parse(r));
    },

    /** Art. 7, 9: what happened to a call, in order. */
    async callEvents(callId: string, tx?: Knex.Transaction): Promise<CallEventRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.CallEvents).where({ callId }).orderBy('seq');
      return rows.map((r) => CallEventRecordSchema.parse(r));
    },

    async findCallEvent(callId: string, seq: number, tx?: Knex.Transaction): Promise<CallEventRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.CallEvents).where({ callId, seq }).first();
      return row === undefined ? undefined : CallEventRecordSchema.parse(row);
    },

    /** Inserts the event unless (call_id, seq) is already there; returns whether it was inserted. */
    async insertCallEvent(event: CallEventInput, tx?: Knex.Transaction): Promise<boolean> {
      const inserted: unknown[] = await (tx ?? knex)(TableName.CallEvents)
        .insert(rowOf(CallEventsSchema, { ...event, ...actorColumnsOf(event.actor), snapshot: event.call }))
        .onConflict(['callId', 'seq'])
        .ignore()
        .returning('seq');
      return inserted.length > 0;
    },

    /**
     * Inserts or updates the call's row as of event `seq`; a row already at a later seq is left alone.
     * created_at is the time of the first event written. Returns whether the row was written.
     */
    async upsertCall(event: CallEventInput, tx?: Knex.Transaction): Promise<boolean> {
      const row = rowOf(CallsSchema, { ...event.call, lastSeq: event.seq, createdAt: event.at, updatedAt: event.at });
      const { callId: _key, createdAt: _created, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Calls)
        .insert(row)
        .onConflict('callId')
        .merge(Object.keys(updates))
        .where(`${TableName.Calls}.lastSeq`, '<', event.seq)
        .returning('callId');
      return written.length > 0;
    },
  };
}
