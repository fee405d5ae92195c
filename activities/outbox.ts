/**
 * The notification outbox (Art. 18: an overdue summary is reminded, flagged and escalated, never silently dropped).
 *
 * persistTransition writes each reminder, overdue notice and escalation, and each published Art. 19 notice (to the
 * university), as a `pending` row in the same transaction as the transition that caused it; this activity delivers
 * the pending rows through one channel and marks them `delivered`: a delivery log (one JSON line per notice), the
 * worker's log, a signed webhook (webhook.ts) or mail (smtp.ts).
 *
 * Never twice, with any number of workers (docs/operations.md "Several workers"): the delivery state lives in the
 * database, never in a worker's memory. Each row is first claimed — one atomic UPDATE setting claimed_by and
 * claimed_at WHERE the row is pending and unclaimed (or its claim has expired) — then sent, then marked delivered
 * (only by the holder of the claim). Of two workers claiming one row at once exactly one succeeds (PostgreSQL
 * re-checks the condition after the first's row lock; SQLite has one writer); the other skips it. No transaction is
 * held open while the channel works. A failed send gives the claim back, so the next delivery sends the notice; the
 * run goes on with the other notices and fails at the end (NotificationsPendingError), naming each one left. A
 * worker killed between its claim and its mark leaves a claim that expires after `claimTimeoutMs` (longer than the
 * activity's timeout): the next delivery claims the notice again and resends it under the same idempotency key,
 * which the channel must discard when it already has it (the delivery log does, reading the file as it is before
 * each send; mail providers take such a key too).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log } from '@temporalio/activity';
import type { Knex } from 'knex';
import { createRepositories, type NotificationRecord } from '../db/repositories';
import { workerMetrics } from './metrics';

/** One notice as handed to a channel. */
export interface OutboundNotice {
  /** Stable across retries: the channel discards a second delivery with the same key. */
  idempotencyKey: string;
  centerId: string;
  /** The deadline the notice is about (SPEC §3 "Time" stable key). */
  key: string;
  notice: NotificationRecord['notice'];
  recipientRole: NotificationRecord['recipientRole'];
  /** The one person it is for (an expert who owes a review), or null for everyone of the role. */
  recipientId: string | null;
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
 * Appends one JSON line per notice to `file`. Before each send it reads what was appended to the file since its last
 * look (by any process: several workers on one machine may share the file), so a notice resent after a crash (same
 * idempotency key) is not written again. A line cut short by a crash mid-write is skipped, and the next line starts
 * on a line of its own.
 */
export function deliveryLogChannel(file: string): NotificationChannel {
  const known = new Set<string>();
  /** Bytes of the file read so far: complete lines only. */
  let offset = 0;
  /** Whether the file ends in the middle of a line (a torn write). */
  let torn = false;
  const refresh = async (): Promise<void> => {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (size < offset) {
        // replaced or truncated by someone: read it again from the start
        known.clear();
        offset = 0;
      }
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      for (const line of text.slice(0, end).split('\n')) {
        if (!line.trim()) continue;
        try {
          const k = (JSON.parse(line) as { idempotencyKey?: unknown }).idempotencyKey;
          if (typeof k === 'string') known.add(k);
        } catch {
          // a torn line from a crash mid-write: its notice is still pending and is written again in full
        }
      }
      offset += Buffer.byteLength(text.slice(0, end));
      torn = end < text.length;
    } finally {
      await handle.close();
    }
  };
  return {
    name: 'delivery-log',
    async send(notice) {
      await refresh();
      if (known.has(notice.idempotencyKey)) return 'duplicate';
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.appendFile(file, `${torn ? '\n' : ''}${JSON.stringify(notice)}\n`);
      torn = false;
      known.add(notice.idempotencyKey);
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
  /** Pending when listed, but delivered meanwhile, or claimed and being delivered, by another caller: not sent here. */
  alreadyDelivered: number;
  /** Sent before a crash and recognised by the channel's idempotency key: marked delivered, not sent again. */
  duplicates: number;
}

export interface OutboxDeps {
  knex: Knex;
  channel?: NotificationChannel;
  /**
   * How long a claim holds (default 5 minutes, longer than the outbox activity's 1-minute timeout, so a live
   * deliverer's claim never expires under it): a claim older than this was left by a deliverer that died, and the
   * notice is claimed again.
   */
  claimTimeoutMs?: number;
  /** The clock (tests); default Date.now. */
  now?: () => number;
}

/**
 * Some notices of a run could not be sent (each one's reason is in the message and in the log); the others were
 * delivered and marked. Thrown after the whole batch, so the caller's retry sends only what is still pending.
 */
export class NotificationsPendingError extends Error {
  override readonly name = 'NotificationsPendingError';
  constructor(
    message: string,
    /** What the run did deliver. */
    readonly report: DeliveryReport,
  ) {
    super(message);
  }
}

/** See OutboxDeps.claimTimeoutMs. */
export const DEFAULT_CLAIM_TIMEOUT_MS = 5 * 60_000;

/** Names one delivery run: host, process and a random part (two runs of one process never share a claim). */
const claimantName = (): string => `${os.hostname()}/${process.pid}/${randomUUID()}`;

function warn(message: string, attributes: Record<string, unknown>): void {
  try {
    log.warn(message, attributes);
  } catch {
    console.warn(message, attributes); // called outside an activity (a script or a test)
  }
}

export function createOutboxActivities(deps: OutboxDeps) {
  const { knex } = deps;
  const repos = createRepositories(knex);
  const channel = deps.channel ?? logChannel();
  const claimTimeoutMs = deps.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
  const now = deps.now ?? Date.now;

  return {
    /** Delivers the pending notices (of one center, or all), each exactly once; see the module comment. */
    async deliverNotifications(input: DeliverNotificationsInput = {}): Promise<DeliveryReport> {
      const pending = await repos.notifications({ centerId: input.centerId, status: 'pending' });
      const report: DeliveryReport = { delivered: [], alreadyDelivered: 0, duplicates: 0 };
      const claimedBy = claimantName();
      const failures: { notice: string; reason: string }[] = [];
      for (const n of pending) {
        const at = now();
        const claimed = await repos.claimNotification(n, {
          by: claimedBy,
          at: new Date(at).toISOString(),
          staleBefore: new Date(at - claimTimeoutMs).toISOString(),
        });
        if (!claimed) {
          report.alreadyDelivered += 1;
          continue;
        }
        const deliveredAt = new Date(now()).toISOString();
        let outcome: 'sent' | 'duplicate';
        try {
          outcome = await channel.send({
            idempotencyKey: idempotencyKeyOf(n),
            centerId: n.centerId,
            key: n.key,
            notice: n.notice,
            recipientRole: n.recipientRole,
            recipientId: n.recipientId,
            subject: n.subject,
            dueAt: n.dueAt,
            createdAt: n.createdAt,
            deliveredAt,
          });
        } catch (err) {
          // Not sent: give the claim back so the next delivery need not wait for it to expire, say why, and go on
          // with the rest — one notice the channel refuses (no address, a rejected recipient) never holds back the
          // others. The activity still fails at the end, so the workflow's retries and the round's sweep try again.
          workerMetrics.notificationDeliveries.inc({ outcome: 'failed' });
          await repos.releaseNotificationClaim(n, claimedBy).catch(() => undefined);
          const reason = err instanceof Error ? err.message : String(err);
          warn('the outbox could not deliver a notice; it stays pending', { centerId: n.centerId, key: n.key, notice: n.notice, channel: channel.name, reason });
          failures.push({ notice: idempotencyKeyOf(n), reason });
          continue;
        }
        if (!(await repos.markNotificationDelivered(n, deliveredAt, undefined, claimedBy))) {
          // Our claim expired during the send and another deliverer holds it now: it marks the row (and its channel
          // recognises the key); the notice has left here once.
          warn('the outbox claim expired while sending; another deliverer holds it now', { centerId: n.centerId, key: n.key, notice: n.notice });
        }
        workerMetrics.notificationDeliveries.inc({ outcome });
        if (outcome === 'duplicate') report.duplicates += 1;
        else report.delivered.push({ centerId: n.centerId, key: n.key, notice: n.notice });
      }
      if (failures.length > 0) {
        const delivered = report.delivered.length + report.duplicates;
        throw new NotificationsPendingError(
          `${failures.length} notice(s) could not be delivered through ${channel.name} and stay pending ` +
            `(${delivered} delivered in this run): ${failures.map((f) => `${f.notice}: ${f.reason}`).join('; ')}`,
          report,
        );
      }
      return report;
    },
  };
}
