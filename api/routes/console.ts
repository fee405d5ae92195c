/**
 * The two reads the web console is drawn from (SPEC §4 "Web console"): the statechart as Mermaid text, made by
 * `statechartMermaid` from the machine itself (the same picture as docs/statechart.md), and every command's form —
 * its route, roles, article, summary and the JSON Schema of its request body, taken from the OpenAPI document the
 * command routes generate from the command table's zod schemas, so a form asks exactly what the route validates.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { centerMachine } from '../../machines/center';
import { ALL_COMMAND_TYPES, COMMAND_TABLE } from '../../machines/commands';
import { STAGES } from '../../machines/core';
import { statechartMermaid } from '../../machines/diagram';
import type { ApiDeps } from '../app';
import { requireIdentity } from '../auth';
import { API_PREFIX, commandPath } from '../paths';
import { ProblemSchema } from '../problem';

const errors = { 401: ProblemSchema };

export async function consoleRoutes(app: FastifyInstance, _deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const mermaid = statechartMermaid(centerMachine);

  api.get('/statechart', { schema: { operationId: 'getStatechart', tags: ['Reading'], summary: "The center statechart as a Mermaid stateDiagram-v2, drawn from the machine's definition", response: { 200: z.object({ mermaid: z.string() }), ...errors } } }, async (request) => {
    requireIdentity(request);
    return { mermaid };
  });

  let forms: unknown[] | null = null;
  api.get('/commands', { schema: { operationId: 'listCommandForms', tags: ['Reading'], summary: "Every command's route, roles, article and request-body JSON Schema (the console's forms)", response: { 200: z.unknown(), ...errors } } }, async (request) => {
    requireIdentity(request);
    forms ??= commandForms(app.swagger() as unknown as OpenApiDoc);
    return { commands: forms };
  });
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
}

function commandForms(doc: OpenApiDoc) {
  return ALL_COMMAND_TYPES.map((type) => {
    const def = COMMAND_TABLE[type];
    const path = `${API_PREFIX}${commandPath(type)}`;
    const body = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.post?.requestBody?.content?.['application/json']?.schema ?? { type: 'object' };
    return { type, path, target: def.cli.target, host: def.host, stage: def.stage, stageTitle: STAGES[def.stage], article: def.article, summary: def.summary, roles: def.roles, schema: body };
  });
}
