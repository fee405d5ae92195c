import type { Knex } from 'knex';
import type { AnnualSummary } from '../../machines/domain';
import type { DomainRecord } from '../../machines/records.types';
import {
  AnnualSummariesSchema,
  CyclesSchema,
  NotificationsSchema,
  type TAnnualSummaries,
  type TAnnualSummariesInsert,
  type TCycles,
  type TCyclesInsert,
  type TNotifications,
  type TNotificationsInsert,
} from '../schemas';
import { TableName } from '../tables';
import type { AnnualSummaryRecord, CycleRecord, NotificationFilter, NotificationRecord } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const toCycle = (row: TCycles): CycleRecord => ({
  centerId: row.center_id,
  cycle: row.cycle,
  tier: row.tier,
  startedAt: row.started_at,
  endsAt: row.ends_at,
});

const toSummary = (row: TAnnualSummaries): AnnualSummaryRecord => ({
  centerId: row.center_id,
  cycle: row.cycle,
  year: row.year,
  status: row.status,
  openedAt: row.opened_at,
  dueAt: row.due_at,
  summary: row.summary as AnnualSummary | null,
  submittedAt: row.submitted_at,
  submissions: row.submissions,
  overdue: row.overdue,
  returnReason: row.return_reason,
  acceptedAt: row.accepted_at,
  updatedSeq: row.updated_seq,
});

const toNotification = (row: TNotifications): NotificationRecord => ({
  centerId: row.center_id,
  key: row.key,
  recipientRole: row.recipient_role,
  notice: row.notice,
  subject: row.subject,
  dueAt: row.due_at,
  createdAt: row.created_at,
  status: row.status,
  deliveredAt: row.delivered_at,
});

/** Build cycles (Art. 6, 19), annual summaries (Art. 18) and the notification outbox. */
export function createCyclesRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 6, 19: a center's build cycles, first first. */
    async cycles(centerId: string, tx?: Knex.Transaction): Promise<CycleRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Cycles).where({ center_id: centerId }).orderBy('cycle');
      return rows.map((r) => toCycle(CyclesSchema.parse(r)));
    },

    /** Art. 18: annual summaries, of one cycle or of all, in cycle and year order. */
    async summaries(centerId: string, filter: { cycle?: number } = {}, tx?: Knex.Transaction): Promise<AnnualSummaryRecord[]> {
      const q = (tx ?? knex)(TableName.AnnualSummaries).where({ center_id: centerId }).orderBy(['cycle', 'year']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      const rows: unknown[] = await q;
      return rows.map((r) => toSummary(AnnualSummariesSchema.parse(r)));
    },

    /** The outbox: notices of one center and/or one status, soonest due first. */
    async notifications(filter: NotificationFilter = {}, tx?: Knex.Transaction): Promise<NotificationRecord[]> {
      const q = (tx ?? knex)(TableName.Notifications).orderBy(['due_at', 'created_at', 'center_id', 'key', 'notice']);
      if (filter.centerId !== undefined) q.where({ center_id: filter.centerId });
      if (filter.status !== undefined) q.where({ status: filter.status });
      const rows: unknown[] = await q;
      return rows.map((r) => toNotification(NotificationsSchema.parse(r)));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    async insertCycle(r: RecordOf<'cycle'>, tx?: Knex.Transaction): Promise<void> {
      const row = CyclesSchema.parse({
        center_id: r.centerId,
        cycle: r.cycle,
        tier: r.tier,
        started_at: r.startedAt,
        ends_at: r.endsAt,
      } satisfies TCyclesInsert);
      await (tx ?? knex)(TableName.Cycles).insert(row).onConflict(['center_id', 'cycle']).ignore();
    },

    /**
     * Inserts or updates the year's summary as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older transition must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written.
     */
    async upsertAnnualSummary(r: RecordOf<'annualSummary'>, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = {
        center_id: r.centerId,
        cycle: r.cycle,
        year: r.year,
        status: r.status,
        opened_at: r.openedAt,
        due_at: r.dueAt,
        summary: r.summary === null ? null : JSON.stringify(r.summary),
        submitted_at: r.submittedAt,
        submissions: r.submissions,
        overdue: r.overdue,
        return_reason: r.returnReason,
        accepted_at: r.acceptedAt,
        updated_seq: seq,
      } satisfies TAnnualSummariesInsert;
      AnnualSummariesSchema.parse(row);
      const { center_id: _c, cycle: _cy, year: _y, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.AnnualSummaries)
        .insert(row)
        .onConflict(['center_id', 'cycle', 'year'])
        .merge(Object.keys(updates))
        .where(`${TableName.AnnualSummaries}.updated_seq`, '<=', seq)
        .returning('center_id');
      return written.length > 0;
    },

    /** One outbox row per (center, deadline key, notice): firing the same deadline twice notifies once. */
    async insertNotification(r: RecordOf<'notification'>, tx?: Knex.Transaction): Promise<void> {
      const row = NotificationsSchema.parse({
        center_id: r.centerId,
        key: r.key,
        recipient_role: r.recipientRole,
        notice: r.notice,
        subject: r.subject,
        due_at: r.dueAt,
        created_at: r.createdAt,
        status: 'pending',
        delivered_at: null,
      } satisfies TNotificationsInsert);
      await (tx ?? knex)(TableName.Notifications).insert(row).onConflict(['center_id', 'key', 'notice']).ignore();
    },

    /** Marks a pending notice delivered (for the outbox's sender); returns false when it was not pending. */
    async markNotificationDelivered(
      n: { centerId: string; key: string; notice: NotificationRecord['notice'] },
      deliveredAt: string,
      tx?: Knex.Transaction,
    ): Promise<boolean> {
      const changed = await (tx ?? knex)(TableName.Notifications)
        .where({ center_id: n.centerId, key: n.key, notice: n.notice, status: 'pending' })
        .update({ status: 'delivered', delivered_at: NotificationsSchema.shape.delivered_at.parse(deliveredAt) });
      return changed > 0;
    },
  };
}
