import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { EvidenceFilesSchema, rowOf, type EvidenceFileRecord } from '../schemas';
import { TableName } from '../tables';

/** Evidence files (issue 14 item 3): the rows naming each file a command carried; the files are in the content store. */
export function createEvidenceRepository(knex: Knex) {
  return {
    /** A center's evidence rows, in the order they were attached. */
    async evidenceFiles(centerId: string, tx?: Knex.Transaction): Promise<EvidenceFileRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.EvidenceFiles).where({ centerId }).orderBy(['seq', 'sha256']);
      return rows.map((r) => EvidenceFilesSchema.parse(r));
    },

    /** The rows of one file of a center (the same file may be attached by several commands). */
    async evidenceFile(centerId: string, sha256: string, tx?: Knex.Transaction): Promise<EvidenceFileRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.EvidenceFiles).where({ centerId, sha256 }).orderBy('seq');
      return rows.map((r) => EvidenceFilesSchema.parse(r));
    },

    /** One row per file, idempotently: a retried transition writes nothing twice. */
    async insertEvidence(r: Extract<DomainRecord, { kind: 'evidence' }>, seq: number, tx?: Knex.Transaction): Promise<void> {
      if (r.files.length === 0) return;
      // The same file named twice by one command is one row.
      const unique = [...new Map(r.files.map((f) => [f.sha256, f])).values()];
      const rows = unique.map((f) =>
        rowOf(EvidenceFilesSchema, { centerId: r.centerId, seq, sha256: f.sha256, ownerKind: r.ownerKind, ownerKey: r.ownerKey, command: r.command, commandId: r.commandId, name: f.name, mediaType: f.mediaType, sizeBytes: f.sizeBytes, attachedAt: r.attachedAt, attachedBy: r.attachedBy }),
      );
      await (tx ?? knex)(TableName.EvidenceFiles).insert(rows).onConflict(['centerId', 'seq', 'sha256']).ignore();
    },
  };
}
