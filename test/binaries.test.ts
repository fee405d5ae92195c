import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalCliPath, temporalTestServerPath } from '../config/binaries';

function expectExecutable(p: string) {
  const st = fs.statSync(p);
  expect(st.isFile()).toBe(true);
  expect(st.size).toBeGreaterThan(1_000_000);
  expect(() => fs.accessSync(p, fs.constants.X_OK)).not.toThrow();
}

describe('Temporal binaries', () => {
  it('resolves the temporal CLI to an executable that reports the pinned version 1.9.1', () => {
    const cli = temporalCliPath();
    expectExecutable(cli);
    const res = spawnSync(cli, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/temporal version 1\.9\.1\b/);
  });

  it('resolves the time-skipping test server to an executable', () => {
    expectExecutable(temporalTestServerPath());
  });

  it('prefers TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH when set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-bin-'));
    const fake = path.join(dir, 'my-temporal');
    fs.writeFileSync(fake, '#!/bin/sh\n');
    fs.chmodSync(fake, 0o755);
    expect(temporalCliPath({ TEMPORAL_CLI_PATH: fake })).toBe(fake);
    expect(temporalTestServerPath({ TEMPORAL_TEST_SERVER_PATH: fake })).toBe(fake);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the path it checked when a binary is missing', () => {
    const missing = path.join(os.tmpdir(), 'centers-no-such-dir', 'temporal');
    expect(() => temporalCliPath({ TEMPORAL_CLI_PATH: missing })).toThrow(missing);
    expect(() => temporalCliPath({ TEMPORAL_CLI_PATH: missing })).toThrow(/TEMPORAL_CLI_PATH/);
    expect(() => temporalTestServerPath({ TEMPORAL_TEST_SERVER_PATH: missing })).toThrow(/npm install/);
  });
});
