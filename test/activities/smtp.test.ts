/**
 * The SMTP channel against a real SMTP server (the smtp-server package, listening on a port of this machine): Art. 18
 * reminders, overdue notices and escalations leave the outbox as mail to the API's users of the notice's role — for a
 * university, only its own users — with the notice's idempotency key in a header and in the Message-ID. A server
 * that refuses a message leaves the notice pending, and the next run delivers it once; a notice with no address
 * stays pending with its reason, without holding back the others; the SMTP password never shows in an error.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createOutboxActivities, idempotencyKeyOf, NotificationsPendingError } from '../../activities/outbox';
import { IDEMPOTENCY_HEADER, messageIdOf, recipientsFromUsers, smtpChannel, type SmtpSettings } from '../../activities/smtp';
import { createIdentities } from '../../api/identities';
import { ConfigError, loadConfig } from '../../config';
import { createRepositories } from '../../db/repositories';
import type { Actor } from '../../machines/domain';
import type { CenterRow, DomainRecord } from '../../machines/records.types';
import { removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';

const PASSWORD = 'smtp-pass-0123456789-secret';

interface Mail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  raw: string;
}

/** A real SMTP server on 127.0.0.1; `refuse` answers the next DATA with 451 (a temporary failure). */
async function mailServer(opts: Partial<SMTPServerOptions> = {}) {
  const received: Mail[] = [];
  const state = { refuseNext: 0, logins: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'], // plaintext on the loopback; production sets requireTls
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, cb) {
      state.logins += 1;
      if (auth.username === 'centers' && auth.password === PASSWORD) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refuseNext > 0) {
          state.refuseNext -= 1;
          return cb(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
        const headers: Record<string, string> = {};
        for (const line of head.split(/\r?\n/)) {
          const at = line.indexOf(':');
          if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((a) => a.address).sort(),
          headers,
          raw,
        });
        cb();
      });
    },
    ...opts,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { port: (server.server.address() as AddressInfo).port, received, state };
}

const servers: SMTPServer[] = [];
let db: TempDatabase;
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  await removeTempDatabase(db);
});

const scheduler: Actor = { id: 'round-annualSummary', role: 'scheduler' };
type Notice = Extract<DomainRecord, { kind: 'notification' }>;
const centerRow = (centerId: string): CenterRow => ({
  centerId,
  workflowId: `center-${centerId}`,
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
const notice = (centerId: string, key: string, n: Notice['notice'], recipientRole: Notice['recipientRole']): Notice => ({
  kind: 'notification',
  centerId,
  key,
  recipientRole,
  notice: n,
  subject: 'annual summary, cycle 1 year 2026',
  dueAt: '2027-04-09T08:00:00.000Z',
  createdAt: '2027-03-10T08:00:00.000Z',
});

beforeEach(async () => {
  db = await tempDatabase('centers-smtp-');
  // Art. 18: bjut's summary is overdue (the university is told, the commission gets the escalation).
  const { persistTransition } = createActivities({ knex: db.knex });
  await persistTransition({
    audit: { centerId: 'bjut.call-2026', cycle: 1, seq: 1, fromState: 'building.running', event: 'DEADLINE_REACHED', toState: 'building.running', actor: scheduler, commandId: null, at: '2027-04-09T08:00:00.000Z' },
    center: centerRow('bjut.call-2026'),
    records: [notice('bjut.call-2026', 'c1:summary2026:due', 'overdue', 'university'), notice('bjut.call-2026', 'c1:summary2026:due', 'escalation', 'commission')],
  });
  const ids = createIdentities(db.knex, { tokenDays: 90, sessionHours: 12 });
  await ids.addUser({ id: 'bjut-office', name: 'BJUT TTO', role: 'university', orgId: 'bjut', email: 'tto@bjut.edu.cn' });
  await ids.addUser({ id: 'bjut-dean', name: 'BJUT dean', role: 'university', orgId: 'bjut', email: 'dean@bjut.edu.cn' });
  await ids.addUser({ id: 'pku-office', name: 'PKU TTO', role: 'university', orgId: 'pku', email: 'tto@pku.edu.cn' }); // another university
  await ids.addUser({ id: 'li-ming', name: 'Li Ming', role: 'commission', admin: true, email: 'li.ming@kw.beijing.gov.cn' });
  await ids.addUser({ id: 'no-mail', name: 'No Mail', role: 'commission' }); // no address: not mailed
  await ids.addUser({ id: 'auditor', name: 'Auditor', role: 'auditor', email: 'audit@kw.beijing.gov.cn' }); // not addressed
});

const settings = (port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: false,
  user: 'centers',
  password: PASSWORD,
  from: 'Centers <centers@kw.beijing.gov.cn>',
  timeoutMs: 5_000,
  ...extra,
});

const OVERDUE = idempotencyKeyOf({ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: 'overdue' });
const ESCALATION = idempotencyKeyOf({ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: 'escalation' });

describe('SMTP channel (issue 14 item 6; Art. 18 notices mailed to people)', () => {
  it('mails each notice to the users of its role with an email — the university only its own — with the idempotency key as header and Message-ID', async () => {
    const smtp = await mailServer();
    const channel = smtpChannel(settings(smtp.port), recipientsFromUsers(db.knex));
    const report = await createOutboxActivities({ knex: db.knex, channel }).deliverNotifications({});
    channel.close();
    expect(report.delivered).toHaveLength(2);
    expect(smtp.state.logins).toBeGreaterThan(0);
    const byKey = new Map(smtp.received.map((m) => [m.headers[IDEMPOTENCY_HEADER.toLowerCase()], m]));
    expect([...byKey.keys()].sort()).toEqual([ESCALATION, OVERDUE].sort());
    const overdue = byKey.get(OVERDUE)!;
    expect(overdue.to).toEqual(['dean@bjut.edu.cn', 'tto@bjut.edu.cn']); // not pku's office
    expect(overdue.from).toBe('centers@kw.beijing.gov.cn');
    expect(overdue.headers.subject).toBe('Overdue: annual summary, cycle 1 year 2026 (bjut.call-2026)');
    expect(overdue.headers['message-id']).toBe(messageIdOf(OVERDUE));
    expect(overdue.raw).toContain('Due: 2027-04-09T08:00:00.000Z');
    const escalation = byKey.get(ESCALATION)!;
    expect(escalation.to).toEqual(['li.ming@kw.beijing.gov.cn']); // the commission user without an address is not mailed
    expect(escalation.headers.subject).toBe('Escalation: annual summary, cycle 1 year 2026 (bjut.call-2026)');
    expect(escalation.headers['message-id']).toBe(messageIdOf(ESCALATION));
    expect(await createRepositories(db.knex).notifications({ status: 'pending' })).toEqual([]);
  });

  it('Art. 19: a published notice is mailed to the users of the center\'s university', async () => {
    await createRepositories(db.knex).markNotificationDelivered({ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: 'overdue' }, '2027-04-09T09:00:00.000Z');
    await createRepositories(db.knex).markNotificationDelivered({ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: 'escalation' }, '2027-04-09T09:00:00.000Z');
    const { persistTransition } = createActivities({ knex: db.knex });
    await persistTransition({
      audit: { centerId: 'bjut.call-2026', cycle: 1, seq: 2, fromState: 'building.evaluation', event: 'ASSESS', toState: 'building.rectification', actor: { id: 'li-ming', role: 'commission' }, commandId: 'cmd-assess', at: '2028-06-01T08:00:00.000Z' },
      center: { ...centerRow('bjut.call-2026'), updatedAt: '2028-06-01T08:00:00.000Z' },
      records: [{ kind: 'notice', centerId: 'bjut.call-2026', noticeId: 'midTerm:1-notice', evaluationId: 'midTerm:1', grade: 'unqualified', reasons: 'no professional services', publishedAt: '2028-06-01T08:00:00.000Z' }],
    });
    const smtp = await mailServer();
    const channel = smtpChannel(settings(smtp.port), recipientsFromUsers(db.knex));
    const report = await createOutboxActivities({ knex: db.knex, channel }).deliverNotifications({ centerId: 'bjut.call-2026' });
    channel.close();
    expect(report.delivered).toEqual([{ centerId: 'bjut.call-2026', key: 'notice:midTerm:1-notice', notice: 'publicNotice' }]);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail.to).toEqual(['dean@bjut.edu.cn', 'tto@bjut.edu.cn']);
    expect(mail.headers.subject).toBe('Public notice: grade unqualified, evaluation midTerm:1 (Art. 19) (bjut.call-2026)');
    expect(mail.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe('bjut.call-2026|notice:midTerm:1-notice|publicNotice');
    expect(mail.raw).toContain('(Art. 19)');
  });

  it('Art. 9, 18: an expert review reminder is mailed to that expert alone, not to every expert', async () => {
    const repos = createRepositories(db.knex);
    for (const n of ['overdue', 'escalation'] as const) await repos.markNotificationDelivered({ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: n }, '2027-04-09T09:00:00.000Z');
    const ids = createIdentities(db.knex, { tokenDays: 90, sessionHours: 12 });
    await ids.addUser({ id: 'zhang-wei', name: 'Zhang Wei', role: 'expert', orgId: 'pku', email: 'zhang.wei@pku.edu.cn' });
    await ids.addUser({ id: 'wang-fang', name: 'Wang Fang', role: 'expert', orgId: 'tsinghua', email: 'wang.fang@tsinghua.edu.cn' });
    const key = 'c1:c1-midTerm:evaluationReview:zhang-wei:reminder';
    const { persistTransition } = createActivities({ knex: db.knex });
    await persistTransition({
      audit: { centerId: 'bjut.call-2026', cycle: 1, seq: 2, fromState: 'building.evaluation.expertReview', event: 'DEADLINE_REACHED', toState: 'building.evaluation.expertReview', actor: scheduler, commandId: null, at: '2028-04-01T08:00:00.000Z' },
      center: { ...centerRow('bjut.call-2026'), updatedAt: '2028-04-01T08:00:00.000Z' },
      records: [{ ...notice('bjut.call-2026', key, 'reminder', 'expert'), recipientId: 'zhang-wei', subject: "an expert's scores of the evaluation (Art. 17–18), c1-midTerm, expert zhang-wei" }],
    });
    expect((await repos.notifications({ status: 'pending' })).map((n) => [n.recipientRole, n.recipientId])).toEqual([['expert', 'zhang-wei']]);
    const smtp = await mailServer();
    const channel = smtpChannel(settings(smtp.port), recipientsFromUsers(db.knex));
    const report = await createOutboxActivities({ knex: db.knex, channel }).deliverNotifications({});
    channel.close();
    expect(report.delivered).toEqual([{ centerId: 'bjut.call-2026', key, notice: 'reminder' }]);
    expect(smtp.received.map((m) => m.to)).toEqual([['zhang.wei@pku.edu.cn']]);
  });

  it('a message the server refuses stays pending; the next run delivers it, and each notice is received once', async () => {
    const smtp = await mailServer();
    smtp.state.refuseNext = 1; // the first DATA (the escalation, first in the outbox's order) gets 451
    const channel = smtpChannel(settings(smtp.port), recipientsFromUsers(db.knex));
    const outbox = createOutboxActivities({ knex: db.knex, channel });
    const err = await outbox.deliverNotifications({}).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(NotificationsPendingError);
    expect(err?.message).toMatch(new RegExp(`SMTP 127\\.0\\.0\\.1:${smtp.port} did not take notice ${ESCALATION.replace(/[|.]/g, '\\$&')}: 451`));
    expect(err?.message).not.toContain(PASSWORD);
    // the other notice was not held back by the refused one
    expect(smtp.received.map((m) => m.headers[IDEMPOTENCY_HEADER.toLowerCase()])).toEqual([OVERDUE]);
    expect((await createRepositories(db.knex).notifications({ status: 'pending' })).map(idempotencyKeyOf)).toEqual([ESCALATION]);

    const retry = await outbox.deliverNotifications({});
    expect(retry.delivered).toEqual([{ centerId: 'bjut.call-2026', key: 'c1:summary2026:due', notice: 'escalation' }]);
    expect(await outbox.deliverNotifications({})).toEqual({ delivered: [], alreadyDelivered: 0, duplicates: 0 });
    channel.close();
    const keys = smtp.received.map((m) => m.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
    expect(keys.sort()).toEqual([ESCALATION, OVERDUE].sort()); // each once
  });

  it('a notice with no address stays pending with the reason logged and thrown, and the others still leave', async () => {
    await db.knex('users').where({ role: 'university' }).update({ email: null });
    const smtp = await mailServer();
    const channel = smtpChannel(settings(smtp.port), recipientsFromUsers(db.knex));
    const err = await createOutboxActivities({ knex: db.knex, channel }).deliverNotifications({}).then(() => null, (e: Error) => e);
    channel.close();
    expect(err?.message).toContain(`${OVERDUE}: notice ${OVERDUE} has no one to mail: none of the active university users of bjut has an email address`);
    expect(err?.message).toContain('centers users add --role university --org <university> --email <address>');
    expect(smtp.received.map((m) => m.headers[IDEMPOTENCY_HEADER.toLowerCase()])).toEqual([ESCALATION]);
    expect((await createRepositories(db.knex).notifications({ status: 'pending' })).map(idempotencyKeyOf)).toEqual([OVERDUE]);
  });

  it('a wrong password is a failed delivery whose error never shows the password', async () => {
    const smtp = await mailServer();
    const wrong = `${PASSWORD}-wrong`;
    const channel = smtpChannel(settings(smtp.port, { password: wrong }), recipientsFromUsers(db.knex));
    const err = await createOutboxActivities({ knex: db.knex, channel }).deliverNotifications({}).then(() => null, (e: Error) => e);
    channel.close();
    expect(err?.message).toMatch(/535/);
    expect(err?.message).not.toContain(PASSWORD);
    expect(smtp.received).toEqual([]);
    expect(await createRepositories(db.knex).notifications({ status: 'pending' })).toHaveLength(2);
  });
});

describe('notifications configuration: one channel, the SMTP password hidden', () => {
  const smtpEnv = JSON.stringify({ host: 'mail.example.org', user: 'centers', password: PASSWORD, from: 'centers@example.org' });

  it('takes notifications.smtp from the environment, with the delivery log turned off', () => {
    const cfg = loadConfig({ env: { CENTERS_NOTIFICATIONS_SMTP: smtpEnv, CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' } });
    expect(cfg.notifications.smtp).toEqual({ host: 'mail.example.org', port: 587, secure: false, requireTls: true, user: 'centers', password: PASSWORD, from: 'centers@example.org', timeoutMs: 30_000 });
    expect(cfg.notifications.deliveryLog).toBeNull();
  });

  const refused = (env: NodeJS.ProcessEnv): ConfigError => {
    try {
      loadConfig({ env });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses SMTP beside the (default) delivery log, or beside a webhook, naming what to set to null — never printing a secret', () => {
    const beside = refused({ CENTERS_NOTIFICATIONS_SMTP: smtpEnv });
    expect(beside.message).toContain('the outbox delivers through one channel, and notifications.smtp and notifications.deliveryLog are all set');
    expect(beside.message).toContain('CENTERS_NOTIFICATIONS_DELIVERY_LOG=null');
    expect(beside.message).not.toContain(PASSWORD);
    const both = refused({
      CENTERS_NOTIFICATIONS_SMTP: smtpEnv,
      CENTERS_NOTIFICATIONS_WEBHOOK: JSON.stringify({ url: 'https://portal.example.org/hook', secret: 'whsec-0123456789abcdef' }),
      CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null',
    });
    expect(both.message).toContain('notifications.webhook and notifications.smtp are all set');
    expect(both.message).not.toContain(PASSWORD);
    expect(both.message).not.toContain('whsec-0123456789abcdef');
  });

  it('a user without a password (or a password without a user) is refused; a bad value never prints the password', () => {
    const half = refused({ CENTERS_NOTIFICATIONS_SMTP: JSON.stringify({ host: 'mail.example.org', password: PASSWORD, from: 'centers@example.org' }), CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' });
    expect(half.message).toContain('set notifications.smtp.user');
    expect(half.message).not.toContain(PASSWORD);
    const bad = refused({ CENTERS_NOTIFICATIONS_SMTP: JSON.stringify({ host: 'mail.example.org', port: 0, user: 'centers', password: PASSWORD, from: 'centers@example.org' }), CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' });
    expect(bad.message).toMatch(/notifications\.smtp/);
    expect(bad.message).not.toContain(PASSWORD);
  });
});
