/**
 * The HTTP API: every command of the command table and every read, for people (through the console or the CLI)
 * and for other systems, under the caller's real identity.
 *
 * Fastify 5 with fastify-type-provider-zod: the command table's zod schemas validate the requests and, through
 * @fastify/swagger, are the OpenAPI 3.1 document — one definition per concept, nothing written twice. Fastify was
 * chosen over Hono for its hooks (authentication before the rate limit, which is per identity), its mature
 * plugins (rate limit, helmet, cookies, swagger UI served from the package, nothing from a CDN) and its speed.
 */
import { performance } from 'node:perf_hooks';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Knex } from 'knex';
import type { AppConfig } from '../config';
import type { Repositories } from '../db/repositories';
import type { OperationsContext } from '../client/operations';
import type { ReplayCode } from '../client/audit/replay';
import { API_PREFIX } from './paths';
import { authenticator, requireIdentity, type Identities, type OidcVerifier } from './auth';
import { problem, ProblemError, isProblemReason } from './problem';
import { arrivedAt, commandRoutes } from './routes/commands';
import { readRoutes } from './routes/reads';
import { fundingRoundRoutes } from './routes/funding-rounds';
import { sessionRoutes } from './routes/session';
import { auditRoutes } from './routes/audit';
import { consoleRoutes } from './routes/console';
import { evidenceRoutes } from './routes/evidence';
import { createEvidenceStore, type EvidenceStore } from '../evidence/store';
import { consolePage, consoleStatic } from './console';
import { createApiMetrics, registerMetrics } from './metrics';
import { probeWritable } from '../db/knex';

/** 1 MB: no command's payload comes near it (a document is at most 20,000 characters). */
export const BODY_LIMIT = 1024 * 1024;

export { API_PREFIX };

export interface ApiDeps {
  cfg: AppConfig;
  ops: OperationsContext;
  knex: Knex;
  repos: Repositories;
  identities: Identities;
  oidc?: OidcVerifier | null;
  /** The workflow code audit replays run (built once, on the first replay). */
  replayCode?: () => Promise<ReplayCode>;
  /** Fastify's logger options (and where the lines go: stdout by default); false in tests. Credentials are redacted from every log line. */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** The evidence content store (default: the one config `evidence` names); commands naming a file are checked against it. */
  evidence?: EvidenceStore;
  /** Called by every command route as its handler ends (the benchmark's `--via-api` measures the API with it). */
  timing?: (t: CommandTiming) => void;
}

/** Where a command's time went in the server, in ms. */
export interface CommandTiming {
  type: string;
  /** The command id (from the Idempotency-Key), '' when refused before it was made. */
  commandId: string;
  ok: boolean;
  /** The Temporal call: openCall, sendCallCommand, submitApplication or sendCenterCommand. */
  temporalMs: number;
  /** The handler, from its start to its answer (before serialisation). */
  totalMs: number;
  /** Since the request arrived: the hooks before the handler (authentication, rate limit, validation) and the handler. */
  requestMs: number;
}

export async function buildApi(given: ApiDeps): Promise<FastifyInstance> {
  // One evidence store for the uploads, the reads and the commands' check that every file they name is stored.
  const evidence = given.evidence ?? createEvidenceStore(given.cfg.evidence);
  const deps = { ...given, evidence, ops: { ...given.ops, evidence: given.ops.evidence ?? evidence } };
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: deps.logger === undefined || deps.logger === false ? false : { ...(deps.logger === true ? {} : deps.logger), redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'] },
    // Behind a proxy the caller's address for the login limit comes from X-Forwarded-For only if configured so.
    trustProxy: false,
  });
  // For deps.timing: when the request arrived, before every other hook.
  if (deps.timing) app.addHook('onRequest', async (request) => void arrivedAt.set(request.raw, performance.now()));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(helmet, {
    // The interactive docs (swagger UI) run their own script from this server; nothing else is loaded from elsewhere.
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } },
  });
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Technology transfer centers API',
        version: '1.0.0',
        description:
          "The lifecycle of the Beijing universities' technology transfer promotion centers: every command of the command " +
          'table (machines/commands.ts) and every read, under the caller\'s identity. Errors are RFC 9457 problem details ' +
          'carrying the refusal reason.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (ctc_…, `centers users token`) or an OIDC access token' },
          session: { type: 'apiKey', in: 'cookie', name: 'centers_session', description: 'The login session (POST /api/v1/session); writes need X-CSRF-Token' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  // The web console (console/): its bundle under /assets/, its page for the browser's other GETs (the 404 handler).
  await consoleStatic(app);

  app.decorateRequest('identity', null);
  app.decorateRequest('viaCookie', false);
  app.addHook('onRequest', authenticator(deps.identities, deps.oidc ?? null));
  // Before the body is validated: an anonymous call to anything but a public route is told to sign in, not what its body lacks.
  app.addHook('preValidation', async (request) => {
    if (!request.identity && request.url.startsWith(API_PREFIX) && request.routeOptions.config?.access !== 'public') requireIdentity(request);
  });

  await app.register(rateLimit, {
    // After authentication, so the limit is per identity; anonymous callers share their address's.
    hook: 'preHandler',
    max: deps.cfg.api.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => (request.identity ? `user:${request.identity.userId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => {
      const p = problem('rate-limited', `Too many requests: at most ${context.max} per ${context.after === '1 minute' ? 'minute' : context.after}. Try again in ${Math.ceil(context.ttl / 1000)} s.`);
      return Object.assign(new ProblemError('rate-limited', p.detail), { statusCode: 429 });
    },
  });

  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    const instance = request.url.split('?')[0];
    if (error instanceof ProblemError) {
      return reply.status(error.status).type('application/problem+json').send(problem(error.reason, error.message, { status: error.status, instance, errors: error.errors }));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.map((v) => ({ path: `${where}${v.instancePath.replace(/\//g, '.')}`.replace(/\.$/, ''), message: v.message ?? 'invalid' }));
      return reply
        .status(400)
        .type('application/problem+json')
        .send(problem('invalid-input', `The ${where} does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { status: 400, instance, errors }));
    }
    const named = error as Error & { reason?: string; statusCode?: number };
    if (named.name === 'CommandRefusedError' && named.reason && isProblemReason(named.reason)) {
      return reply.status(problem(named.reason, '').status).type('application/problem+json').send(problem(named.reason, named.message, { instance }));
    }
    if (named.name === 'UsageError') return reply.status(400).type('application/problem+json').send(problem('invalid-input', named.message, { status: 400, instance }));
    if (named.name === 'NotFoundError') return reply.status(404).type('application/problem+json').send(problem('not-found', named.message, { instance }));
    const status = named.statusCode ?? 500;
    if (status === 413) {
      const limit = request.routeOptions.bodyLimit ?? BODY_LIMIT;
      const what = request.routeOptions.url?.endsWith('/evidence') ? ' (evidence.maxBytes): split or compress the file' : '';
      return reply.status(413).type('application/problem+json').send(problem('invalid-input', `The body is larger than ${limit} bytes${what}.`, { status: 413, instance }));
    }
    if (status >= 400 && status < 500) return reply.status(status).type('application/problem+json').send(problem('invalid-input', named.message, { status, instance }));
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).type('application/problem+json').send(problem('internal', 'The service failed to answer; the error is in its log. Try again, or tell the operators.', { instance }));
  });
  app.setNotFoundHandler((request, reply) =>
    consolePage(request, reply) ? reply : reply.status(404).type('application/problem+json').send(problem('not-found', `No route ${request.method} ${request.url.split('?')[0]}. The routes are listed at /openapi.json and /docs.`)),
  );

  registerMetrics(app, createApiMetrics(deps.knex));
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const checks = await Promise.all([
      check('temporal', () => deps.ops.client.workflowService.getSystemInfo({})),
      // A write, not a read: a read-only or locked SQLite file still answers reads (db/knex.ts probeWritable).
      check('database', () => probeWritable(deps.knex)),
    ]);
    const ready = checks.every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  await app.register(
    async (api) => {
      await sessionRoutes(api, deps);
      await commandRoutes(api, deps);
      await readRoutes(api, deps);
      await fundingRoundRoutes(api, deps);
      await auditRoutes(api, deps);
      await evidenceRoutes(api, deps);
      await consoleRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

async function check(name: string, probe: () => Promise<unknown>): Promise<{ name: string; ok: boolean; error?: string }> {
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref())]);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, error: (err as Error).message.split('\n')[0] };
  }
}
