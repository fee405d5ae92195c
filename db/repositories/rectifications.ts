import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import {
  NoticesSchema,
  RectificationsSchema,
  SupportStopsSchema,
  type TNotices,
  type TNoticesInsert,
  type TRectifications,
  type TRectificationsInsert,
  type TSupportStops,
  type TSupportStopsInsert,
} from '../schemas';
import { TableName } from '../tables';
import { RecordNotReadyError } from './errors';
import type { NoticeFilter, NoticeRecord, RectificationRecord, SupportStopRecord } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const toNotice = (row: TNotices): NoticeRecord => ({
  centerId: row.center_id,
  noticeId: row.notice_id,
  evaluationId: row.evaluation_id,
  grade: row.grade,
  reasons: row.reasons,
  publishedAt: row.published_at,
});

const toRectification = (row: TRectifications): RectificationRecord => ({
  centerId: row.center_id,
  noticeId: row.notice_id,
  status: row.status,
  dueAt: row.due_at,
  extensions: row.extensions,
  report: row.report,
  reportSubmittedAt: row.report_submitted_at,
  closedAt: row.closed_at,
  updatedSeq: row.updated_seq,
});

const toSupportStop = (row: TSupportStops): SupportStopRecord => ({
  centerId: row.center_id,
  reason: row.reason,
  stoppedAt: row.stopped_at,
});

/** Art. 19, after an unqualified grade: public notices, rectifications and stopped support. */
export function createRectificationsRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 19: public notices, of one center or of all (anyone may list them), in the order they were published. */
    async notices(filter: NoticeFilter = {}, tx?: Knex.Transaction): Promise<NoticeRecord[]> {
      const q = (tx ?? knex)(TableName.Notices).orderBy(['published_at', 'center_id', 'notice_id']);
      if (filter.centerId !== undefined) q.where({ center_id: filter.centerId });
      const rows: unknown[] = await q;
      return rows.map((r) => toNotice(NoticesSchema.parse(r)));
    },

    /** Art. 19: a center's rectifications, in the order their notices were published. */
    async rectifications(centerId: string, tx?: Knex.Transaction): Promise<RectificationRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Rectifications)
        .join(TableName.Notices, {
          [`${TableName.Notices}.center_id`]: `${TableName.Rectifications}.center_id`,
          [`${TableName.Notices}.notice_id`]: `${TableName.Rectifications}.notice_id`,
        })
        .where(`${TableName.Rectifications}.center_id`, centerId)
        .select(`${TableName.Rectifications}.*`)
        .orderBy([`${TableName.Notices}.published_at`, `${TableName.Rectifications}.notice_id`]);
      return rows.map((r) => toRectification(RectificationsSchema.parse(r)));
    },

    /** Art. 19: whether (and why, and when) the center's support was stopped. */
    async supportStop(centerId: string, tx?: Knex.Transaction): Promise<SupportStopRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.SupportStops).where({ center_id: centerId }).first();
      return row === undefined ? undefined : toSupportStop(SupportStopsSchema.parse(row));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 19: a notice is published once; the same notice again changes nothing. */
    async insertNotice(r: RecordOf<'notice'>, tx?: Knex.Transaction): Promise<void> {
      const row = NoticesSchema.parse({
        center_id: r.centerId,
        notice_id: r.noticeId,
        evaluation_id: r.evaluationId,
        grade: r.grade,
        reasons: r.reasons,
        published_at: r.publishedAt,
      } satisfies TNoticesInsert);
      await (tx ?? knex)(TableName.Notices).insert(row).onConflict(['center_id', 'notice_id']).ignore();
    },

    /**
     * Inserts or updates the rectification as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older transition must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written. Throws
     * RecordNotReadyError when its notice is not persisted yet (the transition that published it has not landed).
     */
    async upsertRectification(r: RecordOf<'rectification'>, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const db = tx ?? knex;
      const row = {
        center_id: r.centerId,
        notice_id: r.noticeId,
        status: r.status,
        due_at: r.dueAt,
        extensions: JSON.stringify(r.extensions),
        report: r.report,
        report_submitted_at: r.reportSubmittedAt,
        closed_at: r.closedAt,
        updated_seq: seq,
      } satisfies TRectificationsInsert;
      RectificationsSchema.parse(row);
      const notice: unknown = await db(TableName.Notices).where({ center_id: r.centerId, notice_id: r.noticeId }).first('notice_id');
      if (notice === undefined) {
        throw new RecordNotReadyError(`notice ${r.noticeId} of center ${r.centerId} is not persisted yet, so its rectification cannot be ${r.status}`);
      }
      const { center_id: _c, notice_id: _n, ...updates } = row;
      const written: unknown[] = await db(TableName.Rectifications)
        .insert(row)
        .onConflict(['center_id', 'notice_id'])
        .merge(Object.keys(updates))
        .where(`${TableName.Rectifications}.updated_seq`, '<=', seq)
        .returning('center_id');
      return written.length > 0;
    },

    /** Art. 19: support is stopped once per center; a second record of it changes nothing. */
    async insertSupportStop(r: RecordOf<'supportStopped'>, tx?: Knex.Transaction): Promise<void> {
      const row = SupportStopsSchema.parse({
        center_id: r.centerId,
        reason: r.reason,
        stopped_at: r.stoppedAt,
      } satisfies TSupportStopsInsert);
      await (tx ?? knex)(TableName.SupportStops).insert(row).onConflict('center_id').ignore();
    },
  };
}
