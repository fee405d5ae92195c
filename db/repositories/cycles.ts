import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import {
  AnnualSummariesSchema,
  CyclesSchema,
  NotificationsSchema,
  rowOf,
  type AnnualSummaryRecord,
  type CycleRecord,
  type NotificationRecord,
} from '../schemas';
import { TableName } from '../tables';
import type { NotificationFilter } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** Build cycles (Art. 6, 19), annual summaries (Art. 18) and the notification outbox. */
export function createCyclesRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 6, 19: a center's build cycles, first first. */
    async cycles(centerId: string, tx?: Knex.Transaction): Promise<CycleRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Cycles).where({ centerId }).orderBy('cycle');
      return rows.map((r) => CyclesSchema.parse(r));
    },

    /** Art. 18: annual summaries, of one cycle or of all, in cycle and year order. */
    async summaries(centerId: string, filter: { cycle?: number } = {}, tx?: Knex.Transaction): Promise<AnnualSummaryRecord[]> {
      const q = (tx ?? knex)(TableName.AnnualSummaries).where({ centerId }).orderBy(['cycle', 'year']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      const rows: unknown[] = await q;
      return rows.map((r) => AnnualSummariesSchema.parse(r));
    },

    /** The outbox: notices of one center and/or one status, soonest due first. */
    async notifications(filter: NotificationFilter = {}, tx?: Knex.Transaction): Promise<NotificationRecord[]> {
      const q = (tx ?? knex)(TableName.Notifications).orderBy(['dueAt', 'createdAt', 'centerId', 'key', 'notice']);
      if (filter.centerId !== undefined) q.where({ centerId: filter.centerId });
      if (filter.universityId !== undefined) q.whereRaw('substr(center_id, 1, ?) = ?', [filter.universityId.length + 1, `${filter.universityId}.`]);
      if (filter.status !== undefined) q.where({ status: filter.status });
      const rows: unknown[] = await q;
      return rows.map((r) => NotificationsSchema.parse(r));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    async insertCycle(r: RecordOf<'cycle'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Cycles).insert(rowOf(CyclesSchema, r)).onConflict(['centerId', 'cycle']).ignore();
    },

    /**
     * Inserts or updates the year's summary as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older transition must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written.
     */
    async upsertAnnualSummary(r: RecordOf<'annualSummary'>, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = rowOf(AnnualSummariesSchema, { ...r, updatedSeq: seq });
      const { centerId: _c, cycle: _cy, year: _y, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.AnnualSummaries)
        .insert(row)
        .onConflict(['centerId', 'cycle', 'year'])
        .merge(Object.keys(updates))
        .where(`${TableName.AnnualSummaries}.updatedSeq`, '<=', seq)
        .returning('centerId');
      return written.length > 0;
    },

    /** One outbox row per (center, deadline key, notice): firing the same deadline twice notifies once. */
    async insertNotification(r: RecordOf<'notification'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Notifications)
        .insert(rowOf(NotificationsSchema, { ...r, recipientId: r.recipientId ?? null, status: 'pending', deliveredAt: null }))
        .onConflict(['centerId', 'key', 'notice'])
        .ignore();
    },

    /**
     * Claims a pending notice for one delivery (activities/outbox.ts): one atomic UPDATE that succeeds only while the
     * notice is pending and unclaimed, or claimed before `staleBefore` (a deliverer killed mid-delivery). Two
     * deliverers claiming at once: PostgreSQL makes the second wait for the first's row lock and re-checks the
     * condition on the row as the first left it; SQLite runs one writer at a time. Exactly one of them gets true.
     */
    async claimNotification(
      n: Pick<NotificationRecord, 'centerId' | 'key' | 'notice'>,
      claim: { by: string; at: string; staleBefore: string },
      tx?: Knex.Transaction,
    ): Promise<boolean> {
      const changed = await (tx ?? knex)(TableName.Notifications)
        .where({ centerId: n.centerId, key: n.key, notice: n.notice, status: 'pending' })
        .andWhere((q) => q.whereNull('claimedAt').orWhere('claimedAt', '<', claim.staleBefore))
        .update({ claimedBy: claim.by, claimedAt: claim.at });
      return changed > 0;
    },

    /** Gives a claim back (the channel refused the notice): the next delivery may claim it at once. */
    async releaseNotificationClaim(n: Pick<NotificationRecord, 'centerId' | 'key' | 'notice'>, by: string, tx?: Knex.Transaction): Promise<boolean> {
      const changed = await (tx ?? knex)(TableName.Notifications)
        .where({ centerId: n.centerId, key: n.key, notice: n.notice, status: 'pending', claimedBy: by })
        .update({ claimedBy: null, claimedAt: null });
      return changed > 0;
    },

    /** Who claims a notice and since when (null: unclaimed); a pending notice with a live claim is being delivered. */
    async notificationClaim(
      n: Pick<NotificationRecord, 'centerId' | 'key' | 'notice'>,
      tx?: Knex.Transaction,
    ): Promise<{ claimedBy: string; claimedAt: string } | null> {
      const row = (await (tx ?? knex)(TableName.Notifications)
        .where({ centerId: n.centerId, key: n.key, notice: n.notice })
        .first('claimedBy', 'claimedAt')) as { claimedBy: string | null; claimedAt: unknown } | undefined;
      if (!row?.claimedBy) return null;
      return { claimedBy: row.claimedBy, claimedAt: NotificationsSchema.shape.deliveredAt.parse(row.claimedAt)! };
    },

    /**
     * Marks a pending notice delivered (for the outbox's sender); returns false when it was not pending, or, with
     * `claimedBy`, when someone else holds its claim now (this deliverer's claim expired and was taken over).
     */
    async markNotificationDelivered(
      n: Pick<NotificationRecord, 'centerId' | 'key' | 'notice'>,
      deliveredAt: string,
      tx?: Knex.Transaction,
      claimedBy?: string,
    ): Promise<boolean> {
      const changed = await (tx ?? knex)(TableName.Notifications)
        .where({ centerId: n.centerId, key: n.key, notice: n.notice, status: 'pending', ...(claimedBy === undefined ? {} : { claimedBy }) })
        .update({ status: 'delivered', deliveredAt: NotificationsSchema.shape.deliveredAt.parse(deliveredAt) });
      return changed > 0;
    },
  };
}
