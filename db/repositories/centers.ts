import type { Knex } from 'knex';
import type { CenterRow } from '../../machines/records.types';
import { CentersSchema, rowOf, type CenterRecord } from '../schemas';
import { TableName } from '../tables';
import type { CenterFilter, CenterPage } from './types';

export function createCentersRepository(knex: Knex) {
  return {
    async getCenter(centerId: string, tx?: Knex.Transaction): Promise<CenterRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Centers).where({ centerId }).first();
      return row === undefined ? undefined : CentersSchema.parse(row);
    },

    async listCenters(filter: CenterFilter = {}, tx?: Knex.Transaction): Promise<CenterRecord[]> {
      const rows: unknown[] = await filtered(tx ?? knex, filter).orderBy('centerId');
      return rows.map((r) => CentersSchema.parse(r));
    },

    /** One page of centers, sorted (ties broken by center id), with the number of centers that match in all. */
    async searchCenters(filter: CenterFilter, page: CenterPage, tx?: Knex.Transaction): Promise<{ total: number; centers: CenterRecord[] }> {
      const db = tx ?? knex;
      const [{ total }] = (await filtered(db, filter).count({ total: '*' })) as { total: number | string }[];
      const rows: unknown[] = await filtered(db, filter)
        .orderBy([{ column: page.sort ?? 'centerId', order: page.order ?? 'asc' }, { column: 'centerId', order: 'asc' }])
        .limit(page.limit)
        .offset(page.offset);
      return { total: Number(total), centers: rows.map((r) => CentersSchema.parse(r)) };
    },

    /**
     * Inserts or updates the center's read-model row as of audit `seq`. Transitions only move it forward:
     * a row already at a later seq is left alone (a late retry of an older transition must not roll it back).
     * Returns whether the row was written.
     */
    async upsertCenter(center: CenterRow, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = rowOf(CentersSchema, { ...center, lastSeq: seq });
      const { centerId: _key, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Centers)
        .insert(row)
        .onConflict('centerId')
        .merge(Object.keys(updates))
        .where(`${TableName.Centers}.lastSeq`, '<', seq)
        .returning('centerId');
      return written.length > 0;
    },
  };
}

function filtered(db: Knex | Knex.Transaction, filter: CenterFilter): Knex.QueryBuilder {
  const q = db(TableName.Centers);
  if (filter.callId !== undefined) q.where({ callId: filter.callId });
  if (filter.universityId !== undefined) q.where({ universityId: filter.universityId });
  if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
  if (filter.nextDeadlineFrom !== undefined) q.where('nextDeadlineAt', '>=', filter.nextDeadlineFrom);
  if (filter.nextDeadlineTo !== undefined) q.where('nextDeadlineAt', '<', filter.nextDeadlineTo);
  if (filter.centerIds !== undefined) q.whereIn('centerId', [...filter.centerIds]);
  if (filter.state !== undefined) {
    const parent = `${filter.state}.`;
    // substr rather than LIKE: state names may contain '_', which LIKE treats as a wildcard.
    q.where((w) => w.where({ state: filter.state }).orWhereRaw('substr(state, 1, ?) = ?', [parent.length, parent]));
  }
  return q;
}
