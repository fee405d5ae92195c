/**
 * Every command of the command table as a route, derived from the table (machines/commands.ts): its payload schema
 * is the body, its roles the first check, its stage the OpenAPI tag, its article and summary the description. The
 * actor is the caller's identity; an `Idempotency-Key` header becomes the command id, so a retried request is
 * answered with the first result. Every other check is the workflow's update validator's (the same pure rules), so
 * a refusal writes nothing to the history or the database.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { newCommandId, openCall, sendCallCommand, sendCenterCommand, submitApplication } from '../../client/operations';
import { sendRoundCommand } from '../../client/funding-rounds';
import { ALL_COMMAND_TYPES, COMMAND_TABLE, type Command, type CallCommand, type RoundCommandType } from '../../machines/commands';
import { STAGES, type CommandDef } from '../../machines/core';
import type { ApiDeps } from '../app';
import { actorOf, requireIdentity } from '../auth';
import type { Identity } from '../identities';
import { commandPath } from '../paths';
import { ProblemError, ProblemSchema } from '../problem';

const IdempotencyKey = z
  .string()
  .min(8)
  .max(60)
  .regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only')
  .optional()
  .describe('Makes a retried request answer with the first result instead of acting twice; 8–60 characters');
const Headers = z.object({ 'idempotency-key': IdempotencyKey }).passthrough();

/**
 * The command id: the caller's Idempotency-Key, scoped to the caller (two people choosing the same key never see
 * each other's result), or a fresh id.
 */
export function commandIdFor(identity: Identity, key: string | undefined): string {
  if (!key) return newCommandId();
  return `idem:${createHash('sha256').update(`${identity.userId}\u0000${key}`).digest('hex').slice(0, 40)}`;
}

/** When each request arrived (ApiDeps.timing): set by an onRequest hook of buildApi's, only when timing is asked for. */
export const arrivedAt = new WeakMap<object, number>();

/** Each command request's command id, once made (for its log line: api/metrics.ts). */
export const commandIdOf = new WeakMap<object, string>();

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema };
const CommandResultSchema = z
  .object({
    commandId: z.string(),
    type: z.string(),
    state: z.string().describe("The center's state after the command"),
    seq: z.number().int().describe('The audit sequence number of the transition'),
    at: z.string(),
    duplicate: z.boolean(),
    center: z.record(z.unknown()).optional().describe('Where the command left the center'),
  })
  .passthrough();

export async function commandRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  /** Art. 9, 18: an expert's organisation is their identity's, not what the commission types (conflict of interest). */
  async function expertsFromIdentities(payload: { experts: { id: string; name: string; orgId?: string }[] }): Promise<void> {
    for (const e of payload.experts) {
      const user = await deps.identities.getUser(e.id);
      if (!user || user.role !== 'expert') throw new ProblemError('invalid-input', `Expert "${e.id}" is not a registered expert (\`centers users add --role expert\`).`, { errors: [{ path: 'experts', message: `unknown expert ${e.id}` }] });
      if (user.status !== 'active') throw new ProblemError('invalid-input', `Expert "${e.id}" is disabled.`);
      if (e.orgId !== undefined && e.orgId !== user.orgId) {
        throw new ProblemError('invalid-input', `Expert "${e.id}" belongs to ${user.orgId} by their identity, not ${e.orgId}; leave orgId out or correct it.`);
      }
      e.orgId = user.orgId ?? undefined;
    }
  }

  for (const type of ALL_COMMAND_TYPES) {
    const def: CommandDef = COMMAND_TABLE[type];
    const panel = type === 'ASSIGN_EXPERTS' || type === 'ASSIGN_EVALUATION_EXPERTS';
    const params =
      def.cli.target === 'round'
        ? z.object({ roundId: z.string().min(1).max(64) })
        : def.host === 'call' && def.cli.target === 'call'
          ? z.object({ callId: z.string().min(1).max(64) })
          : def.cli.target === 'center' ? z.object({ center: z.string().min(1).max(128).describe('A center id (bjut.call-2026) or a university id (bjut)') }) : undefined;
    api.route({
      method: 'POST',
      url: commandPath(type),
      config: { command: type },
      schema: {
        operationId: type,
        tags: [STAGES[def.stage]],
        summary: def.summary,
        description: `${def.article}. Roles: ${def.roles.join(', ')}.${def.cli.details ? `\n\n${def.cli.details}` : ''}`,
        ...(params ? { params } : {}),
        headers: Headers,
        // An expert panel's organisations come from the experts' identities, so the body may leave them out.
        body: panel ? z.object({ experts: z.array(z.object({ id: z.string(), name: z.string(), orgId: z.string().optional() }).strict()).min(1).max(20) }).strict() : def.payload,
        response: { 200: def.host === 'center' ? CommandResultSchema : z.unknown(), ...errors },
      },
      handler: async (request) => {
        const t0 = performance.now();
        const t = { type, commandId: '', ok: false, temporalMs: 0 };
        /** The Temporal call, timed. */
        const temporal = async <T>(call: () => Promise<T>): Promise<T> => {
          const s = performance.now();
          try {
            return await call();
          } finally {
            t.temporalMs = performance.now() - s;
          }
        };
        try {
          const identity = requireIdentity(request);
          if (!def.roles.includes(identity.role)) {
            throw new ProblemError('forbidden-role', `${type} is for ${def.roles.join(' or ')}, not a ${identity.role} (${def.article}).`);
          }
          const payload = request.body as Record<string, unknown>;
          if (panel) await expertsFromIdentities(payload as { experts: { id: string; name: string; orgId?: string }[] });
          const command = { commandId: commandIdFor(identity, request.headers['idempotency-key'] as string | undefined), actor: actorOf(identity), type, payload };
          t.commandId = command.commandId;
          commandIdOf.set(request.raw, command.commandId);
          const { callId, center, roundId } = (request.params ?? {}) as { callId?: string; center?: string; roundId?: string };
          const result = await temporal((): Promise<unknown> => {
            if (def.host === 'round') return sendRoundCommand(deps.ops, type as RoundCommandType, roundId ?? null, payload, command.actor, command.commandId);
            if (type === 'OPEN_CALL') return openCall(deps.ops, payload, command.actor, command.commandId);
            if (def.host === 'call') return sendCallCommand(deps.ops, callId!, command as CallCommand);
            if (type === 'SUBMIT_APPLICATION') return submitApplication(deps.ops, command as Command);
            return sendCenterCommand(deps.ops, center!, command as Command);
          });
          t.ok = true;
          return result;
        } finally {
          if (deps.timing) {
            const end = performance.now();
            deps.timing({ ...t, totalMs: end - t0, requestMs: end - (arrivedAt.get(request.raw) ?? t0) });
          }
        }
      },
    });
  }
}
