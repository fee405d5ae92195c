/**
 * Art. 18 — reminders, overdue notices and escalations leave the outbox exactly once: the row is the lock (pending →
 * delivered in the transaction that sends), and the channel's idempotency key covers a crash between send and commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createOutboxActivities, deliveryLogChannel, idempotencyKeyOf, type NotificationChannel } from '../../activities/outbox';
import { createKnex } from '../../db/knex';
import { createRepositories, type Repositories } from '../../db/repositories';
import type { Actor } from '../../machines/domain';
import type { CenterRow, DomainRecord } from '../../machines/records.types';
import { tempDatabase } from '../helpers/temporal';

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
});
