/**
 * Evidence files (issue 14 item 3) over HTTP: `POST /evidence` stores a file in the content store (the raw bytes as
 * the body, its name in `X-File-Name`) and answers the reference a command then carries; `GET
 * /centers/:center/evidence/:sha256` answers a file a command of that center carried, authorised like the record it
 * belongs to (api/access.ts evidenceScope). Any signed-in caller may upload: a file is kept, but becomes part of a
 * center only when a command that caller may send names it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { centerIdFromDatabase } from '../../client/handlers/read';
import { EvidenceRefSchema, Sha256Schema } from '../../machines/evidence';
import { EvidenceRejectedError, type EvidenceStore } from '../../evidence/store';
import type { ApiDeps } from '../app';
import { authorizeCenterRead, evidenceScope } from '../access';
import { requireIdentity } from '../auth';
import { ProblemError, ProblemSchema } from '../problem';

const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema };

export async function evidenceRoutes(app: FastifyInstance, deps: ApiDeps & { evidence: EvidenceStore }): Promise<void> {
  const store = deps.evidence;
  const { repos } = deps;

  // Uploads: the body is the file's bytes, whatever its declared type (the store recognises the type from them).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: store.limits.maxBytes }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/evidence',
      {
        bodyLimit: store.limits.maxBytes,
        schema: {
          operationId: 'uploadEvidence',
          tags: ['Evidence'],
          summary: 'Store an evidence file (Art. 8, 15, 18, 19); answers the reference a command carries in its `evidence` list',
          description:
            `The body is the file itself (at most ${store.limits.maxBytes} bytes, evidence.maxBytes), its name in X-File-Name. ` +
            `Its type is recognised from its content: ${store.limits.mediaTypes.join(', ')}. Storing the same bytes again answers the same reference.`,
          headers: z.object({ 'x-file-name': z.string().min(1).max(255).describe('The file name, without a directory (percent-encoded if not ASCII)') }).passthrough(),
          response: { 201: EvidenceRefSchema, ...errors },
        },
      },
      async (request, reply) => {
        requireIdentity(request);
        const body = request.body;
        if (!Buffer.isBuffer(body)) throw new ProblemError('invalid-input', 'Send the file itself as the body (any Content-Type, e.g. application/pdf), its name in X-File-Name.');
        let name: string;
        try {
          name = decodeURIComponent(String(request.headers['x-file-name']));
        } catch {
          throw new ProblemError('invalid-input', 'X-File-Name is not valid percent-encoding: encode the name with encodeURIComponent.');
        }
        try {
          const ref = await store.put(body, name);
          return reply.status(201).send(ref);
        } catch (err) {
          if (err instanceof EvidenceRejectedError) throw new ProblemError('invalid-input', err.message);
          throw err;
        }
      },
    );
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/centers/:center/evidence/:sha256',
    {
      schema: {
        operationId: 'getEvidence',
        tags: ['Evidence'],
        summary: 'An evidence file a command of this center carried, read like the record it belongs to (a funding request\u2019s with the accounts, others with the dossier)',
        params: z.object({ center: z.string().min(1).max(128).describe('A center id (bjut.call-2026) or a university id (bjut)'), sha256: Sha256Schema }),
        response: { 200: z.unknown().describe('The file, with its media type'), ...errors },
      },
    },
    async (request, reply) => {
      const identity = requireIdentity(request);
      const centerId = await centerIdFromDatabase(repos, request.params.center);
      const center = (await repos.getCenter(centerId))!;
      const rows = await repos.evidenceFile(centerId, request.params.sha256);
      // Authorised before anything is said of the file, so a caller learns nothing of a center they may not read.
      await authorizeCenterRead(identity, center, evidenceScope(rows.map((r) => r.ownerKind)), repos);
      if (rows.length === 0) throw new ProblemError('not-found', `No command of center ${centerId} carried a file with sha256 ${request.params.sha256}; its files are named in its commands' evidence lists.`);
      const bytes = await store.read(request.params.sha256);
      if (!bytes) throw new ProblemError('not-found', `The evidence file ${request.params.sha256} of center ${centerId} is missing from the store: the operators restore it from a backup (\`centers audit reconcile\` names it).`);
      const row = rows[0];
      return reply
        .header('content-type', row.mediaType)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(row.name)}`)
        .header('x-content-sha256', row.sha256)
        .send(bytes);
    },
  );
}
