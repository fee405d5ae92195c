import type { Knex } from 'knex';
import type { AuditRow } from '../../machines/records.types';
import { auditRowHash, GENESIS } from '../audit-chain';
import { actorColumnsOf, AuditChainInsertSchema, AuditLogInsertSchema, AuditChainSchema, AuditRecordSchema, rowOf, type AuditChainRow, type AuditRecord } from '../schemas';
import { TableName } from '../tables';

export function createAuditRepository(knex: Knex) {
  return {
    /** SPEC §3 "Audit": a center's transitions in order, across all its cycles. */
    async auditLog(centerId: string, tx?: Knex.Transaction): Promise<AuditRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.AuditLog).where({ centerId }).orderBy('seq');
      return rows.map((r) => AuditRecordSchema.parse(r));
    },

    /** Issue 15 item 2: a center's audit rows with their hashes, in chain (seq) order. */
    async auditChain(centerId: string, tx?: Knex.Transaction): Promise<AuditChainRow[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.AuditLog).where({ centerId }).orderBy('seq');
      return rows.map((r) => AuditChainSchema.parse(r));
    },

    /** Every center with an audit row (a center's read-model row may be missing: the chain is checked regardless). */
    async auditedCenters(tx?: Knex.Transaction): Promise<string[]> {
      const rows = (await (tx ?? knex)(TableName.AuditLog).distinct('centerId').orderBy('centerId')) as { centerId: string }[];
      return rows.map((r) => r.centerId);
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
      const db = tx ?? knex;
      const content = { ...audit, ...actorColumnsOf(audit.actor) };
      // The write first: on SQLite a transaction that reads before it writes cannot wait for another writer (it fails
      // SQLITE_BUSY at once), while one that writes first waits its busy timeout.
      const inserted = (await db(TableName.AuditLog).insert(rowOf(AuditLogInsertSchema, content)).onConflict(['centerId', 'seq']).ignore().returning('id')) as unknown[];
      if (inserted.length === 0) return false;
      // The hash chain (db/audit-chain.ts): the row links to the center's newest row before it. Transitions are
      // persisted in seq order (the workflow awaits each); should one land late, the rows after it are linked again,
      // so the chain is always that of the rows in seq order.
      const before = (await db(TableName.AuditLog).where({ centerId: audit.centerId }).andWhere('seq', '<', audit.seq).orderBy('seq', 'desc').first('hash')) as { hash: string | null } | undefined;
      let prevHash = before?.hash ?? GENESIS;
      const rows: unknown[] = await db(TableName.AuditLog).where({ centerId: audit.centerId }).andWhere('seq', '>=', audit.seq).orderBy('seq');
      for (const row of rows.map((r) => AuditChainSchema.parse(r))) {
        const hash = auditRowHash(prevHash, row);
        if (row.prevHash !== prevHash || row.hash !== hash) await db(TableName.AuditLog).where({ id: row.id }).update(rowOf(AuditChainInsertSchema.pick({ prevHash: true, hash: true }), { prevHash, hash }));
        prevHash = hash;
      }
      return true;
    },
  };
}
