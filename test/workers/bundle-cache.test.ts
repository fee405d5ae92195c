/**
 * SPEC §6 "Replay": the workflow bundle is built once per version of the code and reused (worker/bundle.ts), so
 * `centers audit replay` costs what the history costs. A stale bundle is never used: the key covers every file
 * the workflows import (ours and node_modules'), the lock file and the SDK's version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedWorkflowBundle, workflowBundleKey, workflowsPath } from '../../worker/bundle';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-bundle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the workflow bundle cache', { timeout: 120_000 }, () => {
  it("keys the bundle by every file the workflows import: the workflows, the statechart, the policy and node_modules' files", async () => {
    const { key, files } = await workflowBundleKey(workflowsPath);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(files).toEqual(expect.arrayContaining(['workflows/index.ts', 'workflows/center.ts', 'workflows/call.ts', 'machines/center.ts', 'machines/policy.ts', 'contract/index.ts']));
    expect(files.some((f) => /node_modules\/xstate\//.test(f))).toBe(true);
    expect(files.some((f) => /node_modules\/@temporalio\/workflow\//.test(f))).toBe(true);
    expect(files.some((f) => /node_modules\/zod\//.test(f))).toBe(true);
    // The same code, the same key.
    expect((await workflowBundleKey(workflowsPath)).key).toBe(key);
  });

  it('changes the key when a file the workflows import changes (a module two imports away), and not otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'src-'));
    fs.writeFileSync(path.join(dir, 'index.ts'), "export { aWorkflow } from './a';\n");
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { limit } from './rules';\nexport async function aWorkflow(): Promise<number> {\n  return limit;\n}\n");
    fs.writeFileSync(path.join(dir, 'rules.ts'), 'export const limit = 3;\n');
    fs.writeFileSync(path.join(dir, 'unrelated.ts'), 'export const x = 1;\n');
    const entry = path.join(dir, 'index.ts');
    const before = await workflowBundleKey(entry);
    expect(before.files.map((f) => path.basename(f)).sort()).toEqual(['a.ts', 'index.ts', 'rules.ts']);

    fs.writeFileSync(path.join(dir, 'unrelated.ts'), 'export const x = 2;\n');
    expect((await workflowBundleKey(entry)).key).toBe(before.key);

    fs.writeFileSync(path.join(dir, 'rules.ts'), 'export const limit = 4;\n');
    const after = await workflowBundleKey(entry);
    expect(after.key).not.toBe(before.key);

    fs.writeFileSync(path.join(dir, 'rules.ts'), 'export const limit = 3;\n');
    expect((await workflowBundleKey(entry)).key).toBe(before.key);
  });

  it('bundles on the first use, then reads the same code from the cache', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const bundled: string[] = [];
    const first = await cachedWorkflowBundle(workflowsPath, { cacheDir, onBundle: (r) => bundled.push(r) });
    expect(first).toMatchObject({ cached: false });
    expect(bundled).toEqual(['new code']);
    expect(first.file).toBe(path.join(cacheDir, `${first.key}.js`));
    expect(fs.readFileSync(first.file!, 'utf8')).toBe(first.workflowBundle.code);
    // The bundle holds the workflows.
    expect(first.workflowBundle.code).toContain('centerWorkflow');

    const second = await cachedWorkflowBundle(workflowsPath, { cacheDir, onBundle: (r) => bundled.push(r) });
    expect(second).toMatchObject({ cached: true, key: first.key, file: first.file });
    expect(second.workflowBundle.code).toBe(first.workflowBundle.code);
    expect(bundled).toEqual(['new code']);
    // Nothing but the bundle (no partial files left behind).
    expect(fs.readdirSync(cacheDir)).toEqual([`${first.key}.js`]);
  });
});
