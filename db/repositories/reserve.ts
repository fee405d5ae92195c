import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { ReserveResultsSchema, rowOf, type ReserveResultRecord } from '../schemas';
import { TableName } from '../tables';

/** Op. 4(4), Art. 15: the results reserve and patent pool of each center. */
export function createReserveRepository(knex: Knex) {
  return {
    async reserveResults(centerId: string, tx?: Knex.Transaction): Promise<ReserveResultRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.ReserveResults).where({ centerId }).orderBy(['recordedAt', 'resultId']);
      return rows.map((r) => ReserveResultsSchema.parse(r));
    },

    /** Upserted as the result moves; a late retry of an older transition (a lower seq) changes nothing. */
    async upsertReserveResult(r: Extract<DomainRecord, { kind: 'reserveResult' }>, seq: number, tx?: Knex.Transaction): Promise<void> {
      const row: Record<string, unknown> = { ...rowOf(ReserveResultsSchema, r), updatedSeq: seq };
      const updates = Object.keys(row).filter((k) => k !== 'centerId' && k !== 'resultId');
      await (tx ?? knex)(TableName.ReserveResults)
        .insert(row)
        .onConflict(['centerId', 'resultId'])
        .merge(updates)
        .where(`${TableName.ReserveResults}.updatedSeq`, '<=', seq);
    },
  };
}
