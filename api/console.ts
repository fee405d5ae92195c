/**
 * The web console (console/, issue 11) served beside the API: its built files (console/dist, made by `npm run
 * build`) under /assets/, and its page for every other GET that is not the API's — the console routes in the
 * browser. Nothing is loaded from elsewhere: the bundle carries its own code, styles and the diagram renderer.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_PREFIX } from './paths';

export const CONSOLE_DIST = fileURLToPath(new URL('../console/dist/', import.meta.url));
const ASSETS = '/assets/';

export async function consoleStatic(app: FastifyInstance): Promise<void> {
  if (!existsSync(`${CONSOLE_DIST}index.html`)) {
    app.log.warn(`The web console is not built (${CONSOLE_DIST}): run \`npm run build\`.`);
    return;
  }
  // Hashed file names: a year's cache; index.html itself is never cached (it names the current bundle).
  await app.register(fastifyStatic, { root: `${CONSOLE_DIST}assets`, prefix: ASSETS, immutable: true, maxAge: '365d', index: false });
}

/** The console's page for a browser's GET of any path that is neither the API's nor an asset; false otherwise. */
export function consolePage(request: FastifyRequest, reply: FastifyReply): boolean {
  const path = request.url.split('?')[0];
  if ((request.method !== 'GET' && request.method !== 'HEAD') || path.startsWith(API_PREFIX) || path.startsWith(ASSETS) || path.startsWith('/docs')) return false;
  if (!(request.headers.accept ?? '').includes('text/html') || !existsSync(`${CONSOLE_DIST}index.html`)) return false;
  void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', CONSOLE_DIST);
  return true;
}
