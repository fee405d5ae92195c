/**
 * SPEC §4 "Auditors" end to end on a real dev server: the real `centers` CLI (a subprocess) replays a center fetched
 * from the server and the same history exported by the official `temporal workflow show --output json`, and
 * reconciles --all through visibility — including a university's earlier center, an earlier chain under the same
 * workflow id.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { temporalCliPath } from '../../config/binaries';
import { createRepositories } from '../../db/repositories';
import { openCall, sendCenterCommand, submitApplication } from '../../client/operations';
import { useDevServer, type CliRun } from '../helpers/dev-server';
import { callInfo, cmd, commission, expertActor, experts, university, applicationAsOf } from '../helpers/fixtures';

const TIMEOUT = 240_000;

const dev = useDevServer({ name: 'audit' }, TIMEOUT);

const centers = (args: string[]): Promise<CliRun> => dev.cli(args);

/** Application → review → a decision (6 transitions). */
async function decide(universityId: string, callId: string, decision: 'APPROVE' | 'REJECT'): Promise<void> {
  const { ops } = dev;
  await openCall(ops, callInfo(Date.now(), { callId, quota: 3 }), commission);
  await submitApplication(ops, cmd('SUBMIT_APPLICATION', university(universityId), { callId, application: applicationAsOf(universityId, Date.now()) }));
  const panel = experts('pku');
  await sendCenterCommand(ops, universityId, cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
  for (const e of panel) await sendCenterCommand(ops, universityId, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 88, recommendation: 'approve', opinion: 'Sound' } }));
  await sendCenterCommand(ops, universityId, cmd(decision, commission, decision === 'REJECT' ? { reason: 'Below the quota line' } : {}));
}

describe('centers audit on a dev server', { timeout: TIMEOUT }, () => {
  it('replays a center from the server and from `temporal workflow show --output json`, with the same timeline as the audit rows', async () => {
    await decide('bjut', 'call-audit-a', 'APPROVE');
    const rows = await createRepositories(dev.knex).auditLog('bjut.call-audit-a');
    const fromServer = await centers(['audit', 'replay', 'bjut.call-audit-a', '--json']);
    expect(fromServer.code, fromServer.stderr).toBe(0);
    expect(fromServer.json).toMatchObject({ source: 'temporal', workflowId: 'center-bjut', centerId: 'bjut.call-audit-a', deterministic: true });
    expect(fromServer.json.timeline.map((e: { seq: number; event: string }) => [e.seq, e.event])).toEqual(rows.map((r) => [r.seq, r.event]));

    // The official CLI's export is what --file reads.
    const file = path.join(dev.dir, 'center-bjut.json');
    const { stdout } = await promisify(execFile)(temporalCliPath(), ['workflow', 'show', '-w', 'center-bjut', '--output', 'json', '--address', dev.server.address, '--namespace', 'default'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    fs.writeFileSync(file, stdout);
    // Its format: proto JSON, enum names in CONSTANT_CASE, 64-bit ids as strings.
    expect(JSON.parse(stdout).events[0]).toMatchObject({ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' });
    const fromFile = await centers(['audit', 'replay', '--file', file, '--json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.json).toMatchObject({ source: 'file', workflowId: 'center-bjut', centerId: 'bjut.call-audit-a', deterministic: true });
    expect(fromFile.json.timeline).toEqual(fromServer.json.timeline);
  });

  it("reconciles --all through visibility, a university's earlier center included, with progress on stderr", async () => {
    // bnu's first application is rejected (its workflow completes); its second, to another call, reuses the workflow id.
    await decide('bnu', 'call-audit-b', 'REJECT');
    await decide('bnu', 'call-audit-c', 'APPROVE');

    // Found through visibility, which may lag a moment behind the server (exit 4 until then).
    let earlier = await centers(['audit', 'replay', 'bnu.call-audit-b', '--json']);
    for (let i = 0; i < 5 && earlier.code === 4; i++) earlier = await centers(['audit', 'replay', 'bnu.call-audit-b', '--json']);
    expect(earlier.code, earlier.stderr).toBe(0);
    expect(earlier.json).toMatchObject({ centerId: 'bnu.call-audit-b', deterministic: true });
    expect(earlier.json.timeline.at(-1)).toMatchObject({ event: 'REJECT', toState: 'closed.rejected' });

    const all = await centers(['audit', 'reconcile', '--all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json).toMatchObject({ centers: 3, clean: 3, withDifferences: 0 });
    expect(all.json.results.map((r: { centerId: string; matched: number }) => [r.centerId, r.matched])).toEqual([
      ['bjut.call-audit-a', 6],
      ['bnu.call-audit-b', 6],
      ['bnu.call-audit-c', 6],
    ]);
    expect(all.stderr).toMatch(/\[3\/3\] bnu\.call-audit-c: clean/);
  });
});
