import type { Knex } from 'knex';
import type { AuditRow } from '../../machines/records.types';
import { AuditLogInsertSchema, AuditLogSchema, type TAuditLog, type TAuditLogInsert } from '../schemas';
import { TableName } from '../tables';
import { actorColumns, actorFromColumns } from './actor';
import type { AuditRecord } from './types';

const toRecord = (row: TAuditLog): AuditRecord => ({
  id: row.id,
  centerId: row.center_id,
  cycle: row.cycle,
  seq: row.seq,
  fromState: row.from_state,
  event: row.event,
  toState: row.to_state,
  actor: actorFromColumns(row),
  commandId: row.command_id,
  at: row.at,
});

export function createAuditRepository(knex: Knex) {
  return {
    /** SPEC §3 "Audit": a center's transitions in order, across all its cycles. */
    async auditLog(centerId: string, tx?: Knex.Transaction): Promise<AuditRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.AuditLog).where({ center_id: centerId }).orderBy('seq');
      return rows.map((r) => toRecord(AuditLogSchema.parse(r)));
    },

    async findAudit(centerId: string, seq: number, tx?: Knex.Transaction): Promise<AuditRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.AuditLog).where({ center_id: centerId, seq }).first();
      return row === undefined ? undefined : toRecord(AuditLogSchema.parse(row));
    },

    /**
     * Inserts the audit row unless (center_id, seq) is already there. Returns whether it was inserted: false
     * means this transition was persisted before (an activity retry, or a worker crash after commit).
     */
    async insertAudit(audit: AuditRow, tx?: Knex.Transaction): Promise<boolean> {
      const row = AuditLogInsertSchema.parse({
        center_id: audit.centerId,
        cycle: audit.cycle,
        seq: audit.seq,
        from_state: audit.fromState,
        event: audit.event,
        to_state: audit.toState,
        ...actorColumns(audit.actor),
        command_id: audit.commandId,
        at: audit.at,
      } satisfies TAuditLogInsert);
      const inserted: unknown[] = await (tx ?? knex)(TableName.AuditLog)
        .insert(row)
        .onConflict(['center_id', 'seq'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },
  };
}
