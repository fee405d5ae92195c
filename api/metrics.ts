/**
 * The API's Prometheus series at GET /metrics (docs/operations.md "Metrics"): the commands it accepted and refused
 * (by command and refusal reason) and their latency, counted as each command's response is sent; and the domain's
 * figures read from the database at each scrape (centers by state, notifications pending and failed, overdue
 * annual summaries). One registry per API instance (never prom-client's global one). The worker's series are the
 * worker's (activities/metrics.ts, on worker.metricsAddress).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEFAULT_CLAIM_TIMEOUT_MS } from '../activities/outbox';
import { DELIVERY_STATUSES } from '../machines/vocabulary';
import { TableName } from '../db/tables';
import { commandIdOf } from './routes/commands';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The command a route runs (its metrics' `command` label). */
    command?: string;
  }
}

const count = (rows: { n: unknown }[]) => Number(rows[0]?.n ?? 0);

export function createApiMetrics(knex: Knex) {
  const registry = new Registry();
  const commands = new Counter({
    name: 'centers_commands_total',
    help: 'Commands answered by the API, by command and outcome (accepted; refused, with the problem reason: forbidden-role, not-allowed-in-state, invalid-input, …; error: the service failed)',
    labelNames: ['command', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'centers_command_duration_seconds',
    help: 'Time from a command request arriving to its answer being sent, by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'centers_centers_by_state',
    help: 'Centers by their current state (the centers table)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = (await knex(TableName.Centers).select('state').count({ n: '*' }).groupBy('state')) as { state: string; n: unknown }[];
      this.reset();
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'centers_notifications',
    help: 'Notices in the outbox by delivery status (pending, delivered)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = (await knex(TableName.Notifications).select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: unknown }[];
      for (const status of DELIVERY_STATUSES) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'centers_notifications_failed',
    help: "Notices still pending longer than the outbox's claim timeout after they were written: their delivery failed at least once (the channel refused, or the deliverer died) and waits for a retry",
    registers: [registry],
    async collect() {
      const before = new Date(Date.now() - DEFAULT_CLAIM_TIMEOUT_MS).toISOString();
      this.set(count(await knex(TableName.Notifications).where({ status: 'pending' }).andWhere('createdAt', '<', before).count({ n: '*' })));
    },
  });
  new Gauge({
    name: 'centers_annual_summaries_overdue',
    help: 'Annual summaries (Art. 18) flagged overdue and not accepted',
    registers: [registry],
    async collect() {
      this.set(count(await knex(TableName.AnnualSummaries).where({ overdue: true }).whereNot({ status: 'accepted' }).count({ n: '*' })));
    },
  });
  return { registry, commands, duration };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** A refusal's problem reason, read from the problem document as it is sent. */
const reasons = new WeakMap<object, string>();

/**
 * Counts and times every command route's answer (routes with config.command), logs one line per command (ids,
 * outcome, reason, time; never the payload), and serves GET /metrics (public: keep the API on a private address,
 * or let the proxy in front refuse /metrics from outside).
 */
export function registerMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.routeOptions.config?.command && reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        const reason = (JSON.parse(payload) as { reason?: unknown }).reason;
        if (typeof reason === 'string') reasons.set(request.raw, reason);
      } catch {
        // not a problem document
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const command = request.routeOptions.config?.command;
    if (!command) return;
    const status = reply.statusCode;
    const outcome = status < 400 ? 'accepted' : status >= 500 ? 'error' : 'refused';
    const reason = outcome === 'accepted' ? undefined : (reasons.get(request.raw) ?? (outcome === 'error' ? 'internal' : `http-${status}`));
    metrics.commands.inc(reason ? { command, outcome, reason } : { command, outcome });
    metrics.duration.observe({ command, outcome }, reply.elapsedTime / 1000);
    const { center, callId } = (request.params ?? {}) as { center?: string; callId?: string };
    request.log.info(
      { command, commandId: commandIdOf.get(request.raw), centerId: center, callId, outcome, reason, statusCode: status, ms: Math.round(reply.elapsedTime) },
      `command ${command} ${outcome}${reason ? ` (${reason})` : ''}`,
    );
  });
  app.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
