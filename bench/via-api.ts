/**
 * `--via-api`: the simulated operators speak to the HTTP API instead of Temporal. The API (buildApi, the real
 * Fastify server with its hooks: token authentication in SQLite, the per-identity rate limit, zod validation and
 * serialisation) runs in the bench process over the bench's Temporal client and a knex on the bench SQLite file,
 * on a free port. Every actor the operators use is a user, with the actor's id, role and organisation, so the
 * audit rows are the same as on the direct path; each command goes with its actor's token and
 * `Idempotency-Key: <commandId>`.
 *
 * The API's added latency: the command route reports the time its Temporal call took (ApiDeps.timing); the bench
 * measures each command's HTTP round trip. (round trip − Temporal) is what the API adds — HTTP on both sides,
 * authentication, rate limit, validation, serialisation —, (handler − Temporal) the part inside the handler.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { buildApi, type CommandTiming } from '../api/app';
import { createIdentities } from '../api/identities';
import { commandUrl } from '../api/paths';
import { createApiClient, type ApiClient } from '../client/api-client';
import type { OperationsContext } from '../client/operations';
import type { AppConfig } from '../config';
import type { CenterView } from '../contract';
import { createKnex, type DatabaseConfig } from '../db/knex';
import { createRepositories } from '../db/repositories';
import type { Command } from '../machines/commands';
import type { Actor } from '../machines/domain';
import { percentile } from './load';
import type { CenterOperations } from './operators';

const LOOP_RESOLUTION_MS = 10;

/** One accepted command's times, in ms. */
interface Sample {
  type: string;
  roundTripMs: number;
  timing: CommandTiming;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ApiFigures {
  n: number;
  /** Round trip − Temporal: everything the API adds (HTTP, authentication, rate limit, validation, serialisation). */
  addedMs: Percentiles;
  /** Handler − Temporal: the part inside the command handler (expert look-ups, the command id). */
  inHandlerMs: Percentiles;
  /** Since the request arrived, to the handler's answer, − Temporal: the server's hooks and the handler. */
  inServerMs: Percentiles;
  /** Round trip − since the request arrived: the client's fetch, the socket, parsing, serialising, waiting for the event loop. */
  outsideHandlerMs: Percentiles;
  roundTripMs: Percentiles;
  temporalMs: Percentiles;
}

const pct = (v: number[]): Percentiles => {
  const r = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return { p50: r(percentile(v, 50)), p95: r(percentile(v, 95)), p99: r(percentile(v, 99)) };
};

function figuresOf(samples: Sample[]): ApiFigures {
  const of = (f: (s: Sample) => number) => pct(samples.map(f));
  return {
    n: samples.length,
    addedMs: of((s) => s.roundTripMs - s.timing.temporalMs),
    inHandlerMs: of((s) => s.timing.totalMs - s.timing.temporalMs),
    inServerMs: of((s) => s.timing.requestMs - s.timing.temporalMs),
    outsideHandlerMs: of((s) => s.roundTripMs - s.timing.requestMs),
    roundTripMs: of((s) => s.roundTripMs),
    temporalMs: of((s) => s.timing.temporalMs),
  };
}

export interface BenchApi {
  url: string;
  /** The operators' operations over HTTP. */
  operations: CenterOperations;
  /** Starts measuring (the event loop's delay) with the phase. */
  start(): void;
  /** Everything measured, for results.json's `api`. */
  report(): ApiReport;
  close(): Promise<void>;
}

export interface ApiReport {
  url: string;
  users: number;
  overall: ApiFigures;
  byCommand: Record<string, ApiFigures>;
  /** Every request's token check (identities.authenticateToken: two reads and the last_used_at write), in ms. */
  authenticateTokenMs: Percentiles & { n: number };
  /** GET /api/v1/centers/:center, the operators' state reads: round trip (the Temporal query included). */
  readRoundTripMs: Percentiles & { n: number };
  /** The bench process's event-loop delay over the phase: the driver, the Temporal client and the API share it. */
  eventLoopDelayMs: Percentiles & { max: number };
  /** Accepted commands whose server timing was not found (should be 0). */
  unmatched: number;
}

/**
 * Starts the API over the bench's Temporal client and SQLite file, and makes a user (with a token) of every actor.
 * The rate limit is lifted: the commission sends far more than a person would in a minute.
 */
export async function startBenchApi(opts: { cfg: AppConfig; ops: OperationsContext; database: DatabaseConfig; actors: Actor[] }): Promise<BenchApi> {
  const cfg: AppConfig = { ...opts.cfg, api: { ...opts.cfg.api, rateLimitPerMinute: 10_000_000 } };
  const knex: Knex = createKnex(opts.database);
  const base = createIdentities(knex, { tokenDays: cfg.api.tokenDays, sessionHours: cfg.api.sessionHours });
  const authMs: number[] = [];
  const identities: typeof base = {
    ...base,
    async authenticateToken(token) {
      const t0 = performance.now();
      try {
        return await base.authenticateToken(token);
      } finally {
        authMs.push(performance.now() - t0);
      }
    },
  };
  const timings = new Map<string, CommandTiming>();
  const app: FastifyInstance = await buildApi({
    cfg,
    ops: opts.ops,
    knex,
    repos: createRepositories(knex),
    identities,
    logger: false,
    timing: (t) => {
      if (t.ok) timings.set(t.commandId, t);
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const clients = new Map<string, ApiClient>();
  for (const a of opts.actors) {
    if (clients.has(a.id)) continue;
    const { token } = await base.addUser({ id: a.id, name: `Bench ${a.role} ${a.id}`, role: a.role, orgId: a.orgId });
    clients.set(a.id, createApiClient(url, token.token));
  }
  const clientOf = (actor: Actor): ApiClient => {
    const c = clients.get(actor.id);
    if (!c) throw new Error(`the bench made no user for actor ${actor.id} (${actor.role})`);
    return c;
  };
  // The operators read with the commission's token (it sees every center, and every role's allowed commands).
  const reader = opts.actors.find((a) => a.role === 'commission');
  if (!reader) throw new Error('no commission actor to read the centers with');

  const samples: Sample[] = [];
  const readMs: number[] = [];
  let unmatched = 0;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  async function command(c: Command, target: string | null): Promise<unknown> {
    const t0 = performance.now();
    const result = await clientOf(c.actor).request<{ commandId: string }>('POST', commandUrl(c.type, target), { body: c.payload, idempotencyKey: c.commandId });
    const roundTripMs = performance.now() - t0;
    const timing = timings.get(result.commandId);
    if (timing) {
      timings.delete(result.commandId);
      samples.push({ type: c.type, roundTripMs, timing });
    } else unmatched += 1;
    return result;
  }

  return {
    url,
    operations: {
      submitApplication: (c) => command(c, null),
      sendCenterCommand: (ref, c) => command(c, ref),
      async showCenter(ref) {
        const t0 = performance.now();
        const view = await clientOf(reader).request<CenterView>('GET', `/centers/${encodeURIComponent(ref)}`);
        readMs.push(performance.now() - t0);
        return view;
      },
    },
    start: () => loop.enable(),
    report() {
      loop.disable();
      const byType: Record<string, Sample[]> = {};
      for (const s of samples) (byType[s.type] ??= []).push(s);
      // The histogram holds the time between the timer's runs: its resolution and the delay.
      const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
      return {
        url,
        users: clients.size,
        overall: figuresOf(samples),
        byCommand: Object.fromEntries(
          Object.entries(byType)
            .map(([type, v]) => [type, figuresOf(v)] as const)
            .sort((a, b) => (b[1].addedMs.p50 ?? 0) - (a[1].addedMs.p50 ?? 0)),
        ),
        authenticateTokenMs: { n: authMs.length, ...pct(authMs) },
        readRoundTripMs: { n: readMs.length, ...pct(readMs) },
        eventLoopDelayMs: { p50: ms(loop.percentile(50)), p95: ms(loop.percentile(95)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
        unmatched,
      };
    },
    async close() {
      await app.close();
      await knex.destroy();
    },
  };
}

/** The added latency per command as a table: p50/p95/p99 of (round trip − Temporal) and of (handler − Temporal). */
export function apiTable(r: ApiReport): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
  const row = (name: string, a: ApiFigures) => [
    name,
    String(a.n),
    `${f(a.addedMs.p50)} / ${f(a.addedMs.p95)} / ${f(a.addedMs.p99)}`,
    `${f(a.inServerMs.p50)} / ${f(a.inServerMs.p95)} / ${f(a.inServerMs.p99)}`,
    `${f(a.inHandlerMs.p50)} / ${f(a.inHandlerMs.p95)} / ${f(a.inHandlerMs.p99)}`,
    f(a.temporalMs.p50),
  ];
  const rows = [row('every command', r.overall), ...Object.entries(r.byCommand).map(([t, a]) => row(t, a))];
  const header = ['command', 'n', 'added: round trip − Temporal p50/p95/p99', 'in server − Temporal', 'in handler − Temporal', 'Temporal p50'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((x) => x[c].length)));
  const line = (x: string[]) => `| ${x.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
