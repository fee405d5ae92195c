import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistErrorType } from '../../activities';
import type { Actor } from '../../machines/domain';
import type { CallEventInput, CenterRow, ConditionResult, DomainRecord, PersistTransitionInput } from '../../machines/records.types';
import { application, commission, experts, university } from '../helpers/fixtures';
import { DIALECTS, testDatabase } from '../helpers/database';

const CENTER = 'bjut-call-2026';
const panel = experts('pku', 3);

const center = (over: Partial<CenterRow> = {}): CenterRow => ({
  centerId: CENTER,
  workflowId: `center-${CENTER}`,
  universityId: 'bjut',
  callId: 'call-2026',
  state: 'application.submitted',
  cycle: 0,
  tier: null,
  nameZh: null,
  nameEn: null,
  establishedAt: null,
  nextDeadlineAt: null,
  updatedAt: '2026-03-01T08:00:00.000Z',
  ...over,
});

const conditions: ConditionResult[] = [1, 2, 3, 4, 5, 6, 7].map((condition) => ({
  condition,
  key: `condition${condition}`,
  passed: condition !== 7,
  reason: condition === 7 ? 'only two full-time professional staff, three are required' : '',
}));

function transition(seq: number, fromState: string, event: string, toState: string, actor: Actor, records: DomainRecord[], at: string): PersistTransitionInput {
  return {
    audit: { centerId: CENTER, cycle: 0, seq, fromState, event, toState, actor, commandId: `cmd-${seq}`, at },
    center: center({ state: toState, updatedAt: at }),
    records,
  };
}

/** Art. 8–9: submit (with the eligibility check), assign experts, one review, approve. */
const submitted = transition(
  1,
  'application.draft',
  'SUBMIT_APPLICATION',
  'application.ineligible',
  university('bjut'),
  [
    { kind: 'application', centerId: CENTER, callId: 'call-2026', universityId: 'bjut', version: 1, application: application('bjut'), submittedAt: '2026-03-01T08:00:00.000Z' },
    { kind: 'eligibility', centerId: CENTER, version: 1, results: conditions, checkedAt: '2026-03-01T08:00:00.000Z' },
  ],
  '2026-03-01T08:00:00.000Z',
);
const assigned = transition(
  2,
  'application.eligible',
  'ASSIGN_EXPERTS',
  'application.inReview',
  commission,
  [{ kind: 'expertAssignment', centerId: CENTER, stage: 'application', experts: panel, assignedAt: '2026-03-05T08:00:00.000Z', assignedBy: commission.id }],
  '2026-03-05T08:00:00.000Z',
);
const reviewed = transition(
  3,
  'application.inReview',
  'SUBMIT_REVIEW',
  'application.inReview',
  { id: panel[0].id, role: 'expert', orgId: panel[0].orgId },
  [
    {
      kind: 'review',
      centerId: CENTER,
      stage: 'application',
      expertId: panel[0].id,
      review: { score: 88.5, recommendation: 'approve', opinion: 'A strong transfer record.' },
      submittedAt: '2026-03-06T08:00:00.000Z',
    },
  ],
  '2026-03-06T08:00:00.000Z',
);
const approved: PersistTransitionInput = {
  ...transition(
    4,
    'application.awaitingDecision',
    'APPROVE',
    'building',
    commission,
    [{ kind: 'decision', centerId: CENTER, outcome: 'approved', reason: 'best of the call', decidedAt: '2026-03-10T08:00:00.000Z', decidedBy: commission.id }],
    '2026-03-10T08:00:00.000Z',
  ),
};
approved.audit.cycle = 1;
approved.center = center({
  state: 'building',
  cycle: 1,
  tier: 'B',
  nameZh: '北京工业大学北京高校科技成果转移转化促进中心',
  nameEn: 'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
  establishedAt: '2026-03-10T08:00:00.000Z',
  nextDeadlineAt: '2027-03-10T08:00:00.000Z',
  updatedAt: '2026-03-10T08:00:00.000Z',
});

// Every test on SQLite and on PostgreSQL (test/helpers/postgres.ts).
describe.each(DIALECTS)('%s', (dialect) => {
  const db = testDatabase('centers-persist-', dialect);
  beforeEach(db.open);
  afterEach(db.close);

  const ROWS_AFTER_SUBMIT = { audit_log: 1, centers: 1, applications: 1, eligibility_results: 7 };

  describe('persistTransition — SPEC §3 "Audit": every transition is one audit row, with its records and the read model', () => {
    it('writes the audit row, every record and the center row', async () => {
      for (const input of [submitted, assigned, reviewed, approved]) {
        expect(await db.activities.persistTransition(input)).toEqual({ written: true, audit: input.audit });
      }

      const audit = await db.repos.auditLog(CENTER);
      expect(audit.map(({ id: _id, ...row }) => row)).toEqual([submitted, assigned, reviewed, approved].map((t) => t.audit));

      const [app] = await db.repos.applications(CENTER);
      expect(app).toEqual({ centerId: CENTER, callId: 'call-2026', universityId: 'bjut', version: 1, application: application('bjut'), submittedAt: '2026-03-01T08:00:00.000Z' });

      const eligibility = await db.repos.eligibility(CENTER, 1);
      expect(eligibility.map(({ condition, key, passed, reason }) => ({ condition, key, passed, reason }))).toEqual(conditions);
      expect(eligibility.filter((c) => !c.passed).map((c) => c.condition)).toEqual([7]);

      expect((await db.repos.assignments(CENTER, 'application')).map((a) => a.expert)).toEqual(panel);
      expect(await db.repos.reviews(CENTER)).toEqual([
        { centerId: CENTER, stage: 'application', expertId: panel[0].id, review: { score: 88.5, recommendation: 'approve', opinion: 'A strong transfer record.' }, submittedAt: '2026-03-06T08:00:00.000Z' },
      ]);
      expect(await db.repos.decision(CENTER)).toEqual({ centerId: CENTER, outcome: 'approved', reason: 'best of the call', decidedAt: '2026-03-10T08:00:00.000Z', decidedBy: commission.id });

      expect(await db.repos.getCenter(CENTER)).toEqual({ ...approved.center, lastSeq: 4 });
      expect(await db.repos.listCenters({ state: 'building', universityId: 'bjut', callId: 'call-2026' })).toHaveLength(1);
      expect(await db.repos.listCenters({ state: 'application' })).toEqual([]);
    });

    it('lists centers by parent state', async () => {
      await db.activities.persistTransition(submitted);
      expect((await db.repos.listCenters({ state: 'application' })).map((c) => c.centerId)).toEqual([CENTER]);
      expect((await db.repos.listCenters({ state: 'application.ineligible' })).map((c) => c.centerId)).toEqual([CENTER]);
      expect(await db.repos.listCenters({ state: 'applic' })).toEqual([]);
    });

    it('keeps assignments and reviews of later stages apart from the application review (Art. 18 reuses them)', async () => {
      await db.activities.persistTransition(assigned);
      const midTerm = transition(
        5,
        'building',
        'ASSIGN_EVALUATION_EXPERTS',
        'building',
        commission,
        [{ kind: 'expertAssignment', centerId: CENTER, stage: 'midTerm:1', experts: panel.slice(0, 2), assignedAt: '2028-03-10T08:00:00.000Z', assignedBy: commission.id }],
        '2028-03-10T08:00:00.000Z',
      );
      await db.activities.persistTransition(midTerm);
      expect(await db.repos.assignments(CENTER, 'application')).toHaveLength(3);
      expect(await db.repos.assignments(CENTER, 'midTerm:1')).toHaveLength(2);
      expect(await db.repos.assignments(CENTER)).toHaveLength(5);
    });
  });

  describe('persistTransition — SPEC §3 "Idempotency": a retried activity writes its rows once', () => {
    it('the same input twice writes its rows once', async () => {
      expect(await db.activities.persistTransition(submitted)).toEqual({ written: true, audit: submitted.audit });
      expect(await db.activities.persistTransition(submitted)).toEqual({ written: false, audit: submitted.audit });
      expect(await db.counts()).toMatchObject(ROWS_AFTER_SUBMIT);
    });

    it('the same transition run again later (its workflow task lost with a killed worker) answers the time it was first written with', async () => {
      await db.activities.persistTransition(submitted);
      const later = new Date(Date.parse(submitted.audit.at) + 10_000).toISOString();
      const again = { ...submitted, audit: { ...submitted.audit, at: later }, center: { ...submitted.center, updatedAt: later } };
      expect(await db.activities.persistTransition(again)).toEqual({ written: false, audit: submitted.audit });
      expect((await db.repos.auditLog(CENTER)).map((a) => a.at)).toEqual([submitted.audit.at]);
      // Another command at a used sequence number, even with the same event and states, is a conflict, never "already written".
      const other = { ...submitted, audit: { ...submitted.audit, commandId: 'another-command' } };
      await expect(db.activities.persistTransition(other)).rejects.toMatchObject({ type: PersistErrorType.SequenceConflict, nonRetryable: true });
      expect(await db.counts()).toMatchObject(ROWS_AFTER_SUBMIT);
    });

    it('two concurrent calls with the same input write once', async () => {
      const results = await Promise.all([db.activities.persistTransition(submitted), db.activities.persistTransition(submitted)]);
      expect(results.map((r) => r.written).sort()).toEqual([false, true]);
      // Written or not, each answers the audit row it was given (the local activity's result the history keeps).
      expect(results.map((r) => r.audit)).toEqual([submitted.audit, submitted.audit]);
      expect(await db.counts()).toMatchObject(ROWS_AFTER_SUBMIT);
    });

    it('two workers with their own connections racing on the same input write once', async () => {
      const second = db.otherWorker();
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => (i % 2 ? second : db.activities).persistTransition(submitted)),
      );
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(await db.counts()).toMatchObject(ROWS_AFTER_SUBMIT);
    });

    it('a transition persisted late (an older seq) writes its records but never rolls the center row back', async () => {
      await db.activities.persistTransition(submitted);
      await db.activities.persistTransition(reviewed);
      expect(await db.activities.persistTransition(assigned)).toEqual({ written: true, audit: assigned.audit });

      expect(await db.repos.assignments(CENTER)).toHaveLength(3);
      expect((await db.repos.auditLog(CENTER)).map((a) => a.seq)).toEqual([1, 2, 3]);
      expect(await db.repos.getCenter(CENTER)).toMatchObject({ state: reviewed.center.state, updatedAt: reviewed.center.updatedAt, lastSeq: 3 });
    });

    it('a different transition at a sequence number already used is refused as non-retryable, writing nothing', async () => {
      await db.activities.persistTransition(submitted);
      const diverged = { ...assigned, audit: { ...assigned.audit, seq: 1 } };
      await expect(db.activities.persistTransition(diverged)).rejects.toMatchObject({ type: PersistErrorType.SequenceConflict, nonRetryable: true });
      expect(await db.counts()).toMatchObject({ ...ROWS_AFTER_SUBMIT, expert_assignments: 0 });
    });

    it('an unknown record kind is refused as non-retryable, and the transaction writes nothing', async () => {
      const unknown = { ...assigned, records: [...assigned.records, { kind: 'funding', centerId: CENTER } as unknown as DomainRecord] };
      await expect(db.activities.persistTransition(unknown)).rejects.toMatchObject({ type: PersistErrorType.UnknownRecordKind, nonRetryable: true });
      expect(await db.counts()).toMatchObject({ audit_log: 0, centers: 0, expert_assignments: 0 });
    });

    it('a record of another center, or a row its table rejects, is refused as non-retryable', async () => {
      const foreign = { ...assigned, records: [{ ...assigned.records[0], centerId: 'other-center' }] };
      await expect(db.activities.persistTransition(foreign)).rejects.toMatchObject({ type: PersistErrorType.InvalidInput, nonRetryable: true });
      const badScore = { ...reviewed, records: [{ ...(reviewed.records[0] as Extract<DomainRecord, { kind: 'review' }>), review: { score: 140, recommendation: 'approve' as const, opinion: 'x' } }] };
      await expect(db.activities.persistTransition(badScore)).rejects.toMatchObject({ type: PersistErrorType.InvalidInput, nonRetryable: true });
      expect(await db.counts()).toMatchObject({ audit_log: 0, centers: 0, reviews: 0 });
    });
  });

  describe('persistCallEvent — Art. 7, 9: the call and its events, written once each', () => {
    const call = { callId: 'call-2026', title: '2026 call for promotion centers', opensAt: '2026-01-01T00:00:00.000Z', closesAt: '2026-06-30T00:00:00.000Z', quota: 2 };
    const opened: CallEventInput = { callId: 'call-2026', seq: 1, kind: 'opened', call: { ...call, status: 'open', approvedCount: 0 }, reason: null, actor: commission, commandId: 'cmd-open', at: '2026-01-01T00:00:00.000Z' };
    const raised: CallEventInput = { ...opened, seq: 2, kind: 'quotaRaised', call: { ...opened.call, quota: 3 }, reason: 'more strong applicants than expected', commandId: 'cmd-raise', at: '2026-02-01T00:00:00.000Z' };
    const reserved: CallEventInput = { ...opened, seq: 3, kind: 'slotReserved', call: { ...raised.call, approvedCount: 1 }, actor: { id: 'call-workflow', role: 'scheduler' }, commandId: null, at: '2026-03-10T00:00:00.000Z' };

    it('writes the event and the call row', async () => {
      for (const e of [opened, raised, reserved]) expect(await db.activities.persistCallEvent(e)).toEqual({ written: true });
      expect(await db.repos.callEvents('call-2026')).toEqual([opened, raised, reserved]);
      expect(await db.repos.getCall('call-2026')).toEqual({ ...call, quota: 3, status: 'open', approvedCount: 1, lastSeq: 3, createdAt: opened.at, updatedAt: reserved.at });
      expect((await db.repos.listCalls()).map((c) => c.callId)).toEqual(['call-2026']);
    });

    it('the same event twice, or twice at once, writes once', async () => {
      expect(await db.activities.persistCallEvent(opened)).toEqual({ written: true });
      expect(await db.activities.persistCallEvent(opened)).toEqual({ written: false });
      const results = await Promise.all([db.activities.persistCallEvent(raised), db.activities.persistCallEvent(raised)]);
      expect(results.map((r) => r.written).sort()).toEqual([false, true]);
      expect(await db.counts()).toMatchObject({ call_events: 2, calls: 1 });
    });

    it('an older event persisted late never rolls the call row back', async () => {
      await db.activities.persistCallEvent(opened);
      await db.activities.persistCallEvent(reserved);
      expect(await db.activities.persistCallEvent(raised)).toEqual({ written: true });
      expect(await db.repos.getCall('call-2026')).toMatchObject({ approvedCount: 1, lastSeq: 3, updatedAt: reserved.at });
      expect((await db.repos.callEvents('call-2026')).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('a different event at a sequence number already used is refused as non-retryable', async () => {
      await db.activities.persistCallEvent(opened);
      await expect(db.activities.persistCallEvent({ ...raised, seq: 1 })).rejects.toMatchObject({ type: PersistErrorType.SequenceConflict, nonRetryable: true });
    });
  });
});
