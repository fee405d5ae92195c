/**
 * The service observable (docs/operations.md "Metrics", "Logs"), through real HTTP on real servers: the API's
 * GET /metrics counts commands accepted and refused (by reason) and reads the domain's figures from the database;
 * the worker's endpoint serves the persistence latency its activities observed; each command leaves one JSON log
 * line with its ids and never a credential.
 */
import { describe, expect, it } from 'vitest';
import { startMetricsServer } from '../worker/telemetry';
import { applicationAsOf, callInfo } from './helpers/fixtures';
import { http, useApi } from './helpers/api';

const lines: string[] = [];
const api = useApi({ name: 'metrics', deps: { logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } } }, 180_000);

/** One sample line of the Prometheus text format: name, optional {labels}, value. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

/** Parses the exposition text: every line is a # HELP / # TYPE comment or a sample; returns the samples. */
function parseProm(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    samples.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return samples;
}

describe('GET /metrics (the API) and the worker endpoint', () => {
  it('counts an accepted and a refused command, reads centers, notifications and summaries from the database, and logs each command with its ids', async () => {
    const commission = await api.user('commission');
    const bjut = await api.user('university', { orgId: 'bjut' });
    const now = Date.now();

    const opened = await api.http('POST', '/api/v1/calls', { token: commission.token, body: callInfo(now, { callId: 'call-metrics', quota: 2 }) });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const refused = await api.http('POST', '/api/v1/calls', { token: bjut.token, body: callInfo(now, { callId: 'call-by-bjut' }) });
    expect(refused.body).toMatchObject({ reason: 'forbidden-role', status: 403 });
    const applied = await api.http('POST', '/api/v1/commands/submit-application', {
      token: bjut.token,
      body: { callId: 'call-metrics', application: applicationAsOf('bjut', now) },
      headers: { 'idempotency-key': 'metrics-application-1' },
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    // Public, like /healthz: no token.
    const res = await http(api.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body as string;
    const m = parseProm(text);
    expect(m.get('centers_commands_total{command="OPEN_CALL",outcome="accepted"}')).toBe(1);
    expect(m.get('centers_commands_total{command="OPEN_CALL",outcome="refused",reason="forbidden-role"}')).toBe(1);
    expect(m.get('centers_commands_total{command="SUBMIT_APPLICATION",outcome="accepted"}')).toBe(1);
    expect(m.get('centers_command_duration_seconds_count{command="OPEN_CALL",outcome="accepted"}')).toBe(1);
    expect(m.get('centers_command_duration_seconds_count{command="OPEN_CALL",outcome="refused"}')).toBe(1);
    expect(m.get('centers_centers_by_state{state="application.eligible"}')).toBe(1);
    expect(m.get('centers_notifications{status="pending"}')).toBe(0);
    expect(m.get('centers_notifications{status="delivered"}')).toBe(0);
    expect(m.get('centers_notifications_failed')).toBe(0);
    expect(m.get('centers_annual_summaries_overdue')).toBe(0);
    for (const name of ['centers_commands_total', 'centers_command_duration_seconds', 'centers_centers_by_state', 'centers_notifications', 'centers_notifications_failed', 'centers_annual_summaries_overdue']) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }

    // One JSON line per command, with the command's ids and outcome, and no credential anywhere.
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const submitLine = records.find((r) => r.command === 'SUBMIT_APPLICATION');
    expect(submitLine).toMatchObject({ level: 30, command: 'SUBMIT_APPLICATION', outcome: 'accepted', commandId: applied.body.commandId, statusCode: 200 });
    expect(records.find((r) => r.command === 'OPEN_CALL' && r.outcome === 'refused')).toMatchObject({ reason: 'forbidden-role', statusCode: 403 });
    const all = lines.join('\n');
    for (const secret of [commission.token, bjut.token]) expect(all).not.toContain(secret);
    expect(all).not.toContain('Beijing University of Technology'); // the application's content

    // The worker's series: persistTransition ran in the harness's in-process worker and was timed.
    const worker = await startMetricsServer('127.0.0.1:0');
    try {
      const w = await http(worker.url.replace(/\/metrics$/, ''), 'GET', '/metrics');
      expect(w.status).toBe(200);
      const wm = parseProm(w.body as string);
      expect(wm.get('centers_persist_seconds_count{activity="persistTransition",outcome="written"}')).toBeGreaterThanOrEqual(1);
      expect(wm.get('centers_persist_seconds_count{activity="persistCallEvent",outcome="written"}')).toBeGreaterThanOrEqual(1);
      expect((await http(worker.url.replace(/\/metrics$/, ''), 'GET', '/other')).status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
