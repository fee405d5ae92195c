/**
 * The workflow bundle (SPEC §6: the sandbox), built once per version of the code and kept on disk. Bundling the
 * workflows with webpack takes seconds; a replay (`centers audit replay`) or a worker start that finds the bundle
 * of the very same code reuses it.
 *
 * The cache key is a SHA-256 over everything the bundle is made of: the content and path of every file the
 * workflows import (found by esbuild's dependency graph: workflows/, machines/, contract/, … and every
 * node_modules file such as xstate's, zod's and @temporalio/workflow's), package-lock.json, the versions of the SDK
 * that bundles (and of webpack), and the bundler options. A cached bundle is used only under its key, so a stale one
 * never is: change one of those files and the key changes. When the graph cannot be worked out (esbuild fails),
 * the code is bundled afresh and nothing is cached.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowBundle } from '@temporalio/worker';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The workflows' entry point, bundled by the worker (SPEC §6: the sandbox). */
export const workflowsPath = path.join(repoRoot, 'workflows', 'index.ts');

/** Where bundles are kept: git-ignored, beside the dependencies they were built from. */
export const defaultBundleCacheDir = path.join(repoRoot, 'node_modules', '.cache', 'centers', 'workflow-bundles');

/** Raised when the bundle format or the way it is built changes, so no bundle of an older format is read. */
const CACHE_FORMAT = 1;
/** Bundles kept in the cache directory (newest first); older ones are removed. */
const KEEP = 8;

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface BundleKey {
  key: string;
  /** Every file the key covers (relative to the repository), sorted. */
  files: string[];
}

/**
 * The key of the bundle of `workflowsPath`: the files it imports (transitively, node_modules included), their
 * content, the lock file and the bundling SDK's version. Throws when the import graph cannot be resolved.
 */
export async function workflowBundleKey(workflowsPath: string): Promise<BundleKey> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [workflowsPath],
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    // Injected by the Temporal bundler, not files of ours.
    external: ['__temporal_custom_payload_converter', '__temporal_custom_failure_converter'],
  });
  const files = Object.keys(result.metafile!.inputs).sort();
  const hash = crypto.createHash('sha256');
  const part = (name: string, value: string) => hash.update(`${name}\0${value}\0`);
  part('format', String(CACHE_FORMAT));
  part('entry', path.relative(repoRoot, workflowsPath));
  for (const pkg of ['@temporalio/worker', '@temporalio/workflow', '@temporalio/common', 'webpack', '@swc/core', 'swc-loader']) part(pkg, packageVersion(pkg));
  for (const name of ['package-lock.json', 'tsconfig.json']) {
    const file = path.join(repoRoot, name);
    part(name, fs.existsSync(file) ? sha256(fs.readFileSync(file)) : 'none');
  }
  for (const file of files) part(file, sha256(fs.readFileSync(path.resolve(repoRoot, file))));
  return { key: hash.digest('hex'), files };
}

export interface CachedBundleOptions {
  /** Default: node_modules/.cache/centers/workflow-bundles. */
  cacheDir?: string;
  /** Called when the code is bundled (a cache miss): progress for people. */
  onBundle?(reason: 'new code' | 'no cache'): void;
}

export interface CachedBundle {
  workflowBundle: WorkflowBundle;
  /** The cache key, or null when the code could not be keyed (then bundled afresh, not cached). */
  key: string | null;
  /** Whether the bundle came from the cache. */
  cached: boolean;
  /** The cached file (null when not cached). */
  file: string | null;
}

async function bundle(workflowsPath: string): Promise<WorkflowBundle> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return { code };
}

function prune(dir: string): void {
  try {
    const entries = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of entries.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // Another process pruned meanwhile, or the directory is not ours to clean: the cache stays correct either way.
  }
}

/** The bundle of `workflowsPath`: from the cache when its key is there, else bundled now and cached. */
export async function cachedWorkflowBundle(workflowsPath: string, { cacheDir = defaultBundleCacheDir, onBundle }: CachedBundleOptions = {}): Promise<CachedBundle> {
  let key: string;
  try {
    ({ key } = await workflowBundleKey(workflowsPath));
  } catch {
    onBundle?.('no cache');
    return { workflowBundle: await bundle(workflowsPath), key: null, cached: false, file: null };
  }
  const file = path.join(cacheDir, `${key}.js`);
  try {
    const code = fs.readFileSync(file, 'utf8');
    // Touched so that pruning keeps the bundles in use.
    fs.utimesSync(file, new Date(), new Date());
    return { workflowBundle: { code }, key, cached: true, file };
  } catch {
    // Not cached yet.
  }
  onBundle?.('new code');
  const workflowBundle = await bundle(workflowsPath);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a concurrent reader sees the old state or the whole file, never a part.
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, workflowBundle.code);
    fs.renameSync(tmp, file);
    prune(cacheDir);
    return { workflowBundle, key, cached: false, file };
  } catch {
    // A read-only checkout: the bundle is used, not kept.
    return { workflowBundle, key, cached: false, file: null };
  }
}
