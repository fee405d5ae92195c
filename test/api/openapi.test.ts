/**
 * The OpenAPI 3.1 document is generated from the same zod schemas as the routes (never written by hand): it
 * validates, and every command of the command table and every read has its route in it. The interactive docs are
 * served by this server, nothing from elsewhere.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { commandPath } from '../../api/paths';
import { ALL_COMMAND_TYPES, COMMAND_TABLE } from '../../machines/commands';
import { useApi } from '../helpers/api';

const api = useApi({ name: 'api-openapi' }, 120_000);
const toOpenApi = (path: string) => `/api/v1${path.replace(/:([A-Za-z]+)/g, '{$1}')}`;

/** Every read the API offers (issue: centers, one center, calls, applications, funding, summaries, …). */
const READS = [
  '/centers',
  '/centers/{center}',
  '/centers/{center}/applications',
  '/centers/{center}/funding',
  '/centers/{center}/summaries',
  '/centers/{center}/evaluations',
  '/centers/{center}/incidents',
  '/centers/{center}/rectifications',
  '/centers/{center}/organisation',
  '/centers/{center}/audit',
  '/centers/{center}/timeline',
  '/centers/{center}/replay',
  '/centers/{center}/reconcile',
  '/audit/reconcile',
  '/calls',
  '/calls/{callId}',
  '/notices',
  '/notifications',
  '/reports/monitoring',
  '/me',
  '/users',
].map((p) => `/api/v1${p}`);

describe('OpenAPI 3.1 from the zod schemas', () => {
  it('validates, and lists every command of the table with its schema, roles and article, and every read', async () => {
    const res = await fetch(`${api.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId?: string; description?: string; requestBody?: unknown; tags?: string[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    // swagger-parser validates against the OpenAPI 3.1 schema (it dereferences a copy).
    await SwaggerParser.validate(structuredClone(doc) as never);

    for (const type of ALL_COMMAND_TYPES) {
      const op = doc.paths[toOpenApi(commandPath(type))]?.post;
      expect(op, `route of ${type}`).toBeDefined();
      expect(op.operationId).toBe(type);
      expect(op.description).toContain(COMMAND_TABLE[type].article);
      expect(op.requestBody, `${type} has its body schema`).toBeDefined();
    }
    expect(doc.paths['/api/v1/calls'].post.operationId).toBe('OPEN_CALL');
    const operationIds = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(operationIds).size, 'operation ids are unique').toBe(operationIds.length);
    for (const read of READS) expect(doc.paths[read]?.get, `read ${read}`).toBeDefined();
  });

  it('a command body in the document is the command table\u2019s schema (fields, required, bounds)', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as any;
    const grant = doc.paths['/api/v1/centers/{center}/commands/grant-funding'].post.requestBody.content['application/json'].schema;
    expect(grant.type).toBe('object');
    expect(grant.required).toEqual(expect.arrayContaining(['requestId', 'amountFen']));
    expect(grant.properties.amountFen).toMatchObject({ type: 'integer', minimum: 1 });
    expect(grant.additionalProperties).toBe(false);
  });

  it('serves the interactive docs from this server', async () => {
    const page = await fetch(`${api.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/);
    // Security headers on every answer.
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
