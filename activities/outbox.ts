/**
 * The notification outbox (Art. 18: an overdue summary is reminded, flagged and escalated, never silently dropped).
 *
 * persistTransition writes each reminder, overdue notice and escalation as a `pending` row in the same transaction
 * as the transition that caused it; this activity delivers the pending rows through a channel and marks them
 * `delivered`. There is no mail server here: the channel appends one JSON line per notice to a delivery log (or
 * only logs it). A real channel (mail, SMS, the commission's portal) implements NotificationChannel.
 *
 * Never twice: each row is delivered inside its own transaction that first flips it pending → delivered
 * (markNotificationDelivered updates only a pending row). That update is the lock: a concurrent deliverer of the
 * same row waits for the row, then finds it no longer pending and sends nothing. The transaction commits only
 * after the channel has accepted the notice, so a failed send leaves the row pending for the next attempt. The one
 * window left, a crash after the send and before the commit, resends the notice with the same idempotency key,
 * which the channel must discard (the delivery log does; mail providers take such a key too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { log } from '@temporalio/activity';
import type { Knex } from 'knex';
import { createRepositories, type NotificationRecord } from '../db/repositories';

/** One notice as handed to a channel. */
export interface OutboundNotice {
  /** Stable across retries: the channel discards a second delivery with the same key. */
  idempotencyKey: string;
  centerId: string;
  /** The deadline the notice is about (SPEC §3 "Time" stable key). */
  key: string;
  notice: NotificationRecord['notice'];
  recipientRole: NotificationRecord['recipientRole'];
  subject: string;
  dueAt: string;
  createdAt: string;
  deliveredAt: string;
}

export interface NotificationChannel {
  /** A short name for reports ("delivery-log", "log"). */
  readonly name: string;
  /**
   * Delivers one notice; throws when it could not (the row stays pending and is retried). Must be idempotent on
   * `idempotencyKey`: resolves 'duplicate' for a key it has already delivered.
   */
  send(notice: OutboundNotice): Promise<'sent' | 'duplicate'>;
}

export const idempotencyKeyOf = (n: { centerId: string; key: string; notice: string }) => `${n.centerId}|${n.key}|${n.notice}`;

/**
 * Appends one JSON line per notice to `file`. The keys already in the file are read once, so a notice resent after
 * a crash (same idempotency key) is not written again.
 */
export function deliveryLogChannel(file: string): NotificationChannel {
  let known: Set<string> | null = null;
  const load = (): Set<string> => {
    if (known) return known;
    known = new Set();
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const k = (JSON.parse(line) as { idempotencyKey?: unknown }).idempotencyKey;
          if (typeof k === 'string') known.add(k);
        } catch {
          // a torn last line from a crash mid-write: its notice is still pending and is written again in full
        }
      }
    }
    return known;
  };
  return {
    name: 'delivery-log',
    async send(notice) {
      const keys = load();
      if (keys.has(notice.idempotencyKey)) return 'duplicate';
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.appendFile(file, `${JSON.stringify(notice)}\n`);
      keys.add(notice.idempotencyKey);
      return 'sent';
    },
  };
}

/** Only logs each notice (the worker's log); the default when no delivery log is configured. */
export function logChannel(): NotificationChannel {
  return {
    name: 'log',
    async send(notice) {
      const line = `notice to ${notice.recipientRole} of ${notice.centerId}: ${notice.notice} — ${notice.subject} (due ${notice.dueAt})`;
      try {
        log.info(line, { ...notice });
      } catch {
        console.log(line); // called outside an activity (a script or a test)
      }
      return 'sent';
    },
  };
}

export interface DeliverNotificationsInput {
  /** One center's pending notices; all centers' when absent (the calendar rounds' sweep). */
  centerId?: string;
}

export interface DeliveryReport {
  /** Notices this call delivered. */
  delivered: { centerId: string; key: string; notice: string }[];
  /** Pending when listed, but delivered meanwhile by another caller: not sent again. */
  alreadyDelivered: number;
  /** Sent before a crash and recognised by the channel's idempotency key: marked delivered, not sent again. */
  duplicates: number;
}

export function createOutboxActivities(deps: { knex: Knex; channel?: NotificationChannel }) {
  const { knex } = deps;
  const repos = createRepositories(knex);
  const channel = deps.channel ?? logChannel();

  return {
    /** Delivers the pending notices (of one center, or all), each exactly once; see the module comment. */
    async deliverNotifications(input: DeliverNotificationsInput = {}): Promise<DeliveryReport> {
      const pending = await repos.notifications({ centerId: input.centerId, status: 'pending' });
      const report: DeliveryReport = { delivered: [], alreadyDelivered: 0, duplicates: 0 };
      for (const n of pending) {
        const deliveredAt = new Date().toISOString();
        const outcome = await knex.transaction(async (tx) => {
          if (!(await repos.markNotificationDelivered(n, deliveredAt, tx))) return 'taken' as const;
          return channel.send({
            idempotencyKey: idempotencyKeyOf(n),
            centerId: n.centerId,
            key: n.key,
            notice: n.notice,
            recipientRole: n.recipientRole,
            subject: n.subject,
            dueAt: n.dueAt,
            createdAt: n.createdAt,
            deliveredAt,
          });
        });
        if (outcome === 'taken') report.alreadyDelivered += 1;
        else if (outcome === 'duplicate') report.duplicates += 1;
        else report.delivered.push({ centerId: n.centerId, key: n.key, notice: n.notice });
      }
      return report;
    },
  };
}
