import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistErrorType } from '../../activities';
import type { Actor } from '../../machines/domain';
import type { CenterRow, DomainRecord, PersistTransitionInput } from '../../machines/records.types';
import { commission, university } from '../helpers/fixtures';
import { DIALECTS, testDatabase } from '../helpers/database';

const CENTER = 'bjut-call-2026';
const OTHER = 'tsinghua-call-2026';
const bjut = university('bjut');
const scheduler: Actor = { id: 'deadline-round', role: 'scheduler' };

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const center = (centerId: string, over: Partial<CenterRow> = {}): CenterRow => ({
  centerId,
  workflowId: `center-${centerId}`,
  universityId: centerId.split('-')[0],
  callId: 'call-2026',
  state: 'building.rectification',
  cycle: 1,
  tier: 'B',
  nameZh: null,
  nameEn: null,
  establishedAt: '2026-03-10T08:00:00.000Z',
  nextDeadlineAt: null,
  updatedAt: '2026-03-10T08:00:00.000Z',
  ...over,
});

/** One transition of `centerId` at audit `seq`, carrying `records`. */
function transition(seq: number, event: string, actor: Actor, records: DomainRecord[], centerId = CENTER): PersistTransitionInput {
  const at = `2028-0${Math.min(seq, 9)}-01T08:00:00.000Z`;
  return {
    audit: { centerId, cycle: 1, seq, fromState: 'building.evaluation', event, toState: 'building.rectification', actor, commandId: `cmd-${centerId}-${seq}`, at },
    center: center(centerId, { updatedAt: at }),
    records,
  };
}

// ── records ─────────────────────────────────────────────────────────────────────────────────────────────────────
const notice = (over: Partial<RecordOf<'notice'>> = {}): RecordOf<'notice'> => ({
  kind: 'notice',
  centerId: CENTER,
  noticeId: 'midTerm:1-notice',
  evaluationId: 'midTerm:1',
  grade: 'unqualified',
  reasons: 'weighted score 52.4: no professional services to speak of',
  publishedAt: '2028-06-01T08:00:00.000Z',
  ...over,
});

const extension = { from: '2028-11-28T08:00:00.000Z', to: '2029-01-27T08:00:00.000Z', reason: 'inspection postponed by the commission', at: '2028-11-01T08:00:00.000Z', by: commission.id };
const rectification = (over: Partial<RecordOf<'rectification'>> = {}): RecordOf<'rectification'> => ({
  kind: 'rectification',
  centerId: CENTER,
  noticeId: 'midTerm:1-notice',
  status: 'open',
  dueAt: '2028-11-28T08:00:00.000Z',
  extensions: [],
  report: null,
  reportSubmittedAt: null,
  closedAt: null,
  ...over,
});
const extended = rectification({ dueAt: extension.to, extensions: [extension] });
const reported = rectification({ status: 'reported', dueAt: extension.to, extensions: [extension], report: 'hired three patent agents', reportSubmittedAt: '2028-12-15T08:00:00.000Z' });
const passed = rectification({ ...reported, status: 'passed', closedAt: '2029-03-01T08:00:00.000Z' });
const lapsed = rectification({ status: 'lapsed', closedAt: '2028-11-28T08:00:00.000Z' });

const supportStopped: RecordOf<'supportStopped'> = {
  kind: 'supportStopped',
  centerId: CENTER,
  reason: 'the rectification deadline 2028-11-28T08:00:00.000Z passed with no rectification report',
  stoppedAt: '2028-11-28T08:00:00.000Z',
};

const strip = <T extends { kind: string }>({ kind: _kind, ...rest }: T): Omit<T, 'kind'> => rest;

// ── database per test ───────────────────────────────────────────────────────────────────────────────────────────
// Every test on SQLite and on PostgreSQL (test/helpers/postgres.ts).
describe.each(DIALECTS)('%s', (dialect) => {
  const db = testDatabase('centers-rectification-', dialect);
  beforeEach(db.open);
  afterEach(db.close);
  const { persistAll } = db;

  // ── the records ─────────────────────────────────────────────────────────────────────────────────────────────────
  describe('Art. 19 — the public notice of an unqualified grade', () => {
    it('lands in notices, in the record’s own shape', async () => {
      await persistAll(transition(1, 'ASSESS', commission, [notice()]));
      expect(await db.repos.notices({ centerId: CENTER })).toEqual([strip(notice())]);
    });

    it('anyone may list every center’s notices, in the order they were published; a center’s alone with the filter', async () => {
      await persistAll(
        transition(1, 'ASSESS', commission, [notice({ noticeId: 'reEvaluation:1-notice', evaluationId: 'reEvaluation:1', publishedAt: '2029-03-01T08:00:00.000Z' })]),
        transition(1, 'ASSESS', commission, [notice({ centerId: OTHER, publishedAt: '2028-07-01T08:00:00.000Z' })], OTHER),
        transition(2, 'ASSESS', commission, [notice()]),
      );
      expect((await db.repos.notices()).map((n) => [n.centerId, n.noticeId])).toEqual([
        [CENTER, 'midTerm:1-notice'],
        [OTHER, 'midTerm:1-notice'],
        [CENTER, 'reEvaluation:1-notice'],
      ]);
      expect((await db.repos.notices({ centerId: OTHER })).map((n) => n.publishedAt)).toEqual(['2028-07-01T08:00:00.000Z']);
      expect(await db.repos.notices({ centerId: 'nobody' })).toEqual([]);
    });

    it('is sent to the university: the same transaction writes a pending outbox row addressed to it, once (issue 14 item 6)', async () => {
      await persistAll(transition(1, 'ASSESS', commission, [notice()]), transition(2, 'ASSESS', commission, [notice({ reasons: 'changed' })]));
      expect(await db.repos.notifications({ centerId: CENTER })).toEqual([
        {
          centerId: CENTER,
          key: 'notice:midTerm:1-notice',
          recipientRole: 'university',
          recipientId: null,
          notice: 'publicNotice',
          subject: 'grade unqualified, evaluation midTerm:1 (Art. 19)',
          dueAt: '2028-06-01T08:00:00.000Z',
          createdAt: '2028-06-01T08:00:00.000Z',
          status: 'pending',
          deliveredAt: null,
        },
      ]);
    });

    it('a notice published again is not duplicated, nor rewritten', async () => {
      await persistAll(transition(1, 'ASSESS', commission, [notice()]), transition(2, 'ASSESS', commission, [notice({ reasons: 'changed' })]));
      expect(await db.repos.notices()).toEqual([strip(notice())]);
    });
  });

  describe('Art. 19 — the rectification moves forward only', () => {
    const opened = transition(1, 'ASSESS', commission, [notice(), rectification()]);
    const extendedAt2 = transition(2, 'EXTEND_RECTIFICATION', commission, [extended]);
    const reportedAt3 = transition(3, 'SUBMIT_RECTIFICATION', bjut, [reported]);
    const passedAt4 = transition(4, 'ASSESS', commission, [passed]);

    it('lands with the notice that opens it, and is upserted at each step, extensions parsed', async () => {
      await persistAll(opened);
      expect(await db.repos.rectifications(CENTER)).toEqual([{ ...strip(rectification()), updatedSeq: 1 }]);
      await persistAll(extendedAt2, reportedAt3, passedAt4);
      const [row] = await db.repos.rectifications(CENTER);
      expect(row).toEqual({ ...strip(passed), updatedSeq: 4 });
      expect(row.extensions).toEqual([extension]);
      expect(await db.counts()).toMatchObject({ notices: 1, rectifications: 1 });
      expect(await db.repos.rectifications(OTHER)).toEqual([]);
    });

    it('an older transition persisted late never overwrites a newer status', async () => {
      await persistAll(opened, passedAt4, reportedAt3, extendedAt2);
      expect(await db.repos.rectifications(CENTER)).toEqual([{ ...strip(passed), updatedSeq: 4 }]);
    });

    it('a late retry of the opening transition does not reopen a lapsed rectification', async () => {
      await persistAll(opened, transition(3, 'DEADLINE_REACHED', scheduler, [lapsed, supportStopped]));
      expect(await db.activities.persistTransition(opened)).toEqual({ written: false, audit: opened.audit });
      await persistAll(extendedAt2);
      expect(await db.repos.rectifications(CENTER)).toMatchObject([{ status: 'lapsed', extensions: [], closedAt: lapsed.closedAt, updatedSeq: 3 }]);
    });

    it('an older transition persisted first is overwritten by the newer one', async () => {
      await persistAll(transition(1, 'ASSESS', commission, [notice()]), reportedAt3, extendedAt2);
      expect(await db.repos.rectifications(CENTER)).toMatchObject([{ status: 'reported', updatedSeq: 3 }]);
    });

    it('within one transition, the later record of the same rectification wins', async () => {
      await persistAll(transition(1, 'ASSESS', commission, [notice(), rectification(), extended]));
      expect(await db.repos.rectifications(CENTER)).toMatchObject([{ status: 'open', dueAt: extension.to, extensions: [extension], updatedSeq: 1 }]);
    });

    it('lists a center’s rectifications in the order their notices were published', async () => {
      const second = { noticeId: 'reEvaluation:1-notice', evaluationId: 'reEvaluation:1', publishedAt: '2029-03-01T08:00:00.000Z' };
      await persistAll(
        transition(1, 'ASSESS', commission, [notice(second), rectification({ noticeId: second.noticeId, dueAt: '2029-08-28T08:00:00.000Z' })]),
        transition(2, 'ASSESS', commission, [notice(), rectification()]),
      );
      expect((await db.repos.rectifications(CENTER)).map((r) => r.noticeId)).toEqual(['midTerm:1-notice', 'reEvaluation:1-notice']);
    });

    it('a rectification whose notice is not persisted yet is retryable and leaves nothing behind', async () => {
      await expect(db.activities.persistTransition(extendedAt2)).rejects.toMatchObject({ type: PersistErrorType.PrerequisiteMissing, nonRetryable: false });
      expect(await db.counts()).toMatchObject({ audit_log: 0, centers: 0, rectifications: 0 });
      await persistAll(opened, extendedAt2);
      expect(await db.repos.rectifications(CENTER)).toMatchObject([{ extensions: [extension], updatedSeq: 2 }]);
    });

    it('a rectification with an impossible status is refused as non-retryable', async () => {
      const bad = transition(1, 'ASSESS', commission, [notice(), rectification({ status: 'closed' as never })]);
      await expect(db.activities.persistTransition(bad)).rejects.toMatchObject({ type: PersistErrorType.InvalidInput, nonRetryable: true });
      expect(await db.counts()).toMatchObject({ audit_log: 0, notices: 0, rectifications: 0 });
    });
  });

  describe('Art. 19 — support stopped is recorded once', () => {
    it('lands in support_stops with its reason and date; a second record of it changes nothing', async () => {
      expect(await db.repos.supportStop(CENTER)).toBeUndefined();
      await persistAll(
        transition(1, 'DEADLINE_REACHED', scheduler, [supportStopped]),
        transition(2, 'STOP_SUPPORT', commission, [{ ...supportStopped, reason: 'stopped again', stoppedAt: '2028-12-01T08:00:00.000Z' }]),
      );
      expect(await db.repos.supportStop(CENTER)).toEqual(strip(supportStopped));
      expect(await db.repos.supportStop(OTHER)).toBeUndefined();
      expect(await db.counts()).toMatchObject({ support_stops: 1 });
    });
  });

  describe('SPEC §3 "Idempotency" — every Art. 19 record is written once, whatever the retries', () => {
    const everything = transition(1, 'DEADLINE_REACHED', scheduler, [notice(), rectification(), lapsed, supportStopped]);
    const ONCE = { audit_log: 1, centers: 1, notices: 1, rectifications: 1, support_stops: 1 };

    it('the same input twice writes its rows once', async () => {
      expect(await db.activities.persistTransition(everything)).toEqual({ written: true, audit: everything.audit });
      expect(await db.activities.persistTransition(everything)).toEqual({ written: false, audit: everything.audit });
      expect(await db.counts()).toMatchObject(ONCE);
      expect(await db.repos.rectifications(CENTER)).toEqual([{ ...strip(lapsed), updatedSeq: 1 }]);
    });

    it('the same input concurrently, through one connection or two, writes its rows once', async () => {
      const second = db.otherWorker();
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? second : db.activities).persistTransition(everything)));
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(await db.counts()).toMatchObject(ONCE);
      expect(await db.repos.notices()).toEqual([strip(notice())]);
      expect(await db.repos.supportStop(CENTER)).toEqual(strip(supportStopped));
    });
  });

  describe('Art. 6, 8(7): director and staff changes', () => {
    const change = (over: Partial<RecordOf<'organisationChange'>> = {}): RecordOf<'organisationChange'> => ({
      kind: 'organisationChange',
      centerId: CENTER,
      changeId: 'org-1',
      change: 'staff',
      details: [{ name: 'Li Na', fullTime: true, background: 'techTransfer' }],
      effectiveOn: '2028-05-01',
      reason: 'Two staff left',
      belowStaffMinimum: true,
      recordedAt: '2028-05-02T08:00:00.000Z',
      recordedBy: bjut.id,
      ...over,
    });

    it('lands in organisation_changes with its details and the staff-minimum flag; a replay adds nothing', async () => {
      const input = transition(1, 'RECORD_STAFF_CHANGE', bjut, [change()]);
      expect(await db.activities.persistTransition(input)).toEqual({ written: true, audit: input.audit });
      expect(await db.activities.persistTransition(input)).toEqual({ written: false, audit: input.audit });
      const rows = await db.repos.organisationChanges(CENTER);
      expect(rows).toEqual([{ ...change(), kind: undefined }].map(({ kind: _k, ...r }) => r));
      expect(rows[0].belowStaffMinimum).toBe(true);
    });
  });
});
