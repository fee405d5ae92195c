/**
 * A notification channel that POSTs each notice to a webhook (the commission's portal, a mail relay), signed so the
 * receiver can tell it came from here and is not a replay (issue 14 item 6; Art. 18 reminders and escalations).
 *
 * The request: `POST <url>`, body the OutboundNotice as JSON, headers
 *   - `X-Centers-Timestamp`: seconds since the epoch when it was signed;
 *   - `X-Centers-Signature`: `sha256=<hex HMAC-SHA256 over "<timestamp>.<body>" with the configured secret>`;
 *   - `Idempotency-Key`: the notice's key (the same on every retry: a receiver discards a second one).
 * A receiver recomputes the HMAC over the timestamp and the raw body, compares in constant time, and refuses a
 * timestamp older than a few minutes (verifyWebhookSignature). A non-2xx answer, a network error or no answer
 * within the timeout is a failed delivery: the notice stays pending and the outbox retries it as it does today.
 * The secret never appears in an error or a log line.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationChannel, OutboundNotice } from './outbox';

export interface WebhookSettings {
  url: string;
  secret: string;
  /** How long one POST may take, in ms (default 10 s). */
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'x-centers-signature';
export const TIMESTAMP_HEADER = 'x-centers-timestamp';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** For receivers (and tests): whether the signature is good and the timestamp within `toleranceSeconds` of now. */
export function verifyWebhookSignature(opts: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const ts = Number(opts.timestamp);
  if (!opts.signature || !Number.isInteger(ts)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The URL without credentials or query (what an error may show). */
const shown = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
};

export function webhookChannel(settings: WebhookSettings, clock: () => number = Date.now): NotificationChannel {
  const timeoutMs = settings.timeoutMs ?? 10_000;
  return {
    name: 'webhook',
    async send(notice: OutboundNotice) {
      const body = JSON.stringify(notice);
      const timestamp = Math.floor(clock() / 1000);
      let res: Response;
      try {
        res = await fetch(settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': notice.idempotencyKey,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(settings.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name);
        throw new Error(`webhook ${shown(settings.url)} did not take notice ${notice.idempotencyKey}: ${why}; it stays pending and is retried (check notifications.webhook.url and that the receiver is up)`);
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 409) return 'duplicate'; // the receiver already has this idempotency key
      if (res.status < 200 || res.status > 299) {
        throw new Error(`webhook ${shown(settings.url)} answered ${res.status} to notice ${notice.idempotencyKey}; it stays pending and is retried (a 401/403 usually means notifications.webhook.secret differs from the receiver's)`);
      }
      return 'sent';
    },
  };
}
