/**
 * Issue 15 item 6, the dossier export: a center is run on the time-skipping server with a real SQLite file (funded
 * with an evidence file, both evaluations, continued-as-new into cycle 2), and `centers audit export` writes its
 * archive. Then the server and the database are stopped and removed, and the CLI is pointed at a Temporal address
 * where nothing listens and a database file that does not exist: `audit verify --file` and `audit replay --file`
 * check the archive from the file alone (while `audit verify <center>` and `audit replay <center>` fail there, which
 * shows that nothing else is reachable). A tampered archive is refused naming the part (an edited audit row, an edited
 * history event); one whose digests were rewritten to match is caught by the chain, the replay and the reconcile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealArchive, type Archive, type ArchiveContent } from '../../client/audit';
import { DOSSIER_TABLES } from '../../client/audit/dossier';
import { createRepositories } from '../../db/repositories';
import { createEvidenceStore } from '../../evidence/store';
import { cmd, commission, promotionRequest } from '../helpers/fixtures';
import { lifecycle } from '../helpers/lifecycle';
import { harnessCliEnv, runCentersCli } from '../helpers/cli';
import { timeSkippingHarness, type Harness } from '../helpers/temporal';

const HOUR = 3600_000;
const UNIVERSITY = 'bjfu';
const CENTER = 'bjfu.call-export';

let h: Harness | null = null;
let env: NodeJS.ProcessEnv;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-export-'));
const evidenceDir = path.join(dir, 'evidence');
const archiveFile = path.join(dir, 'bjfu.audit-export.json.gz');
/** What the export held when it was written (for the checks made after the server and the database are gone). */
let exported: { auditRows: number; lastSeq: number; runIds: string[] };

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  h = await timeSkippingHarness();
  env = harnessCliEnv(h, { CENTERS_EVIDENCE_DIR: evidenceDir });
}, 120_000);
afterAll(async () => {
  await h?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

const centers = (...argv: string[]) => runCentersCli(env, ...argv);

const readArchive = (file: string): Archive => JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as Archive;
const writeArchive = (file: string, archive: unknown) => fs.writeFileSync(file, zlib.gzipSync(JSON.stringify(archive)));
let copies = 0;
/** A copy of the export, changed by `edit` (the content, as parsed JSON); resealed (digests rewritten) if asked. */
function tampered(edit: (content: ArchiveContent) => void, { reseal = false } = {}): string {
  const archive = readArchive(archiveFile);
  edit(archive.content);
  const file = path.join(dir, `tampered-${++copies}.json.gz`);
  writeArchive(file, reseal ? sealArchive(archive.content) : archive);
  return file;
}

type ProtoEvent = { eventId: string; activityTaskScheduledEventAttributes?: { activityType: { name: string }; input: { payloads: { metadata: Record<string, string>; data: string }[] } } };
const persistEvents = (content: ArchiveContent, run: number) =>
  (content.runs[run].history.events as ProtoEvent[]).filter((e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'persistTransition');

describe('issue 15 item 6: a dossier export replayed and verified with no server and no database', { timeout: 180_000 }, () => {
  it('exports every run, the audit rows, the records and the evidence hashes of a center in one file', async () => {
    const harness = h!;
    const store = createEvidenceStore({ dir: evidenceDir, maxBytes: 1024 * 1024, mediaTypes: ['application/pdf'] });
    const opinion = await store.put(Buffer.from('%PDF-1.7\n% the external opinion of the funding request\n%%EOF\n'), 'opinion.pdf');
    harness.ops.evidence = store;
    const c = lifecycle(harness, UNIVERSITY);
    const start = (await c.establish('call-export')).cycleStartAt!;
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest(), evidence: [opinion] }));
    await c.send(cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen }));
    await c.skipTo(c.anniversary(start, 2) + HOUR, (v) => v.state === 'building.evaluation.selfEvaluation');
    await c.evaluate(80);
    await c.skipTo(c.anniversary(start, 5) + HOUR, (v) => v.evaluation?.kind === 'acceptance');
    await c.evaluate(95);
    await c.skipTo(await harness.env.currentTimeMs(), (v) => v.cycle === 2);
    await c.send(cmd('REQUEST_FUNDING', c.uni, { request: promotionRequest() }));

    const repos = createRepositories(harness.knex);
    const chain = await repos.auditChain(CENTER);
    const lastSeq = (await repos.getCenter(CENTER))!.lastSeq;

    const out = await centers('audit', 'export', CENTER, '--out', archiveFile);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/Fetched 2 runs of center-bjfu \(\d+ events\)\./);
    expect(out.stderr).toMatch(new RegExp(`Read ${chain.length} audit rows and \\d+ record rows of bjfu\\.call-export from the database\\.`));
    expect(out.stderr).toMatch(/Checked 1 evidence file against the store\./);
    expect(out.stdout).toMatch(new RegExp(`^Wrote ${archiveFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ bytes\\): the dossier of bjfu\\.call-export \\(workflow center-bjfu\\)`));
    expect(out.stdout).toMatch(new RegExp(`2 runs \\(\\d+ history events\\), ${chain.length} audit rows, \\d+ record rows in ${DOSSIER_TABLES.length} tables, 1 evidence file hash\\.`));

    // One gzipped JSON file: the runs as the server holds them, the rows with their chain, the tables, the hashes.
    const archive = readArchive(archiveFile);
    expect(archive).toMatchObject({ format: 'centers-audit-export', version: 1, content: { centerId: CENTER, workflowId: 'center-bjfu' } });
    expect(archive.content.runs).toHaveLength(2);
    expect(archive.content.auditRows.map((r) => [r.seq, r.prevHash, r.hash])).toEqual(chain.map((r) => [r.seq, r.prevHash, r.hash]));
    expect(archive.content.records.funding_ledger).toEqual([expect.objectContaining({ requestId: 'c1-y1-f1', amountFen: promotionRequest().amountFen })]);
    expect(archive.content.records.centers).toEqual([expect.objectContaining({ centerId: CENTER, lastSeq, cycle: 2 })]);
    expect(archive.content.evidence).toEqual([{ sha256: opinion.sha256, mediaType: 'application/pdf', sizeBytes: opinion.sizeBytes, stored: 'ok' }]);
    // Hashes, not contents: the file's bytes are not in the archive.
    expect(zlib.gunzipSync(fs.readFileSync(archiveFile)).toString('utf8')).not.toContain('external opinion of the funding request');
    exported = { auditRows: chain.length, lastSeq, runIds: archive.content.runs.map((r) => r.runId) };

    // An export never replaces a file; the next step is named.
    const again = await centers('audit', 'export', CENTER, '--out', archiveFile);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; give another --out path/);
  });

  it('with the server and the database gone, verify --file and replay --file check the export from the file alone', async () => {
    await h!.teardown();
    h = null;
    // Nothing listens on port 1, no database file, no evidence folder: a machine with neither.
    env = { ...env, CENTERS_TEMPORAL_ADDRESS: '127.0.0.1:1', CENTERS_DATABASE_FILENAME: path.join(dir, 'no-such.sqlite'), CENTERS_EVIDENCE_DIR: path.join(dir, 'no-store') };
    const noDb = await centers('audit', 'verify', CENTER);
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toMatch(/No database at/);
    const noServer = await centers('audit', 'replay', CENTER);
    expect(noServer.code).toBe(5);
    expect(noServer.stderr).toMatch(/Cannot reach Temporal at 127\.0\.0\.1:1/);

    const verify = await centers('audit', 'verify', '--file', archiveFile);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/digests intact; 2 runs, \d+ audit rows — verified\./);
    expect(verify.stdout).toMatch(new RegExp(`Hash chain: intact \\(${exported.auditRows} rows, last seq ${exported.lastSeq}, the center's last seq ${exported.lastSeq}\\)`));
    expect(verify.stdout).toMatch(/transitions in the history, \d+ audit rows, \d+ matching — clean\./);
    expect(verify.stdout).toMatch(new RegExp(`Record tables \\(${DOSSIER_TABLES.length}\\): (\\d+) rows by the history, \\1 in the database, \\1 matching\\.`));
    expect(verify.stdout).toMatch(/Evidence files: 1 hash, every file in the store and matching its hash at export\./);
    expect(fs.existsSync(path.join(dir, 'no-such.sqlite'))).toBe(false);

    const json = JSON.parse((await centers('audit', 'verify', '--file', archiveFile, '--json')).stdout);
    expect(json).toMatchObject({ source: 'archive', centerId: CENTER, intact: true, verified: true, chain: { clean: true, rows: exported.auditRows }, reconciliation: { clean: true, runs: 2 } });

    const replay = await centers('audit', 'replay', '--file', archiveFile, '--json');
    expect(replay.code, replay.stderr).toBe(0);
    const data = JSON.parse(replay.stdout);
    expect(data).toMatchObject({ source: 'archive', centerId: CENTER, workflowId: 'center-bjfu', deterministic: true });
    expect(data.runs.map((r: { runId: string; status: string; replay: { ok: boolean } }) => [r.runId, r.status, r.replay.ok])).toEqual([
      [exported.runIds[0], 'continuedAsNew', true],
      [exported.runIds[1], 'running', true],
    ]);
    expect(data.timeline).toHaveLength(exported.auditRows);
    const text = await centers('audit', 'replay', '--file', archiveFile);
    expect(text.stdout).toMatch(/^Replay of center bjfu\.call-export \(workflow center-bjfu\) from the export .* 2 runs, \d+ transitions — deterministic\./);
    expect(text.stderr).toMatch(/Read 2 runs of center-bjfu from the export of bjfu\.call-export made .* \(digests intact\)\./);
  });

  it('refuses an export edited after it was written, naming the part: an audit row, a history event (exit 6)', async () => {
    const row = tampered((c) => void (c.auditRows[2].actorId = 'someone-else'));
    for (const command of ['verify', 'replay']) {
      const r = await centers('audit', command, '--file', row);
      expect(r.code, `${command}: ${r.stdout}${r.stderr}`).toBe(6);
      expect(r.stdout).toMatch(/was changed or corrupted after it was exported: 1 part no longer matches its digest, so nothing in it was replayed or verified/);
      expect(r.stdout).toMatch(/ {2}- audit rows: digest [0-9a-f]{12}… in the archive, [0-9a-f]{12}… by its content/);
    }
    const event = tampered((c) => {
      const e = persistEvents(c, 1)[0];
      e.activityTaskScheduledEventAttributes!.activityType.name = 'somethingElse';
    });
    const r = await centers('audit', 'verify', '--file', event, '--json');
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stdout)).toMatchObject({ intact: false, mismatches: [{ part: `run 2 (${exported.runIds[1]}) history` }] });
    // The digests are of the content, not of its spelling: a copy re-serialised (indented, keys reversed) is intact.
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const respelled = path.join(dir, 'respelled.json.gz');
    fs.writeFileSync(respelled, zlib.gzipSync(JSON.stringify(reversed(readArchive(archiveFile)), null, 2)));
    expect((await centers('audit', 'verify', '--file', respelled)).code).toBe(0);
    // A truncated (corrupted) copy and a file that is no export at all: refused as bad input (exit 2), saying what it is.
    const truncated = path.join(dir, 'truncated.json.gz');
    fs.writeFileSync(truncated, fs.readFileSync(archiveFile).subarray(0, 200));
    const cut = await centers('audit', 'verify', '--file', truncated);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/is not a readable audit export \(gzip: .*\); export it again with `centers audit export <center>`/);
    const other = path.join(dir, 'other.json.gz');
    writeArchive(other, { format: 'centers-audit-export', version: 1, content: { centerId: CENTER } });
    const invalid = await centers('audit', 'verify', '--file', other);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/is not a valid audit export:\n {2}- digest: Required/);
    const newer = path.join(dir, 'newer.json.gz');
    writeArchive(newer, { ...readArchive(archiveFile), version: 2 });
    expect((await centers('audit', 'replay', '--file', newer)).stderr).toMatch(/is an audit export of version 2; this checkout reads version 1/);
  });

  it('an export whose digests were rewritten to match is caught by its content: the chain, the history against the rows, the evidence, the replay', async () => {
    // An audit row edited and the digests recomputed: the chain names the row, the history says what it was.
    const row = tampered((c) => void (c.auditRows[2].actorId = 'someone-else'), { reseal: true });
    const seq = readArchive(row).content.auditRows[2].seq;
    const edited = await centers('audit', 'verify', '--file', row);
    expect(edited.code).toBe(6);
    expect(edited.stdout).toMatch(/digests intact; .* — NOT verified\./);
    expect(edited.stdout).toMatch(new RegExp(`Hash chain: broken at seq ${seq} \\(edited\\)`));
    expect(edited.stdout).toMatch(new RegExp(`audit row seq ${seq} was changed after it was written`));
    expect(edited.stdout).toMatch(new RegExp(`altered\\s+${seq}\\s+actor\\s+\\S+\\s+\\S+:someone-else`));

    // A history event edited (the actor a transition's persistTransition input records) and resealed: the chain of
    // the rows holds, but the history no longer agrees with them.
    let changed = 0;
    const history = tampered(
      (c) => {
        const payload = persistEvents(c, 1)[0].activityTaskScheduledEventAttributes!.input.payloads[0];
        const input = defaultPayloadConverter.fromPayload<{ audit: { seq: number; actor: { id: string } } }>({ metadata: Object.fromEntries(Object.entries(payload.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(payload.data, 'base64') });
        changed = input.audit.seq;
        input.audit.actor.id = 'forged-actor';
        payload.data = Buffer.from(JSON.stringify(input)).toString('base64');
      },
      { reseal: true },
    );
    const forged = await centers('audit', 'verify', '--file', history, '--json');
    expect(forged.code).toBe(6);
    const data = JSON.parse(forged.stdout);
    expect(data).toMatchObject({ intact: true, verified: false, chain: { clean: true } });
    expect(data.reconciliation.differences.map((d: { description: string }) => d.description)).toContainEqual(
      expect.stringMatching(new RegExp(`^seq ${changed} altered: actor is "\\S+" in the database but "\\S+:forged-actor(@\\S+)?" in the history`)),
    );

    // An evidence file the store no longer held when the export was made fails the check, as `audit reconcile` does.
    const lost = tampered((c) => void (c.evidence[0].stored = 'missing'), { reseal: true });
    const missing = await centers('audit', 'verify', '--file', lost);
    expect(missing.code).toBe(6);
    expect(missing.stdout).toMatch(/Hash chain: intact/);
    expect(missing.stdout).toMatch(/Evidence files: 1 hash; at export [0-9a-f]{64} missing in the content store \(restore it from a backup\)\./);

    // A history event whose command was swapped for another: the current code does not issue it, the replay says so.
    const swapped = tampered((c) => void (persistEvents(c, 0)[0].activityTaskScheduledEventAttributes!.activityType.name = 'somethingElse'), { reseal: true });
    const replay = await centers('audit', 'replay', '--file', swapped);
    expect(replay.code).toBe(6);
    expect(replay.stdout).toMatch(/— NOT deterministic\./);
    expect(replay.stdout).toMatch(new RegExp(`Run 1 \\(${exported.runIds[0]}\\): DeterminismViolationError`));
  });
});
