/**
 * A notification channel that mails each notice to the people it is for (issue 14 item 6; Art. 18 reminders,
 * overdue notices and escalations): SMTP through nodemailer, to the email addresses of the API's users who hold the
 * notice's recipient role — for a university, the users of the center's own university.
 *
 * Recipients: the application (machines/domain.ts) carries no contact address, so the users table
 * (`centers users add --email`) is the only source. A notice with no active user with an email for its role (and
 * university) is not sent: the send throws NoRecipientError naming whom to add, the notice stays pending and the
 * outbox logs the reason and goes on with the rest of the batch; it is mailed once someone has an address.
 *
 * Resends: every message carries the notice's idempotency key twice — as `X-Centers-Idempotency-Key`, and as the
 * Message-ID `<sha256(key)@centers.notifications>` — so a notice resent after a crash between the server's 250 and
 * the outbox's mark is recognisable (mail clients and archives collapse one Message-ID). SMTP has no way to ask the
 * server whether it already has a message, so the channel never answers 'duplicate'.
 *
 * nodemailer: the maintained SMTP client for Node (STARTTLS, implicit TLS, AUTH, pooling), no dependencies of its
 * own. The password is never in an error or a log line.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import { createRepositories } from '../db/repositories';
import { TableName } from '../db/tables';
import type { NotificationChannel, OutboundNotice } from './outbox';

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: TLS from the first byte (port 465); false: plaintext, upgraded by STARTTLS. */
  secure: boolean;
  /** With secure false: refuse to send unless the server offers STARTTLS (never AUTH or a notice in plaintext). */
  requireTls: boolean;
  user: string | null;
  password: string | null;
  /** The From address, e.g. "Centers <centers@kw.beijing.gov.cn>". */
  from: string;
  /** How long connecting, the greeting and each command may take, in ms. */
  timeoutMs: number;
}

/** No address to mail a notice to: it stays pending until a user with an email holds its role. */
export class NoRecipientError extends Error {
  override readonly name = 'NoRecipientError';
}

export const IDEMPOTENCY_HEADER = 'X-Centers-Idempotency-Key';

/** The Message-ID of a notice's mail: the same on every resend. */
export const messageIdOf = (idempotencyKey: string): string =>
  `<${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 40)}@centers.notifications>`;

/** The people a notice is for, with where their address comes from (for the error when there is none). */
export interface Recipients {
  addresses: string[];
  /** Whom a notice with no address should have reached, e.g. "the university users of bjut". */
  who: string;
}

/**
 * Art. 18/19 recipients from the API's users: the active users of the notice's role with an email; for a university,
 * only those of the center's university (a notice about bjut's center never reaches pku).
 */
export function recipientsFromUsers(knex: Knex): (notice: Pick<OutboundNotice, 'centerId' | 'recipientRole' | 'recipientId'>) => Promise<Recipients> {
  const repos = createRepositories(knex);
  return async ({ centerId, recipientRole, recipientId }) => {
    const q = knex(TableName.Users).where({ role: recipientRole, status: 'active' }).whereNotNull('email').orderBy('id');
    let who = `the active ${recipientRole} users`;
    if (recipientId) {
      // Art. 9, 18: a review reminder reaches the expert who owes it, and no one else of the role.
      q.where({ id: recipientId });
      who = `the ${recipientRole} user ${recipientId}`;
    }
    if (recipientRole === 'university') {
      const center = await repos.getCenter(centerId);
      if (!center) return { addresses: [], who: `the university users of center ${centerId} (no such center in the database)` };
      q.where({ orgId: center.universityId });
      who = `the active university users of ${center.universityId}`;
    }
    const rows = (await q.select('email')) as { email: string }[];
    return { addresses: [...new Set(rows.map((r) => r.email.trim()).filter(Boolean))], who };
  };
}

const KIND_TEXT: Record<string, string> = {
  reminder: 'Reminder',
  overdue: 'Overdue',
  escalation: 'Escalation',
  publicNotice: 'Public notice',
};

/** The mail's subject: what kind of notice, about what, for which center. */
export const mailSubjectOf = (n: Pick<OutboundNotice, 'notice' | 'subject' | 'centerId'>): string =>
  `${KIND_TEXT[n.notice] ?? n.notice}: ${n.subject} (${n.centerId})`;

const mailTextOf = (n: OutboundNotice): string =>
  [
    `${mailSubjectOf(n)}`,
    '',
    `Center: ${n.centerId}`,
    `Notice: ${n.notice} (${n.notice === 'publicNotice' ? 'Art. 19' : 'Art. 18'})`,
    `About: ${n.subject}`,
    `Due: ${n.dueAt}`,
    `Written: ${n.createdAt}`,
    '',
    `Reference: ${n.idempotencyKey}`,
  ].join('\n');

export function smtpChannel(
  settings: SmtpSettings,
  resolve: (notice: OutboundNotice) => Promise<Recipients>,
): NotificationChannel & { close(): void } {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: !settings.secure && settings.requireTls,
    auth: settings.user !== null ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    logger: false,
    debug: false,
  });
  const server = `${settings.host}:${settings.port}`;
  const hide = (s: string): string => (settings.password ? s.split(settings.password).join('***') : s);
  return {
    name: 'smtp',
    async send(notice) {
      const { addresses, who } = await resolve(notice);
      if (addresses.length === 0) {
        throw new NoRecipientError(
          `notice ${notice.idempotencyKey} has no one to mail: none of ${who} has an email address; it stays pending ` +
            `until one does (centers users add --role ${notice.recipientRole}${notice.recipientRole === 'university' ? ' --org <university>' : ''} --email <address>)`,
        );
      }
      try {
        await transport.sendMail({
          from: settings.from,
          to: addresses,
          subject: mailSubjectOf(notice),
          text: mailTextOf(notice),
          messageId: messageIdOf(notice.idempotencyKey),
          headers: { [IDEMPOTENCY_HEADER]: notice.idempotencyKey },
        });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
        const response = String(e.response ?? '').trim().slice(0, 200);
        const why = e.responseCode ? (response.startsWith(String(e.responseCode)) ? response : `${e.responseCode} ${response}`) : (e.code ?? e.message ?? String(err));
        throw new Error(
          hide(`SMTP ${server} did not take notice ${notice.idempotencyKey}: ${why}; it stays pending and is retried (check notifications.smtp and that the mail server is up)`),
        );
      }
      return 'sent';
    },
    close() {
      transport.close();
    },
  };
}
