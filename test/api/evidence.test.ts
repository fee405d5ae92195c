/**
 * Evidence files (issue 14 item 3) against real servers: a Temporal dev server, the worker, SQLite, the API over
 * real HTTP and the `centers` CLI. An application (Art. 8) and a funding request's external opinion (Art. 15) carry
 * files; the rows name them by hash; a file is read like the record it belongs to (the right identity 200, the wrong
 * one 403); size and type limits are refused with reasons; a command naming a file not stored is refused with no
 * trace; and `audit reconcile` names an evidence file changed on disk, and a deleted one.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvidenceStore, sniffMediaType } from '../../evidence/store';
import { createRepositories } from '../../db/repositories';
import { applicationAsOf, callInfo, guidanceRequest, reserveResult } from '../helpers/fixtures';
import { rowCounts } from '../helpers/database';
import { useApi } from '../helpers/api';

const MAX = 64 * 1024;
// The content store of this test's API and CLI: a temporary folder, with a small size limit.
const evidenceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-evidence-'));
const api = useApi({ name: 'api-evidence', config: (cfg) => ({ ...cfg, evidence: { dir: evidenceDir, maxBytes: MAX, mediaTypes: ['application/pdf', 'image/png'] } }) }, 180_000);
afterAll(() => fs.rmSync(evidenceDir, { recursive: true, force: true }));

const pdf = (text: string, padTo = 0) => Buffer.concat([Buffer.from(`%PDF-1.7\n% ${text}\n`), Buffer.alloc(Math.max(0, padTo), 0x20), Buffer.from('\n%%EOF\n')]);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR opinion of the Zhongguancun IP association')]);

async function upload(token: string | undefined, bytes: Buffer, name: string) {
  const res = await fetch(`${api.url}/api/v1/evidence`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as any };
}
async function download(token: string, centerId: string, sha256: string) {
  const res = await fetch(`${api.url}/api/v1/centers/${centerId}/evidence/${sha256}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

describe('the evidence store (issue 14 item 3)', () => {
  it('recognises a type from its first bytes and refuses what is too large or of another type, saying why', async () => {
    const dir = fs.mkdtempSync(path.join(evidenceDir, 'store-'));
    const store = createEvidenceStore({ dir, maxBytes: 1024, mediaTypes: ['application/pdf', 'image/png'] });
    expect(sniffMediaType(pdf('x'))).toBe('application/pdf');
    expect(sniffMediaType(png)).toBe('image/png');
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffMediaType(Buffer.from('PK\u0003\u0004....[Content_Types].xml....word/document.xml', 'latin1'))).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(sniffMediaType(Buffer.from('PK\u0003\u0004 just a zip', 'latin1'))).toBeNull();

    const ref = await store.put(pdf('the policy document'), 'policies.pdf');
    expect(ref).toMatchObject({ name: 'policies.pdf', mediaType: 'application/pdf' });
    const file = path.join(dir, ref.sha256.slice(0, 2), ref.sha256);
    expect(fs.readFileSync(file)).toEqual(pdf('the policy document'));
    // The same bytes again: the same file, nothing rewritten, no temporary file left.
    const mtime = fs.statSync(file).mtimeMs;
    expect(await store.put(pdf('the policy document'), 'again.pdf')).toMatchObject({ sha256: ref.sha256 });
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(path.dirname(file))).toEqual([ref.sha256]);

    await expect(store.put(pdf('big', 2048), 'big.pdf')).rejects.toThrow(/big\.pdf is 0\.0 MiB, more than .*evidence\.maxBytes.*split or compress/);
    await expect(store.put(Buffer.from('just some text'), 'notes.txt')).rejects.toThrow(/notes\.txt is of a type the store does not recognise: an evidence file is one of application\/pdf, image\/png/);
    await expect(store.put(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]), 'photo.jpg')).rejects.toThrow(/photo\.jpg is image\/jpeg: an evidence file is one of/);
    await expect(store.put(Buffer.alloc(0), 'empty.pdf')).rejects.toThrow(/empty/);
  });
});

describe('evidence files through the API, the database and the audit (issue 14 item 3)', () => {
  it('stores, names, authorises and reconciles the files an application (Art. 8) and a funding request (Art. 15) carry', async () => {
    const dir = evidenceDir;
    const store = createEvidenceStore({ dir, maxBytes: MAX, mediaTypes: ['application/pdf', 'image/png'] });
    const { identities, url } = api;
    {
      const token = async (role: 'commission' | 'university' | 'expert' | 'auditor', id: string, orgId?: string) =>
        (await identities.addUser({ id, name: `Test ${id}`, role, orgId })).token.token;
      const commission = await token('commission', 'ev-wang-fang');
      const bjut = await token('university', 'ev-bjut-office', 'bjut');
      const pku = await token('university', 'ev-pku-office', 'pku');
      const panel = await Promise.all([1, 2, 3].map(async (i) => ({ id: `ev-expert-${i}`, token: await token('expert', `ev-expert-${i}`, 'tsinghua') })));
      const outsider = await token('expert', 'ev-outsider', 'ruc');
      const now = Date.now();
      const post = (tok: string, route: string, body: unknown) =>
        fetch(`${url}/api/v1${route}`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

      expect((await post(commission, '/calls', callInfo(now, { callId: 'call-ev', quota: 1 }))).status).toBe(200);

      // Uploads: signed-in callers only; the type from the content; the size limit is the body limit.
      expect((await upload(undefined, pdf('anonymous'), 'a.pdf')).status).toBe(401);
      const policies = await upload(bjut, pdf('Art. 8(2): the four policies'), '政策文件.pdf');
      expect(policies.status, JSON.stringify(policies.body)).toBe(201);
      expect(policies.body).toMatchObject({ name: '政策文件.pdf', mediaType: 'application/pdf', sizeBytes: pdf('Art. 8(2): the four policies').byteLength });
      expect((await upload(bjut, pdf('Art. 8(2): the four policies'), 'again.pdf')).body.sha256).toBe(policies.body.sha256);
      const text = await upload(bjut, Buffer.from('plain words'), 'notes.txt');
      expect(text.status).toBe(422);
      expect(text.body).toMatchObject({ reason: 'invalid-input' });
      expect(text.body.detail).toMatch(/notes\.txt is of a type the store does not recognise.*convert it/);
      const big = await upload(bjut, pdf('too big', MAX + 10), 'big.pdf');
      expect(big.status).toBe(413);
      expect(big.body.detail).toMatch(new RegExp(`larger than ${MAX} bytes \\(evidence\\.maxBytes\\)`));

      // A command naming a file that is not stored is refused before anything is signalled: no workflow, no row.
      const before = await rowCounts(api.h.knex);
      const ghost = { sha256: 'f'.repeat(64), name: 'ghost.pdf', mediaType: 'application/pdf', sizeBytes: 10 };
      const refused = await post(bjut, '/commands/submit-application', { callId: 'call-ev', application: applicationAsOf('bjut', now), evidence: [ghost] });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.body).toMatchObject({ reason: 'invalid-input' });
      expect(refused.body.detail).toMatch(/ghost\.pdf \(sha256 f{64}\) is not in the evidence store: upload each file first/);
      await expect(api.h.client.workflow.getHandle('center-bjut').describe()).rejects.toThrow(/not found/i);
      expect(await rowCounts(api.h.knex)).toEqual(before);

      const submitted = await post(bjut, '/commands/submit-application', { callId: 'call-ev', application: applicationAsOf('bjut', now), evidence: [policies.body] });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
      const centerId = 'bjut.call-ev';
      expect((await post(commission, `/centers/${centerId}/commands/assign-experts`, { experts: panel.map((e) => ({ id: e.id, name: e.id })) })).status).toBe(200);
      for (const e of panel) expect((await post(e.token, `/centers/${centerId}/commands/submit-review`, { review: { score: 90, recommendation: 'approve', opinion: 'Good' } })).status).toBe(200);
      expect((await post(commission, `/centers/${centerId}/commands/approve`, { reason: 'Approved by the commission meeting' })).body.state).toBe('building.running');

      // Art. 15: a guidance project's external opinion, as a scanned image.
      const opinion = await upload(bjut, png, 'opinion.png');
      expect(opinion.status).toBe(201);
      // The project transfers a result of the center's reserve (Art. 15): the result is recorded first.
      expect((await post(bjut, `/centers/${centerId}/commands/record-result`, { result: reserveResult() })).status).toBe(200);
      const requested = await post(bjut, `/centers/${centerId}/commands/request-funding`, { request: guidanceRequest(), evidence: [opinion.body] });
      expect(requested.status, JSON.stringify(requested.body)).toBe(200);

      // The rows name each file by hash, with the record and the command it belongs to.
      const rows = await createRepositories(api.h.knex).evidenceFiles(centerId);
      expect(rows.map((r) => [r.ownerKind, r.ownerKey, r.command, r.sha256, r.name])).toEqual([
        ['application', 'v1', 'SUBMIT_APPLICATION', policies.body.sha256, '政策文件.pdf'],
        ['fundingRequest', expect.any(String), 'REQUEST_FUNDING', opinion.body.sha256, 'opinion.png'],
      ]);
      expect(rows[0].commandId).toBe(submitted.body.commandId);
      expect(rows[1].ownerKey).toMatch(/guidance|promotion|-/);
      // The history's command names the hash too (the update's payload).
      const history = JSON.stringify((await api.h.client.workflow.getHandle('center-bjut').fetchHistory()).events?.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.map((p) => Buffer.from(p.data ?? []).toString('utf8'))));
      expect(history).toContain(policies.body.sha256);

      // Reads: like the record the file belongs to.
      const own = await download(bjut, centerId, policies.body.sha256);
      expect(own.status).toBe(200);
      expect(own.type).toBe('application/pdf');
      expect(own.bytes).toEqual(pdf('Art. 8(2): the four policies'));
      expect((await download(pku, centerId, policies.body.sha256)).status).toBe(403);
      expect((await download(panel[0].token, centerId, policies.body.sha256)).status).toBe(200);
      expect((await download(outsider, centerId, policies.body.sha256)).status).toBe(403);
      // A funding request's opinion belongs to the accounts: not an expert's to read.
      expect((await download(panel[0].token, centerId, opinion.body.sha256)).status).toBe(403);
      expect((await download(commission, centerId, opinion.body.sha256)).bytes).toEqual(png);
      // A file no command of this center carried: not found (after the caller is authorised).
      expect((await download(commission, centerId, 'a'.repeat(64))).status).toBe(404);

      // Reconcile: clean, then a file changed on disk is named, and a deleted one.
      const reconcile = async () => (await fetch(`${url}/api/v1/centers/${centerId}/reconcile`, { headers: { authorization: `Bearer ${commission}` } }).then((r) => r.json())) as any;
      expect(await reconcile()).toMatchObject({ clean: true, differences: [] });
      const policiesFile = store.pathOf(policies.body.sha256);
      fs.writeFileSync(policiesFile, pdf('Art. 8(2): the four policies, quietly edited'));
      fs.rmSync(store.pathOf(opinion.body.sha256));
      const found = await reconcile();
      expect(found.clean).toBe(false);
      expect(found.differences).toEqual([
        expect.objectContaining({ kind: 'evidence', status: 'changed', seq: 1, path: policiesFile, expected: policies.body.sha256, actual: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        expect.objectContaining({ kind: 'evidence', status: 'missing', path: store.pathOf(opinion.body.sha256), expected: opinion.body.sha256, actual: null }),
      ]);
      // A changed file is not served as if it were the one the command named.
      expect((await download(bjut, centerId, policies.body.sha256)).status).toBe(500);

      // The CLI's reconcile (the operators' tool) names it too, and exits non-zero.
      const cli = await api.h.cli(['audit', 'reconcile', centerId], { json: true, env: { CENTERS_EVIDENCE_DIR: dir } });
      expect(cli.code).toBe(6);
      expect(JSON.stringify(cli.json.differences)).toContain(`evidence file 政策文件.pdf changed: ${policiesFile}`);
      expect(JSON.stringify(cli.json.differences)).toContain(`evidence file opinion.png missing: ${store.pathOf(opinion.body.sha256)}`);
    }
  });
});

describe('--attach on the command line (issue 14 item 3)', () => {
  it('stores the file, sends the command with its reference, reads it back, and refuses a file of another type with no trace', async () => {
    const { openCall } = await import('../../client/operations');
    const now = Date.now();
    await openCall(api.h.ops, callInfo(now, { callId: 'call-ev-cli', quota: 1 }), { id: 'operator', role: 'commission' });
    const env = { CENTERS_EVIDENCE_DIR: evidenceDir };
    const appFile = path.join(api.h.dir, 'pku-application.json');
    fs.writeFileSync(appFile, JSON.stringify(applicationAsOf('pku', now)));
    const notes = path.join(api.h.dir, 'notes.txt');
    fs.writeFileSync(notes, 'not a document');
    const scan = path.join(api.h.dir, 'transfer-contracts.pdf');
    fs.writeFileSync(scan, pdf('Art. 8(4): the transfer contracts'));

    // A file of another type: refused before anything is sent.
    const refused = await api.h.cli(['apply', '--call', 'call-ev-cli', '--file', appFile, '--attach', notes, '--as', 'university:pku-office@pku'], { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/notes\.txt is of a type the store does not recognise/);
    await expect(api.h.client.workflow.getHandle('center-pku').describe()).rejects.toThrow(/not found/i);

    const applied = await api.h.cli(['apply', '--call', 'call-ev-cli', '--file', appFile, '--attach', scan, '--as', 'university:pku-office@pku'], { env, json: true });
    expect(applied.code, applied.stderr).toBe(0);
    const [row] = await createRepositories(api.h.knex).evidenceFiles('pku.call-ev-cli');
    expect(row).toMatchObject({ ownerKind: 'application', ownerKey: 'v1', name: 'transfer-contracts.pdf', mediaType: 'application/pdf', commandId: applied.json.commandId });

    const out = path.join(api.h.dir, 'read-back.pdf');
    const got = await api.h.cli(['evidence', 'get', 'pku.call-ev-cli', row.sha256, '--out', out], { env, json: true });
    expect(got.code, got.stderr).toBe(0);
    expect(fs.readFileSync(out)).toEqual(pdf('Art. 8(4): the transfer contracts'));
  });
});
