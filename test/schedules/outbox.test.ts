/**
 * Art. 18 — reminders, overdue notices and escalations leave the outbox exactly once, whatever the number of workers:
 * a deliverer claims the row in the database first (claimed_by, claimed_at on a pending row), sends, then marks it
 * delivered; a claim left by a killed worker expires and is claimed again, and the channel's idempotency key covers
 * a crash between send and mark.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createOutboxActivities, deliveryLogChannel, idempotencyKeyOf, NotificationsPendingError, type NotificationChannel } from '../../activities/outbox';
import { createKnex } from '../../db/knex';
import { TableName } from '../../db/tables';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { Actor } from '../../machines/domain';
import type { CenterRow, DomainRecord } from '../../machines/records.types';
import { tempDatabase } from '../helpers/temporal';
import { postgresEnabled } from '../helpers/postgres';
import { removeTempDatabase, tempDatabase as dialectDatabase, type TempDatabase } from '../helpers/database';

type Notice = Extract<DomainRecord, { kind: 'notification' }>;
const scheduler: Actor = { id: 'round-annualSummary', role: 'scheduler' };

const centerRow = (centerId: string): CenterRow => ({
  centerId,
  workflowId: `center-${centerId.split('.')[0]}`,
  universityId: centerId.split('.')[0],
  callId: 'call-2026',
  state: 'building.running',
  cycle: 1,
  tier: null,
  nameZh: null,
  nameEn: null,
  establishedAt: '2026-03-10T08:00:00.000Z',
  nextDeadlineAt: null,
  updatedAt: '2027-04-09T08:00:00.000Z',
});

const notice = (centerId: string, key: string, n: Notice['notice'], recipientRole: Notice['recipientRole'] = 'university'): Notice => ({
  kind: 'notification',
  centerId,
  key,
  recipientRole,
  notice: n,
  subject: 'annual summary, cycle 1 year 1',
  dueAt: '2027-04-09T08:00:00.000Z',
  createdAt: '2027-03-10T08:00:00.000Z',
});

let db: { knex: Knex; filename: string; dir: string };
let repos: Repositories;
let log: string;

/** The lines of the delivery log. */
const lines = (): { idempotencyKey: string; centerId: string; notice: string }[] =>
  fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

beforeEach(async () => {
  db = await tempDatabase();
  repos = createRepositories(db.knex);
  log = path.join(db.dir, 'notifications.jsonl');
  // Three notices of two centers, written as the center workflow writes them: with the transition that caused them.
  const { persistTransition } = createActivities({ knex: db.knex });
  const audit = (centerId: string) => ({ centerId, cycle: 1, seq: 1, fromState: 'building.running', event: 'DEADLINE_REACHED', toState: 'building.running', actor: scheduler, commandId: null, at: '2027-04-09T08:00:00.000Z' });
  await persistTransition({ audit: audit('bjut.call-2026'), center: centerRow('bjut.call-2026'), records: [notice('bjut.call-2026', 'c1:summary1:due', 'overdue'), notice('bjut.call-2026', 'c1:summary1:due', 'escalation', 'commission')] });
  await persistTransition({ audit: audit('pku.call-2026'), center: centerRow('pku.call-2026'), records: [notice('pku.call-2026', 'c1:summary1:reminder1', 'reminder')] });
});

afterEach(async () => {
  await db.knex.destroy();
  fs.rmSync(db.dir, { recursive: true, force: true });
});

describe('Art. 18 — the outbox delivers each notice once', () => {
  it('delivers every pending notice once and marks it delivered; a second run sends nothing', async () => {
    const { deliverNotifications } = createOutboxActivities({ knex: db.knex, channel: deliveryLogChannel(log) });
    const first = await deliverNotifications({ centerId: 'bjut.call-2026' });
    expect(first.delivered.map((d) => d.notice).sort()).toEqual(['escalation', 'overdue']);
    expect((await repos.notifications({ status: 'pending' })).map((n) => n.centerId)).toEqual(['pku.call-2026']);

    const sweep = await deliverNotifications({});
    expect(sweep.delivered).toEqual([{ centerId: 'pku.call-2026', key: 'c1:summary1:reminder1', notice: 'reminder' }]);
    expect(await deliverNotifications({})).toEqual({ delivered: [], alreadyDelivered: 0, duplicates: 0 });

    expect(lines().map((l) => l.idempotencyKey).sort()).toEqual(
      (await repos.notifications({})).map(idempotencyKeyOf).sort(),
    );
    expect(await repos.notifications({ status: 'pending' })).toEqual([]);
    for (const n of await repos.notifications({})) expect(n.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('two deliverers running at once (two workers, two connections) send each notice once', async () => {
    const other = createKnex({ client: 'sqlite3', filename: db.filename, connection: null });
    try {
      const a = createOutboxActivities({ knex: db.knex, channel: deliveryLogChannel(log) });
      const b = createOutboxActivities({ knex: other, channel: deliveryLogChannel(log) });
      const [ra, rb] = await Promise.all([a.deliverNotifications({}), b.deliverNotifications({})]);
      // Each notice is sent by exactly one of them; the other finds it no longer pending.
      expect(ra.delivered.length + rb.delivered.length).toBe(3);
      expect(ra.alreadyDelivered + rb.alreadyDelivered).toBe(3);
      expect(lines()).toHaveLength(3);
      expect(new Set(lines().map((l) => l.idempotencyKey)).size).toBe(3);
    } finally {
      await other.destroy();
    }
  });

  it('a crash after sending and before the commit resends under the same key, which the log discards', async () => {
    // The channel writes the line, then the worker dies before its transaction commits.
    const real = deliveryLogChannel(log);
    const crashing: NotificationChannel = {
      name: 'crashing',
      async send(n) {
        await real.send(n);
        throw new Error('worker lost before commit');
      },
    };
    await expect(createOutboxActivities({ knex: db.knex, channel: crashing }).deliverNotifications({ centerId: 'pku.call-2026' })).rejects.toThrow('worker lost');
    expect(await repos.notifications({ centerId: 'pku.call-2026', status: 'pending' })).toHaveLength(1);
    expect(lines()).toHaveLength(1);

    // The retry runs in a new worker process: a fresh channel reads the keys already in the log.
    const retry = await createOutboxActivities({ knex: db.knex, channel: deliveryLogChannel(log) }).deliverNotifications({ centerId: 'pku.call-2026' });
    expect(retry).toEqual({ delivered: [], alreadyDelivered: 0, duplicates: 1 });
    expect(await repos.notifications({ centerId: 'pku.call-2026', status: 'delivered' })).toHaveLength(1);
    expect(lines()).toHaveLength(1);
  });

  it('a channel that fails leaves the notice pending, to be delivered by the next run', async () => {
    const down: NotificationChannel = {
      name: 'down',
      async send() {
        throw new Error('mail server unreachable');
      },
    };
    await expect(createOutboxActivities({ knex: db.knex, channel: down }).deliverNotifications({})).rejects.toThrow('unreachable');
    expect(await repos.notifications({ status: 'pending' })).toHaveLength(3);
    const next = await createOutboxActivities({ knex: db.knex, channel: deliveryLogChannel(log) }).deliverNotifications({});
    expect(next.delivered).toHaveLength(3);
  });

  it('one notice the channel refuses does not hold back the rest of the batch: the others are delivered, it stays pending, named with its reason', async () => {
    // The first notice in the outbox's order (bjut's escalation to the commission) is refused; the other two come
    // after it and must still leave.
    const real = deliveryLogChannel(log);
    const refused = idempotencyKeyOf({ centerId: 'bjut.call-2026', key: 'c1:summary1:due', notice: 'escalation' });
    const picky: NotificationChannel = {
      name: 'picky',
      async send(n) {
        if (n.idempotencyKey === refused) throw new Error('550 mailbox unavailable');
        return real.send(n);
      },
    };
    const first = await repos.notifications({ status: 'pending' });
    expect(idempotencyKeyOf(first[0])).toBe(refused);
    const err = await createOutboxActivities({ knex: db.knex, channel: picky }).deliverNotifications({}).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(NotificationsPendingError);
    expect(err?.message).toContain(`1 notice(s) could not be delivered through picky`);
    expect(err?.message).toContain(`${refused}: 550 mailbox unavailable`);
    expect((err as NotificationsPendingError).report.delivered).toHaveLength(2);
    expect(lines().map((l) => l.idempotencyKey).sort()).toEqual(
      [idempotencyKeyOf({ centerId: 'bjut.call-2026', key: 'c1:summary1:due', notice: 'overdue' }), idempotencyKeyOf({ centerId: 'pku.call-2026', key: 'c1:summary1:reminder1', notice: 'reminder' })].sort(),
    );
    expect((await repos.notifications({ status: 'pending' })).map(idempotencyKeyOf)).toEqual([refused]);
    // the next run (the workflow's retry, the round's sweep) sends only what is left, under its claim given back
    expect((await createOutboxActivities({ knex: db.knex, channel: real }).deliverNotifications({})).delivered).toEqual([{ centerId: 'bjut.call-2026', key: 'c1:summary1:due', notice: 'escalation' }]);
    expect(await repos.notifications({ status: 'pending' })).toEqual([]);
  });
});

describe('several workers — the claim in the database', () => {
  it('a worker killed after its claim: the notice is not sent by others while the claim holds, and is once it expires', async () => {
    const n = { centerId: 'pku.call-2026', key: 'c1:summary1:reminder1', notice: 'reminder' } as const;
    const t0 = Date.parse('2027-04-09T08:00:00.000Z');
    // The killed worker's claim, as its claim statement left it: pending, claimed 1 s before t0.
    expect(await repos.claimNotification(n, { by: 'host-a/4242/run-1', at: new Date(t0 - 1000).toISOString(), staleBefore: new Date(t0 - 301_000).toISOString() })).toBe(true);
    expect(await repos.notificationClaim(n)).toEqual({ claimedBy: 'host-a/4242/run-1', claimedAt: '2027-04-09T07:59:59.000Z' });

    let clock = t0;
    const b = createOutboxActivities({ knex: db.knex, channel: deliveryLogChannel(log), claimTimeoutMs: 60_000, now: () => clock });
    const early = await b.deliverNotifications({ centerId: n.centerId });
    expect(early).toEqual({ delivered: [], alreadyDelivered: 1, duplicates: 0 });
    expect(lines()).toHaveLength(0);

    clock = t0 + 60_000; // the claim is 61 s old: expired
    const late = await b.deliverNotifications({ centerId: n.centerId });
    expect(late).toEqual({ delivered: [n], alreadyDelivered: 0, duplicates: 0 });
    expect(lines().map((l) => l.idempotencyKey)).toEqual([idempotencyKeyOf(n)]);
    const [row] = await repos.notifications({ centerId: n.centerId });
    expect(row.status).toBe('delivered');
    expect((await repos.notificationClaim(n))?.claimedBy).not.toBe('host-a/4242/run-1');
    // The killed worker cannot mark what it no longer holds.
    expect(await repos.markNotificationDelivered(n, new Date(clock).toISOString(), undefined, 'host-a/4242/run-1')).toBe(false);
  });

  it('a failed send gives the claim back at once', async () => {
    const down: NotificationChannel = {
      name: 'down',
      async send() {
        throw new Error('mail server unreachable');
      },
    };
    await expect(createOutboxActivities({ knex: db.knex, channel: down }).deliverNotifications({ centerId: 'pku.call-2026' })).rejects.toThrow('unreachable');
    expect(await repos.notificationClaim({ centerId: 'pku.call-2026', key: 'c1:summary1:reminder1', notice: 'reminder' })).toBeNull();
  });

  it('the delivery log, shared by two worker processes, knows what the other appended (and a torn line)', async () => {
    const a = deliveryLogChannel(log);
    const b = deliveryLogChannel(log);
    const [n] = await repos.notifications({ centerId: 'pku.call-2026' });
    const outbound = { ...n, idempotencyKey: idempotencyKeyOf(n), deliveredAt: '2027-04-09T08:00:01.000Z' };
    expect(await b.send({ ...outbound, idempotencyKey: 'warm-up' })).toBe('sent'); // b has read the file once
    expect(await a.send(outbound)).toBe('sent');
    expect(await b.send(outbound)).toBe('duplicate');
    fs.appendFileSync(log, '{"idempotencyKey":"torn'); // a crash mid-write
    expect(await b.send({ ...outbound, idempotencyKey: 'after-torn' })).toBe('sent');
    expect(await a.send({ ...outbound, idempotencyKey: 'after-torn' })).toBe('duplicate');
    const text = fs.readFileSync(log, 'utf8').split('\n');
    expect(text.filter((l) => l.includes('after-torn'))).toHaveLength(1);
    expect(JSON.parse(text.find((l) => l.includes('after-torn'))!).idempotencyKey).toBe('after-torn');
  });
});

describe.runIf(postgresEnabled())('several workers on PostgreSQL — two activity instances, two connections, one database', () => {
  const CENTERS = 8;
  const PER_CENTER = 4;
  let pgdb: TempDatabase;

  beforeAll(async () => {
    pgdb = await dialectDatabase('outbox-', 'pg');
  }, 120_000);
  afterAll(async () => {
    await removeTempDatabase(pgdb);
  });

  it('delivering the same notices concurrently sends each exactly once (a channel that never deduplicates)', async () => {
    const { persistTransition } = createActivities({ knex: pgdb.knex });
    const centers = Array.from({ length: CENTERS }, (_, i) => `u${i}.call-2026`);
    for (const centerId of centers) {
      await persistTransition({
        audit: { centerId, cycle: 1, seq: 1, fromState: 'building.running', event: 'DEADLINE_REACHED', toState: 'building.running', actor: scheduler, commandId: null, at: '2027-04-09T08:00:00.000Z' },
        center: centerRow(centerId),
        records: Array.from({ length: PER_CENTER }, (_, k) => notice(centerId, `c1:summary1:reminder${k + 1}`, 'reminder')),
      });
    }
    const sends = new Map<string, string[]>();
    /** Records every send, by whom; never answers 'duplicate': only the database keeps a notice from a second send. */
    const recording = (who: string): NotificationChannel => ({
      name: `recording-${who}`,
      async send(n) {
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 5));
        sends.set(n.idempotencyKey, [...(sends.get(n.idempotencyKey) ?? []), who]);
        return 'sent';
      },
    });
    const other = createKnex(pgdb.database);
    try {
      const a = createActivities({ knex: pgdb.knex, notificationChannel: recording('a') });
      const b = createActivities({ knex: other, notificationChannel: recording('b') });
      // Both sweep everything and each delivers every center's notices, all at once, in opposite orders.
      const reports = await Promise.all([
        a.deliverNotifications({}),
        b.deliverNotifications({}),
        ...centers.map((centerId) => a.deliverNotifications({ centerId })),
        ...[...centers].reverse().map((centerId) => b.deliverNotifications({ centerId })),
      ]);
      const total = CENTERS * PER_CENTER;
      expect(sends.size).toBe(total);
      expect([...sends.values()].filter((who) => who.length !== 1)).toEqual([]);
      expect(reports.reduce((sum, r) => sum + r.delivered.length, 0)).toBe(total);
      expect(reports.reduce((sum, r) => sum + r.duplicates, 0)).toBe(0);
      // Both took part (the claim, not luck, kept them apart).
      expect(new Set([...sends.values()].flat())).toEqual(new Set(['a', 'b']));
      const rows = await createRepositories(pgdb.knex).notifications({});
      expect(rows).toHaveLength(total);
      expect(rows.every((r) => r.status === 'delivered' && r.deliveredAt !== null)).toBe(true);
      const claims: { claimedBy: string | null }[] = await pgdb.knex(TableName.Notifications).select('claimedBy');
      expect(claims.every((c) => typeof c.claimedBy === 'string')).toBe(true);
      // A second round finds nothing to send.
      const again = await Promise.all([a.deliverNotifications({}), b.deliverNotifications({})]);
      expect(again).toEqual([{ delivered: [], alreadyDelivered: 0, duplicates: 0 }, { delivered: [], alreadyDelivered: 0, duplicates: 0 }]);
      expect([...sends.values()].flat()).toHaveLength(total);
    } finally {
      await other.destroy();
    }
  }, 60_000);
});
