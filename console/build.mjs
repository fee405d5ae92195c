// Builds the web console (console/src → console/dist) with esbuild: one ES module entry for the app, the diagram
// renderer (mermaid) split off and loaded only on a center's page, one stylesheet, and index.html naming the
// hashed files. Everything the console loads is in console/dist and served by the API (api/console.ts).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
fs.rmSync(dist, { recursive: true, force: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(here, 'src', 'main.tsx') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('main.tsx'));
if (!entry) throw new Error('console build: no entry output');
const [js, meta] = entry;
const css = meta.cssBundle;
const url = (file) => `/assets/${path.relative(path.join(dist, 'assets'), path.resolve(file)).split(path.sep).join('/')}`;
const html = fs
  .readFileSync(path.join(here, 'index.html'), 'utf8')
  .replace('%APP_JS%', url(js))
  .replace('%APP_CSS%', css ? url(css) : '');
fs.writeFileSync(path.join(dist, 'index.html'), html);

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const total = outputs.reduce((a, [, o]) => a + o.bytes, 0);
if (process.env.CONSOLE_BUILD_REPORT !== 'quiet') {
  console.log(`console: ${url(js)} ${kb(meta.bytes)}${css ? `, ${url(css)} ${kb(result.metafile.outputs[css].bytes)}` : ''}; all files (incl. the diagram renderer, loaded on demand) ${kb(total)}`);
}
