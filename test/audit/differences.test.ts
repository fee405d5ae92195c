/**
 * SPEC §4 "Auditors", without a server: how a reconciliation names differences, and when the audit commands exit
 * non-zero (6: a run that does not replay, or any difference).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_FAILED_EXIT_CODE, auditExitCode, describeDifference, reconcile, type ReplayOutcome, type TimelineEntry } from '../../client/audit';
import { main, type Io } from '../../client/cli';
import type { AuditRow } from '../../machines/records.types';

const row = (seq: number, over: Partial<AuditRow> = {}): AuditRow => ({
  centerId: 'bjut.call-2026',
  cycle: 1,
  seq,
  fromState: 'application.inReview',
  event: 'SUBMIT_REVIEW',
  toState: 'application.inReview',
  actor: { id: `expert-${seq}`, role: 'expert', orgId: 'pku' },
  commandId: `cmd-${seq}-0000`,
  at: `2026-11-26T09:00:0${seq % 10}.000Z`,
  ...over,
});
const entry = (seq: number, over: Partial<AuditRow> = {}): TimelineEntry => ({ ...row(seq, over), runId: 'run-1', eventId: 10 * seq, persisted: 'completed' });
const ok: ReplayOutcome = { workflowId: 'center-bjut', runId: 'run-1', ok: true, error: null };

describe('reconcile: the history-derived timeline against the audit rows', () => {
  it('is clean when every transition has its row, field for field', () => {
    const r = reconcile({ centerId: 'bjut.call-2026', timeline: [entry(1), entry(2)], rows: [row(1), row(2)] });
    expect(r).toMatchObject({ clean: true, matched: 2, historyTransitions: 2, databaseRows: 2, differences: [] });
  });

  it('compares times as instants: the same time spelled otherwise by a database is no difference', () => {
    const r = reconcile({ centerId: 'c', timeline: [entry(1, { at: '2026-11-26T09:00:01.000Z' })], rows: [row(1, { at: '2026-11-26T09:00:01Z' })] });
    expect(r.clean).toBe(true);
  });

  it('names missing, extra and altered rows, in sequence order, each altered field with both values', () => {
    const r = reconcile({
      centerId: 'c',
      timeline: [entry(1), entry(2), entry(3)],
      rows: [row(1, { event: 'APPROVE', actor: { id: 'x', role: 'commission' }, commandId: null }), row(3), row(7)],
    });
    expect(r.differences.map((d) => [d.kind, d.seq])).toEqual([
      ['altered', 1],
      ['missing', 2],
      ['extra', 7],
    ]);
    expect(r.differences[0]).toMatchObject({
      fields: [
        { field: 'event', history: 'SUBMIT_REVIEW', database: 'APPROVE' },
        { field: 'actor', history: 'expert:expert-1@pku', database: 'commission:x' },
        { field: 'commandId', history: 'cmd-1-0000', database: null },
      ],
    });
    expect(r.differences.map(describeDifference)).toEqual([
      'seq 1 altered: event is "APPROVE" in the database but "SUBMIT_REVIEW" in the history; actor is "commission:x" in the database but "expert:expert-1@pku" in the history; commandId is null in the database but "cmd-1-0000" in the history',
      'seq 2 missing from the database: the history has SUBMIT_REVIEW application.inReview → application.inReview by expert:expert-2@pku at 2026-11-26T09:00:02.000Z (run run-1, event 20)',
      'seq 7 extra in the database: SUBMIT_REVIEW application.inReview → application.inReview by expert:expert-7@pku at 2026-11-26T09:00:07.000Z is in no run of the history',
    ]);
  });

  it('says when a missing row belongs to a transition whose persistence has not completed yet', () => {
    const r = reconcile({ centerId: 'c', timeline: [{ ...entry(1), persisted: 'pending' }], rows: [] });
    expect(describeDifference(r.differences[0])).toMatch(/its persistTransition activity has not completed yet$/);
  });

  it('names a sequence number the history uses twice', () => {
    const r = reconcile({ centerId: 'c', timeline: [entry(1), entry(1, { event: 'APPROVE' })], rows: [row(1)] });
    expect(r.differences).toMatchObject([{ kind: 'duplicate', seq: 1 }]);
  });
});

describe('the audit exit code', () => {
  const clean = reconcile({ centerId: 'c', timeline: [entry(1)], rows: [row(1)] });
  const differs = reconcile({ centerId: 'c', timeline: [entry(1)], rows: [] });

  it('is 0 when every run replays and every reconciliation is clean', () => {
    expect(auditExitCode({ replay: [ok, ok], reconciliations: [clean] })).toBe(0);
    expect(auditExitCode({})).toBe(0);
  });

  it(`is ${AUDIT_FAILED_EXIT_CODE} on a run that does not replay`, () => {
    const bad: ReplayOutcome = { ...ok, ok: false, error: { kind: 'nondeterminism', name: 'DeterminismViolationError', message: 'Nondeterminism error' } };
    expect(auditExitCode({ replay: [ok, bad] })).toBe(6);
  });

  it(`is ${AUDIT_FAILED_EXIT_CODE} on any difference, or a center that could not be reconciled`, () => {
    expect(auditExitCode({ reconciliations: [clean, differs] })).toBe(6);
    expect(auditExitCode({ reconciliations: [{ ...clean, clean: false, error: 'No workflow center-x' }] })).toBe(6);
  });
});

describe('the audit commands on the command line', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    const sink: Io = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env: {} };
    return { out, sink };
  };

  it('refuse a center together with --file or --all, and neither (exit 2)', async () => {
    for (const argv of [
      ['audit', 'replay', 'bjut', '--file', 'history.json'],
      ['audit', 'replay'],
      ['audit', 'reconcile', 'bjut', '--all'],
      ['audit', 'reconcile'],
      ['audit', 'replay', 'bjut', 'ncut'],
    ]) {
      const { out, sink } = io();
      expect(await main(argv, sink), argv.join(' ')).toBe(2);
      expect(out.stderr).toMatch(/not both|Give a center|takes \[<center>\]/);
    }
  });

  it('replays an exported history file with no server at all', async () => {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/histories/ineligible-run1.json');
    const { out, sink } = io();
    expect(await main(['audit', 'replay', '--file', file, '--json'], sink), out.stderr).toBe(0);
    const data = JSON.parse(out.stdout);
    expect(data).toMatchObject({ source: 'file', workflowId: 'center-buaa', deterministic: true });
    expect(data.timeline.at(-1)).toMatchObject({ event: 'DEADLINE_REACHED', fromState: 'application.ineligible', toState: 'closed.ineligible' });
  });

  it('says which file is not a history (exit 2)', async () => {
    const { out, sink } = io();
    expect(await main(['audit', 'replay', '--file', fileURLToPath(import.meta.url)], sink)).toBe(2);
    expect(out.stderr).toMatch(/is not valid JSON/);
  });
});
