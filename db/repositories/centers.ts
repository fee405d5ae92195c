import type { Knex } from 'knex';
import type { CenterRow } from '../../machines/records.types';
import { CentersSchema, type TCenters } from '../schemas';
import { TableName } from '../tables';
import type { CenterFilter, CenterRecord } from './types';

const toRecord = (row: TCenters): CenterRecord => ({
  centerId: row.center_id,
  workflowId: row.workflow_id,
  universityId: row.university_id,
  callId: row.call_id,
  state: row.state,
  cycle: row.cycle,
  tier: row.tier,
  nameZh: row.name_zh,
  nameEn: row.name_en,
  establishedAt: row.established_at,
  nextDeadlineAt: row.next_deadline_at,
  updatedAt: row.updated_at,
  lastSeq: row.last_seq,
});

export function createCentersRepository(knex: Knex) {
  return {
    async getCenter(centerId: string, tx?: Knex.Transaction): Promise<CenterRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Centers).where({ center_id: centerId }).first();
      return row === undefined ? undefined : toRecord(CentersSchema.parse(row));
    },

    async listCenters(filter: CenterFilter = {}, tx?: Knex.Transaction): Promise<CenterRecord[]> {
      const q = (tx ?? knex)(TableName.Centers).orderBy('center_id');
      if (filter.callId !== undefined) q.where({ call_id: filter.callId });
      if (filter.universityId !== undefined) q.where({ university_id: filter.universityId });
      if (filter.state !== undefined) {
        const parent = `${filter.state}.`;
        // substr rather than LIKE: state names may contain '_', which LIKE treats as a wildcard.
        q.where((w) => w.where({ state: filter.state }).orWhereRaw('substr(state, 1, ?) = ?', [parent.length, parent]));
      }
      const rows: unknown[] = await q;
      return rows.map((r) => toRecord(CentersSchema.parse(r)));
    },

    /**
     * Inserts or updates the center's read-model row as of audit `seq`. Transitions only move it forward:
     * a row already at a later seq is left alone (a late retry of an older transition must not roll it back).
     * Returns whether the row was written.
     */
    async upsertCenter(center: CenterRow, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = CentersSchema.parse({
        center_id: center.centerId,
        workflow_id: center.workflowId,
        university_id: center.universityId,
        call_id: center.callId,
        state: center.state,
        cycle: center.cycle,
        tier: center.tier,
        name_zh: center.nameZh,
        name_en: center.nameEn,
        established_at: center.establishedAt,
        next_deadline_at: center.nextDeadlineAt,
        last_seq: seq,
        updated_at: center.updatedAt,
      } satisfies TCenters);
      const { center_id: _key, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Centers)
        .insert(row)
        .onConflict('center_id')
        .merge(Object.keys(updates))
        .where(`${TableName.Centers}.last_seq`, '<', seq)
        .returning('center_id');
      return written.length > 0;
    },
  };
}
