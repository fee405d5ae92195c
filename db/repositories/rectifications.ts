import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import {
  NoticesSchema,
  RectificationsSchema,
  rowOf,
  SupportStopsSchema,
  type NoticeRecord,
  type RectificationRecord,
  type SupportStopRecord,
} from '../schemas';
import { TableName } from '../tables';
import { RecordNotReadyError } from './errors';
import type { NoticeFilter } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** Art. 19, after an unqualified grade: public notices, rectifications and stopped support. */
export function createRectificationsRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 19: public notices, of one center or of all (anyone may list them), in the order they were published. */
    async notices(filter: NoticeFilter = {}, tx?: Knex.Transaction): Promise<NoticeRecord[]> {
      const q = (tx ?? knex)(TableName.Notices).orderBy(['publishedAt', 'centerId', 'noticeId']);
      if (filter.centerId !== undefined) q.where({ centerId: filter.centerId });
      const rows: unknown[] = await q;
      return rows.map((r) => NoticesSchema.parse(r));
    },

    /** Art. 19: the public notices, each with the rectification it opened (null before one is recorded). */
    async noticesWithRectifications(filter: NoticeFilter = {}, tx?: Knex.Transaction): Promise<(NoticeRecord & { rectification: RectificationRecord | null })[]> {
      const notices = await this.notices(filter, tx);
      const rectifications = new Map<string, RectificationRecord>();
      for (const id of new Set(notices.map((n) => n.centerId))) {
        for (const r of await this.rectifications(id, tx)) rectifications.set(`${r.centerId}/${r.noticeId}`, r);
      }
      return notices.map((n) => ({ ...n, rectification: rectifications.get(`${n.centerId}/${n.noticeId}`) ?? null }));
    },

    /** Art. 19: a center's rectifications, in the order their notices were published. */
    async rectifications(centerId: string, tx?: Knex.Transaction): Promise<RectificationRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Rectifications)
        .join(TableName.Notices, {
          [`${TableName.Notices}.centerId`]: `${TableName.Rectifications}.centerId`,
          [`${TableName.Notices}.noticeId`]: `${TableName.Rectifications}.noticeId`,
        })
        .where(`${TableName.Rectifications}.centerId`, centerId)
        .select(`${TableName.Rectifications}.*`)
        .orderBy([`${TableName.Notices}.publishedAt`, `${TableName.Rectifications}.noticeId`]);
      return rows.map((r) => RectificationsSchema.parse(r));
    },

    /** Art. 19: whether (and why, and when) the center's support was stopped. */
    async supportStop(centerId: string, tx?: Knex.Transaction): Promise<SupportStopRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.SupportStops).where({ centerId }).first();
      return row === undefined ? undefined : SupportStopsSchema.parse(row);
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 19: a notice is published once; the same notice again changes nothing. */
    async insertNotice(r: RecordOf<'notice'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Notices).insert(rowOf(NoticesSchema, r)).onConflict(['centerId', 'noticeId']).ignore();
    },

    /**
     * Inserts or updates the rectification as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older transition must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written. Throws
     * RecordNotReadyError when its notice is not persisted yet (the transition that published it has not landed).
     */
    async upsertRectification(r: RecordOf<'rectification'>, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const db = tx ?? knex;
      const row = rowOf(RectificationsSchema, { ...r, updatedSeq: seq });
      const notice: unknown = await db(TableName.Notices).where({ centerId: r.centerId, noticeId: r.noticeId }).first('noticeId');
      if (notice === undefined) {
        throw new RecordNotReadyError(`notice ${r.noticeId} of center ${r.centerId} is not persisted yet, so its rectification cannot be ${r.status}`);
      }
      const { centerId: _c, noticeId: _n, ...updates } = row;
      const written: unknown[] = await db(TableName.Rectifications)
        .insert(row)
        .onConflict(['centerId', 'noticeId'])
        .merge(Object.keys(updates))
        .where(`${TableName.Rectifications}.updatedSeq`, '<=', seq)
        .returning('centerId');
      return written.length > 0;
    },

    /** Art. 19: support is stopped once per center; a second record of it changes nothing. */
    async insertSupportStop(r: RecordOf<'supportStopped'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.SupportStops).insert(rowOf(SupportStopsSchema, r)).onConflict('centerId').ignore();
    },
  };
}
