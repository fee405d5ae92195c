/**
 * The signed webhook channel against a real HTTP server (node:http): Art. 18 reminders and escalations leave the
 * outbox as signed POSTs; the receiver verifies the HMAC; a non-2xx answer is a failed delivery that leaves the
 * notice pending, and the secret never shows in the error.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundNotice } from '../../activities/outbox';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, webhookChannel } from '../../activities/webhook';
import { loadConfig, ConfigError } from '../../config';

const SECRET = 'whsec-test-0123456789abcdef';
const notice: OutboundNotice = {
  idempotencyKey: 'pku.call-2026|summary:1:2027|escalation',
  centerId: 'pku.call-2026',
  key: 'summary:1:2027',
  notice: 'escalation',
  recipientRole: 'commission',
  recipientId: null,
  subject: 'Art. 18: the 2027 annual summary of pku.call-2026 is overdue',
  dueAt: '2028-04-15T01:00:00.000Z',
  createdAt: '2028-04-15T01:00:00.000Z',
  deliveredAt: '2028-04-15T01:00:01.000Z',
};

interface Received { body: string; headers: http.IncomingHttpHeaders }
const servers: http.Server[] = [];
async function receiver(status: () => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.statusCode = status();
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/centers`, received };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('webhook channel', () => {
  it('POSTs the notice signed with HMAC-SHA256 over timestamp and body; the receiver verifies it', async () => {
    const hook = await receiver(() => 204);
    expect(await webhookChannel({ url: hook.url, secret: SECRET }).send(notice)).toBe('sent');
    expect(hook.received).toHaveLength(1);
    const [{ body, headers }] = hook.received;
    expect(JSON.parse(body)).toEqual(notice);
    expect(headers['idempotency-key']).toBe(notice.idempotencyKey);
    const signature = headers[SIGNATURE_HEADER] as string;
    const timestamp = headers[TIMESTAMP_HEADER] as string;
    expect(verifyWebhookSignature({ secret: SECRET, body, signature, timestamp })).toBe(true);
    // a wrong secret, a changed body, or a replay long after fail verification
    expect(verifyWebhookSignature({ secret: 'another-secret-0123456789', body, signature, timestamp })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body: body.replace('escalation', 'reminder'), signature, timestamp })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body, signature, timestamp, nowSeconds: Number(timestamp) + 3600 })).toBe(false);
  });

  it('a non-2xx answer is a failed delivery whose error names the status and never the secret', async () => {
    let status = 500;
    const hook = await receiver(() => status);
    const channel = webhookChannel({ url: hook.url, secret: SECRET });
    const err = await channel.send(notice).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/answered 500/);
    expect(err?.message).toMatch(/retried/);
    expect(err?.message).not.toContain(SECRET);
    status = 200;
    expect(await channel.send(notice)).toBe('sent');
    expect(hook.received).toHaveLength(2);
  });

  it('no answer within the timeout is a failed delivery', async () => {
    const server = http.createServer(() => undefined); // never answers
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const err = await webhookChannel({ url, secret: SECRET, timeoutMs: 300 }).send(notice).then(() => null, (e: Error) => e);
    server.closeAllConnections();
    expect(err?.message).toMatch(/no answer within 300 ms/);
    expect(err?.message).not.toContain(SECRET);
  });

  it('the configuration takes notifications.webhook from the environment and hides its secret in errors', () => {
    const cfg = loadConfig({ env: { CENTERS_NOTIFICATIONS_WEBHOOK: JSON.stringify({ url: 'https://portal.example.org/hook', secret: SECRET }), CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' } });
    expect(cfg.notifications.webhook).toEqual({ url: 'https://portal.example.org/hook', secret: SECRET, timeoutMs: 10_000 });
    let thrown: unknown;
    try {
      loadConfig({ env: { CENTERS_NOTIFICATIONS_WEBHOOK: JSON.stringify({ url: 'not a url', secret: SECRET }), CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' } });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(/notifications\.webhook/);
    expect((thrown as Error).message).not.toContain(SECRET);
  });
});
