/**
 * Issue 15 item 2: the audit log as a hash chain, checked from the database alone, on SQLite and PostgreSQL. The rows
 * are written by the real persistence activity; each kind of tampering is named as the first broken link: an edited
 * row, a deleted row, the newest rows deleted, a forged row. The chain migration chains the rows already there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { verifyAll, verifyCenter, describeBrokenLink } from '../../client/audit';
import { GENESIS } from '../../db/audit-chain';
import { createRepositories } from '../../db/repositories';
import { TableName } from '../../db/tables';
import type { Actor } from '../../machines/domain';
import type { CenterRow, PersistTransitionInput } from '../../machines/records.types';
import { commission, university } from '../helpers/fixtures';
import { DIALECTS, removeTempDatabase, tempDatabase, type TempDatabase } from '../helpers/database';

const bjut = university('bjut');
const TIMER: Actor = { id: 'workflow-timer', role: 'scheduler' };

/** A center's transitions: the application (cycle 0), cycle 1 and, after the continue-as-new, cycle 2. */
function transitions(centerId: string, n: number): PersistTransitionInput[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    const cycle = seq <= 2 ? 0 : seq <= n - 2 ? 1 : 2;
    // Written with an offset: the chain hashes the instant, whatever spelling a database hands back.
    const at = new Date(Date.UTC(2026, 2, 1 + seq, 8)).toISOString().replace('Z', '+00:00');
    const actor = seq % 3 === 0 ? TIMER : seq % 2 === 0 ? commission : bjut;
    const center: CenterRow = { centerId, workflowId: `center-${centerId}`, universityId: 'bjut', callId: 'call-2026', state: `s${seq}`, cycle, tier: cycle ? 'A' : null, nameZh: null, nameEn: null, establishedAt: null, nextDeadlineAt: null, updatedAt: at };
    return { audit: { centerId, cycle, seq, fromState: `s${seq - 1}`, event: seq % 3 === 0 ? 'DEADLINE_REACHED' : 'REQUEST_FUNDING', toState: `s${seq}`, actor, commandId: seq % 3 === 0 ? null : `cmd-${seq}`, at }, center, records: [] };
  });
}

describe.each(DIALECTS)('%s: the audit log as a hash chain', (dialect) => {
  let db: TempDatabase;
  let repos: ReturnType<typeof createRepositories>;
  let activities: ReturnType<typeof createActivities>;
  const write = async (centerId: string, n: number) => {
    for (const t of transitions(centerId, n)) expect(await activities.persistTransition(t)).toMatchObject({ written: true });
  };

  beforeAll(async () => {
    db = await tempDatabase('centers-chain-', dialect);
    repos = createRepositories(db.knex);
    activities = createActivities({ knex: db.knex });
  });
  afterAll(() => removeTempDatabase(db));

  it('each row links to the one before it, from GENESIS, across cycles; a retried transition adds nothing and the chain holds', async () => {
    await write('c-clean', 8);
    // An activity retry (or a worker killed after the commit) writes the same transition again.
    expect(await activities.persistTransition(transitions('c-clean', 8)[4])).toMatchObject({ written: false });
    const chain = await repos.auditChain('c-clean');
    expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(chain[0].prevHash).toBe(GENESIS);
    chain.slice(1).forEach((r, i) => expect(r.prevHash).toBe(chain[i].hash));
    expect(new Set(chain.map((r) => r.hash)).size).toBe(8);
    expect(await verifyCenter(repos, 'c-clean')).toEqual({ centerId: 'c-clean', rows: 8, lastSeq: 8, expectedLastSeq: 8, clean: true, broken: null });
  });

  it('a transition persisted late (after the next one) takes its place in the chain: the rows after it are linked again', async () => {
    const [t1, t2, t3, t4] = transitions('c-late', 4);
    for (const t of [t1, t2, t4, t3]) await activities.persistTransition(t);
    expect(await verifyCenter(repos, 'c-late')).toMatchObject({ rows: 4, clean: true });
  });

  it('names an edited row (any field, the time included) as the first broken link', async () => {
    await write('c-edited', 6);
    await db.knex(TableName.AuditLog).where({ center_id: 'c-edited', seq: 4 }).update({ actor_id: 'someone-else' });
    await db.knex(TableName.AuditLog).where({ center_id: 'c-edited', seq: 5 }).update({ at: '2026-03-06T09:00:00.000Z' });
    const r = await verifyCenter(repos, 'c-edited');
    expect(r).toMatchObject({ clean: false, broken: { kind: 'edited', seq: 4 } });
    expect(describeBrokenLink('c-edited', r.broken!)).toMatch(/^c-edited: audit row seq 4 was changed after it was written/);
  });

  it('names a deleted row by the row after it, which no longer links to the one before', async () => {
    await write('c-deleted', 6);
    await db.knex(TableName.AuditLog).where({ center_id: 'c-deleted', seq: 3 }).delete();
    const r = await verifyCenter(repos, 'c-deleted');
    expect(r).toMatchObject({ clean: false, broken: { kind: 'unlinked', seq: 4, previousSeq: 2 } });
    expect(describeBrokenLink('c-deleted', r.broken!)).toMatch(/row seq 4 does not link to row seq 2 before it: a row between them was deleted/);
  });

  it("names the newest rows deleted: the chain ends before the center's last transition", async () => {
    await write('c-truncated', 6);
    await db.knex(TableName.AuditLog).where({ center_id: 'c-truncated' }).andWhere('seq', '>', 4).delete();
    expect(await verifyCenter(repos, 'c-truncated')).toMatchObject({ clean: false, lastSeq: 4, expectedLastSeq: 6, broken: { kind: 'truncated', seq: 6, expected: 6, actual: 4 } });
    // Every row gone: the center's read-model row still says there were six.
    await db.knex(TableName.AuditLog).where({ center_id: 'c-truncated' }).delete();
    expect(await verifyCenter(repos, 'c-truncated')).toMatchObject({ rows: 0, broken: { kind: 'truncated', actual: null } });
  });

  it('names a forged row, inserted without the chain (or with a link it cannot know)', async () => {
    await write('c-forged', 4);
    const forged = { center_id: 'c-forged', cycle: 1, from_state: 's4', event: 'GRANT_FUNDING', to_state: 's4', actor_id: 'operator-1', actor_role: 'commission', actor_org_id: null, command_id: 'cmd-forged', at: '2026-03-09T08:00:00.000Z' };
    await db.knex(TableName.AuditLog).insert({ ...forged, seq: 5 });
    expect(await verifyCenter(repos, 'c-forged')).toMatchObject({ broken: { kind: 'unlinked', seq: 5, actual: null } });
    // Linked to the true head, but hashed without knowing the chain's content rule: its hash is not its content's.
    const head = (await repos.auditChain('c-forged'))[3].hash!;
    await db.knex(TableName.AuditLog).where({ center_id: 'c-forged', seq: 5 }).update({ prev_hash: head, hash: 'f'.repeat(64) });
    expect(await verifyCenter(repos, 'c-forged')).toMatchObject({ broken: { kind: 'edited', seq: 5 } });
  });

  it('--all covers every center of the database, the broken ones named', async () => {
    const results = await verifyAll(repos);
    expect(results.map((r) => [r.centerId, r.clean, r.broken?.kind ?? null])).toEqual([
      ['c-clean', true, null],
      ['c-deleted', false, 'unlinked'],
      ['c-edited', false, 'edited'],
      ['c-forged', false, 'edited'],
      ['c-late', true, null],
      ['c-truncated', false, 'truncated'],
    ]);
  });

  it('the chain migration chains the rows already there, so a database migrated with history verifies clean', async () => {
    await write('c-before', 5);
    await db.knex.migrate.down({ name: '20261204000100_audit_chain' });
    expect(Object.keys(await db.knex(TableName.AuditLog).columnInfo())).not.toContain('hash');
    await db.knex.migrate.latest();
    expect(await verifyCenter(repos, 'c-before')).toMatchObject({ rows: 5, clean: true });
    // The rows are chained as the activity chains them: the same hashes.
    const fresh = await tempDatabase('centers-chain-fresh-', dialect);
    try {
      for (const t of transitions('c-before', 5)) await createActivities({ knex: fresh.knex }).persistTransition(t);
      expect((await createRepositories(fresh.knex).auditChain('c-before')).map((r) => r.hash)).toEqual((await repos.auditChain('c-before')).map((r) => r.hash));
    } finally {
      await removeTempDatabase(fresh);
    }
  });
});
