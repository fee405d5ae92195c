import type { Knex } from 'knex';
import type { AuditRow } from '../../machines/records.types';
import { actorColumnsOf, AuditLogInsertSchema, AuditRecordSchema, rowOf, type AuditRecord } from '../schemas';
import { TableName } from '../tables';

export function createAuditRepository(knex: Knex) {
  return {
    /** SPEC §3 "Audit": a center's transitions in order, across all its cycles. */
    async auditLog(centerId: string, tx?: Knex.Transaction): Promise<AuditRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.AuditLog).where({ centerId }).orderBy('seq');
      return rows.map((r) => AuditRecordSchema.parse(r));
    },

    async findAudit(centerId: string, seq: number, tx?: Knex.Transaction): Promise<AuditRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.AuditLog).where({ centerId, seq }).first();
      return row === undefined ? undefined : AuditRecordSchema.parse(row);
    },

    /**
     * Inserts the audit row unless (center_id, seq) is already there. Returns whether it was inserted: false
     * means this transition was persisted before (an activity retry, or a worker crash after commit).
     */
    async insertAudit(audit: AuditRow, tx?: Knex.Transaction): Promise<boolean> {
      const inserted: unknown[] = await (tx ?? knex)(TableName.AuditLog)
        .insert(rowOf(AuditLogInsertSchema, { ...audit, ...actorColumnsOf(audit.actor) }))
        .onConflict(['centerId', 'seq'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },
  };
}
