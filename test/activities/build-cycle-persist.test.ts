import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistErrorType } from '../../activities';
import type { Actor, AnnualSummary, DimensionScores, FundingRequest } from '../../machines/domain';
import type { CenterRow, DomainRecord, PersistTransitionInput } from '../../machines/records.types';
import { commission, experts, university } from '../helpers/fixtures';
import { DIALECTS, testDatabase } from '../helpers/database';

const CENTER = 'bjut-call-2026';
const bjut = university('bjut');
const scheduler: Actor = { id: 'annual-round', role: 'scheduler' };
const [expert] = experts('pku', 1);

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const center = (over: Partial<CenterRow> = {}): CenterRow => ({
  centerId: CENTER,
  workflowId: `center-${CENTER}`,
  universityId: 'bjut',
  callId: 'call-2026',
  state: 'building',
  cycle: 1,
  tier: 'B',
  nameZh: null,
  nameEn: null,
  establishedAt: '2026-03-10T08:00:00.000Z',
  nextDeadlineAt: null,
  updatedAt: '2026-03-10T08:00:00.000Z',
  ...over,
});

/** One transition of the building state at audit `seq`, carrying `records`. */
function transition(seq: number, event: string, actor: Actor, records: DomainRecord[], at = `2026-04-${String(seq).padStart(2, '0')}T08:00:00.000Z`): PersistTransitionInput {
  return {
    audit: { centerId: CENTER, cycle: 1, seq, fromState: 'building', event, toState: 'building', actor, commandId: `cmd-${seq}`, at },
    center: center({ updatedAt: at }),
    records,
  };
}

// ── records ─────────────────────────────────────────────────────────────────────────────────────────────────────
const cycle: RecordOf<'cycle'> = { kind: 'cycle', centerId: CENTER, cycle: 1, tier: 'B', startedAt: '2026-03-10T08:00:00.000Z', endsAt: '2031-03-10T08:00:00.000Z' };

const promotion: FundingRequest = {
  kind: 'promotion',
  title: 'IP management platform, year 1',
  tasks: ['patent pre-application assessment service'],
  amountFen: 120_000_000,
  budgetLines: [
    { item: 'staff', amountFen: 80_000_000 },
    { item: 'equipment', amountFen: 40_000_000 },
  ],
  opinions: [],
};
const guidance: FundingRequest = {
  kind: 'guidance',
  title: 'Battery recycling pilot line',
  tasks: ['pilot line with an enterprise partner'],
  amountFen: 300_000_000,
  budgetLines: [],
  opinions: [{ from: 'Beijing Technology Exchange', kind: 'professionalBody', opinion: 'clear market prospects' }],
};
const request = (requestId: string, r: FundingRequest, year = 1, cycleNo = 1): RecordOf<'fundingRequest'> => ({
  kind: 'fundingRequest',
  centerId: CENTER,
  requestId,
  cycle: cycleNo,
  year,
  request: r,
  requestedAt: `2026-04-01T08:00:00.000Z`,
  requestedBy: bjut.id,
});
const decision = (
  requestId: string,
  status: RecordOf<'fundingDecision'>['status'],
  grantedFen: number | null,
  over: Partial<RecordOf<'fundingDecision'>> = {},
): RecordOf<'fundingDecision'> => ({
  kind: 'fundingDecision',
  centerId: CENTER,
  requestId,
  cycle: 1,
  year: 1,
  fundingKind: 'promotion',
  status,
  grantedFen,
  reason: status === 'granted' ? null : `${status} by the commission`,
  decidedAt: '2026-05-01T08:00:00.000Z',
  decidedBy: commission.id,
  ...over,
});

const indicators: AnnualSummary['indicators'] = {
  patentApplications: 40,
  patentGrants: 12,
  preApplicationAssessments: 30,
  transfers: {
    assignment: { count: 3, contractAmountFen: 5_000_000 },
    licence: { count: 2, contractAmountFen: 1_000_000 },
    equityInvestment: { count: 1, contractAmountFen: 20_000_000 },
    spinOff: { count: 0, contractAmountFen: 0 },
  },
  peopleTrained: 120,
};
const summaryDoc: AnnualSummary = {
  indicators,
  progress: {
    mechanismInnovation: 'reformed the results office',
    ipManagement: 'assessment before every application',
    talentTraining: 'two courses',
    resourceSharing: 'patent pool opened',
    professionalServices: 'legal clinic',
  },
};
const summary = (over: Partial<RecordOf<'annualSummary'>> = {}): RecordOf<'annualSummary'> => ({
  kind: 'annualSummary',
  centerId: CENTER,
  cycle: 1,
  year: 1,
  status: 'open',
  openedAt: '2027-03-10T08:00:00.000Z',
  dueAt: '2027-04-09T08:00:00.000Z',
  summary: null,
  submittedAt: null,
  submissions: 0,
  overdue: false,
  returnReason: null,
  acceptedAt: null,
  ...over,
});

const notification = (notice: RecordOf<'notification'>['notice'], key = 'summary:1:1'): RecordOf<'notification'> => ({
  kind: 'notification',
  centerId: CENTER,
  key,
  recipientRole: notice === 'escalation' ? 'commission' : 'university',
  notice,
  subject: `annual summary of cycle 1 year 1: ${notice}`,
  dueAt: '2027-04-09T08:00:00.000Z',
  createdAt: { reminder: '2027-04-02T08:00:00.000Z', overdue: '2027-04-09T08:00:00.000Z', escalation: '2027-04-16T08:00:00.000Z', publicNotice: '2027-04-16T08:00:00.000Z' }[notice],
});

const scores: DimensionScores = { mechanismInnovation: 85, ipManagement: 90, talentTraining: 80, resourceSharing: 75, professionalServices: 88 };
const evaluation = (over: Partial<RecordOf<'evaluation'>> = {}): RecordOf<'evaluation'> => ({
  kind: 'evaluation',
  centerId: CENTER,
  evaluationId: 'midTerm:1',
  evaluationKind: 'midTerm',
  cycle: 1,
  step: 'selfEvaluation',
  startedAt: '2028-03-10T08:00:00.000Z',
  selfEvaluation: null,
  inspection: null,
  score: null,
  computedGrade: null,
  grade: null,
  overrideReason: null,
  gradedAt: null,
  gradedBy: null,
  ...over,
});
const evaluationReview: RecordOf<'evaluationReview'> = {
  kind: 'evaluationReview',
  centerId: CENTER,
  stage: 'midTerm:1',
  expertId: expert.id,
  scores,
  weightedScore: 84.1,
  opinion: 'Solid progress on IP management.',
  submittedAt: '2028-05-01T08:00:00.000Z',
};
const incident: RecordOf<'integrityIncident'> = {
  kind: 'integrityIncident',
  centerId: CENTER,
  incidentId: 'incident-1',
  incident: { occurredOn: '2027-06-01', category: 'credit', description: 'a partner defaulted on a licence fee' },
  recordedAt: '2027-06-03T08:00:00.000Z',
  recordedBy: commission.id,
};

const { kind: _k1, ...cycleRow } = cycle;
const { kind: _k2, ...reviewRow } = evaluationReview;
const { kind: _k3, ...incidentRow } = incident;

// ── database per test ───────────────────────────────────────────────────────────────────────────────────────────
// Every test on SQLite and on PostgreSQL (test/helpers/postgres.ts).
describe.each(DIALECTS)('%s', (dialect) => {
  const db = testDatabase('centers-build-cycle-', dialect);
  beforeEach(db.open);
  afterEach(db.close);
  const { persistAll } = db;

  // ── the records ─────────────────────────────────────────────────────────────────────────────────────────────────
  describe('Art. 6, 19 — a build cycle is recorded once', () => {
    it('the cycle lands in cycles', async () => {
      await persistAll(transition(1, 'APPROVE', commission, [cycle]));
      expect(await db.repos.cycles(CENTER)).toEqual([cycleRow]);
    });

    it('a second transition carrying the same cycle does not duplicate it', async () => {
      await persistAll(transition(1, 'APPROVE', commission, [cycle]), transition(2, 'FIRE_DEADLINE', scheduler, [{ ...cycle, tier: 'A' }]));
      expect(await db.repos.cycles(CENTER)).toEqual([cycleRow]);
    });
  });

  describe('Art. 13–16 — funding requests, decisions and the ledger', () => {
    const requested = transition(1, 'REQUEST_FUNDING', bjut, [request('r1', promotion)]);
    const granted = transition(2, 'GRANT_FUNDING', commission, [decision('r1', 'granted', 100_000_000)]);

    it('a request lands pending, with its document', async () => {
      await persistAll(requested);
      expect(await db.repos.fundingRequests(CENTER)).toEqual([
        {
          centerId: CENTER,
          requestId: 'r1',
          cycle: 1,
          year: 1,
          kind: 'promotion',
          title: promotion.title,
          amountFen: promotion.amountFen,
          request: promotion,
          status: 'pending',
          grantedFen: null,
          reason: null,
          requestedAt: '2026-04-01T08:00:00.000Z',
          requestedBy: bjut.id,
          decidedAt: null,
          decidedBy: null,
          updatedSeq: 1,
        },
      ]);
      expect(await db.repos.ledger(CENTER)).toEqual([]);
    });

    it('a grant marks the request granted and writes one ledger row', async () => {
      await persistAll(requested, granted);
      expect(await db.repos.fundingRequests(CENTER)).toMatchObject([
        { requestId: 'r1', status: 'granted', grantedFen: 100_000_000, reason: null, decidedAt: '2026-05-01T08:00:00.000Z', decidedBy: commission.id },
      ]);
      expect(await db.repos.ledger(CENTER)).toEqual([
        { centerId: CENTER, cycle: 1, year: 1, requestId: 'r1', kind: 'promotion', amountFen: 100_000_000, grantedAt: '2026-05-01T08:00:00.000Z', grantedBy: commission.id },
      ]);
    });

    it('a grant retried, retried concurrently, or by two workers at once writes exactly one ledger row', async () => {
      await persistAll(requested, granted);
      expect(await db.activities.persistTransition(granted)).toEqual({ written: false, audit: granted.audit });
      const second = db.otherWorker();
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? second : db.activities).persistTransition(granted)));
      expect(results.every((r) => !r.written)).toBe(true);
      expect(await db.counts()).toMatchObject({ funding_requests: 1, funding_ledger: 1, audit_log: 2 });
    });

    it('a first grant racing with its own retry writes exactly one ledger row', async () => {
      await persistAll(requested);
      const results = await Promise.all([db.activities.persistTransition(granted), db.activities.persistTransition(granted), db.activities.persistTransition(granted)]);
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(await db.counts()).toMatchObject({ funding_ledger: 1 });
    });

    it('a second grant of the same request (another transition) neither changes the request nor adds money', async () => {
      await persistAll(requested, granted, transition(3, 'GRANT_FUNDING', commission, [decision('r1', 'granted', 120_000_000)]));
      expect(await db.repos.ledger(CENTER)).toMatchObject([{ requestId: 'r1', amountFen: 100_000_000 }]);
      expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'granted', grantedFen: 100_000_000 }]);
    });

    it('a decline writes no money, and a later grant of a declined request writes none either', async () => {
      await persistAll(
        requested,
        transition(2, 'DECLINE_FUNDING', commission, [decision('r1', 'declined', null)]),
        transition(3, 'GRANT_FUNDING', commission, [decision('r1', 'granted', 100_000_000)]),
      );
      expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'declined', grantedFen: null, reason: 'declined by the commission' }]);
      expect(await db.repos.ledger(CENTER)).toEqual([]);
    });

    describe('Art. 19 — a request held while support is suspended, pending again when it resumes', () => {
      const held = transition(2, 'SUSPEND', commission, [decision('r1', 'held', null)]);
      const resumed = transition(3, 'RESUME', commission, [decision('r1', 'pending', null, { reason: 'support resumed' })]);
      const grantAfterResume = transition(4, 'GRANT_FUNDING', commission, [decision('r1', 'granted', 90_000_000)]);

      it('held, resumed and then granted: the request is granted and the money written once', async () => {
        await persistAll(requested, held);
        expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'held', grantedFen: null, updatedSeq: 2 }]);
        await persistAll(resumed, grantAfterResume);
        expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'granted', grantedFen: 90_000_000, updatedSeq: 4 }]);
        expect(await db.repos.ledger(CENTER)).toMatchObject([{ requestId: 'r1', amountFen: 90_000_000 }]);
      });

      it('a hold persisted late never re-holds a request that was resumed after it', async () => {
        await persistAll(requested, resumed, held);
        expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'pending', reason: 'support resumed', updatedSeq: 3 }]);
      });

      it('a hold persisted late never undoes a grant', async () => {
        await persistAll(requested, grantAfterResume, held, resumed);
        expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'granted', grantedFen: 90_000_000, updatedSeq: 4 }]);
        expect(await db.repos.ledger(CENTER)).toHaveLength(1);
      });
    });

    it('a grant above the amount requested, or of another year or kind, is refused as non-retryable and writes nothing', async () => {
      await persistAll(requested);
      for (const bad of [decision('r1', 'granted', promotion.amountFen + 1), decision('r1', 'granted', 1, { year: 2 }), decision('r1', 'granted', 1, { fundingKind: 'guidance' })]) {
        await expect(db.activities.persistTransition(transition(2, 'GRANT_FUNDING', commission, [bad]))).rejects.toMatchObject({
          type: PersistErrorType.InvalidInput,
          nonRetryable: true,
        });
      }
      expect(await db.counts()).toMatchObject({ audit_log: 1, funding_ledger: 0 });
      expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'pending' }]);
    });

    it('a grant without an amount, or a decline with one, is refused as non-retryable', async () => {
      await persistAll(requested);
      for (const bad of [decision('r1', 'granted', null), decision('r1', 'granted', 0), decision('r1', 'declined', 5)]) {
        await expect(db.activities.persistTransition(transition(2, 'GRANT_FUNDING', commission, [bad]))).rejects.toMatchObject({
          type: PersistErrorType.InvalidInput,
          nonRetryable: true,
        });
      }
      expect(await db.counts()).toMatchObject({ audit_log: 1, funding_ledger: 0 });
    });

    it('a decision persisted before its request is refused as retryable, writing nothing, and succeeds once the request lands', async () => {
      await expect(db.activities.persistTransition(granted)).rejects.toMatchObject({ type: PersistErrorType.PrerequisiteMissing, nonRetryable: false });
      expect(await db.counts()).toMatchObject({ audit_log: 0, centers: 0, funding_ledger: 0 });
      await persistAll(requested, granted);
      expect(await db.repos.ledger(CENTER)).toHaveLength(1);
    });

    it('lists requests by cycle and year, the ledger by cycle, and totals money per cycle, year and kind', async () => {
      await persistAll(
        transition(1, 'REQUEST_FUNDING', bjut, [request('r1', promotion), request('r2', guidance)]),
        transition(2, 'GRANT_FUNDING', commission, [decision('r1', 'granted', 100_000_000), decision('r2', 'granted', 250_000_000, { fundingKind: 'guidance' })]),
        transition(3, 'REQUEST_FUNDING', bjut, [request('r3', promotion, 2), request('r4', promotion, 2), request('r5', promotion, 1, 2)]),
        transition(4, 'GRANT_FUNDING', commission, [
          decision('r3', 'granted', 60_000_000, { year: 2 }),
          decision('r4', 'granted', 40_000_000, { year: 2 }),
          decision('r5', 'granted', promotion.amountFen, { cycle: 2 }),
        ]),
      );
      expect((await db.repos.fundingRequests(CENTER, { cycle: 1, year: 2 })).map((r) => r.requestId)).toEqual(['r3', 'r4']);
      expect((await db.repos.fundingRequests(CENTER, { year: 1 })).map((r) => r.requestId)).toEqual(['r1', 'r2', 'r5']);
      expect((await db.repos.ledger(CENTER, { cycle: 2 })).map((r) => r.requestId)).toEqual(['r5']);
      expect(await db.repos.ledgerTotals(CENTER)).toEqual([
        { cycle: 1, year: 1, kind: 'guidance', totalFen: 250_000_000, grants: 1 },
        { cycle: 1, year: 1, kind: 'promotion', totalFen: 100_000_000, grants: 1 },
        { cycle: 1, year: 2, kind: 'promotion', totalFen: 100_000_000, grants: 2 },
        { cycle: 2, year: 1, kind: 'promotion', totalFen: promotion.amountFen, grants: 1 },
      ]);
    });
  });

  describe('Art. 18 — annual summaries move forward only', () => {
    const opened = transition(1, 'FIRE_DEADLINE', scheduler, [summary()]);
    const submitted = transition(2, 'SUBMIT_SUMMARY', bjut, [summary({ status: 'submitted', summary: summaryDoc, submittedAt: '2027-04-01T08:00:00.000Z', submissions: 1 })]);
    const overdue = transition(3, 'FIRE_DEADLINE', scheduler, [
      summary({ status: 'submitted', summary: summaryDoc, submittedAt: '2027-04-01T08:00:00.000Z', submissions: 1, overdue: true }),
      notification('overdue'),
    ]);
    const accepted = transition(4, 'ACCEPT_SUMMARY', commission, [
      summary({ status: 'accepted', summary: summaryDoc, submittedAt: '2027-04-01T08:00:00.000Z', submissions: 1, overdue: true, acceptedAt: '2027-04-20T08:00:00.000Z' }),
    ]);

    it('the summary is upserted at each step, its document parsed and its overdue flag a boolean', async () => {
      await persistAll(opened, submitted, overdue, accepted);
      const [row] = await db.repos.summaries(CENTER);
      const { kind: _kind, ...expected } = accepted.records[0] as RecordOf<'annualSummary'>;
      expect(row).toEqual({ ...expected, updatedSeq: 4 });
      expect(row.overdue).toBe(true);
      expect(await db.counts()).toMatchObject({ annual_summaries: 1 });
    });

    it('an older transition persisted late never overwrites a newer summary', async () => {
      await persistAll(opened, accepted, submitted);
      expect(await db.repos.summaries(CENTER)).toMatchObject([{ status: 'accepted', updatedSeq: 4 }]);
    });

    it('an older transition persisted first is overwritten by the newer one', async () => {
      await persistAll(submitted, opened);
      expect(await db.repos.summaries(CENTER)).toMatchObject([{ status: 'submitted', submissions: 1, updatedSeq: 2 }]);
    });

    it('within one transition, the later record of the same summary wins', async () => {
      await persistAll(transition(1, 'FIRE_DEADLINE', scheduler, [summary(), summary({ overdue: true })]));
      expect(await db.repos.summaries(CENTER)).toMatchObject([{ overdue: true, updatedSeq: 1 }]);
    });

    it('lists summaries of one cycle in year order', async () => {
      await persistAll(transition(1, 'FIRE_DEADLINE', scheduler, [summary({ year: 2 }), summary({ cycle: 2 }), summary()]));
      expect((await db.repos.summaries(CENTER, { cycle: 1 })).map((s) => [s.cycle, s.year])).toEqual([[1, 1], [1, 2]]);
      expect(await db.repos.summaries(CENTER)).toHaveLength(3);
    });
  });

  describe('Art. 16 — budget lines and spending are written once; final accounts move forward only', () => {
    const lines: RecordOf<'budgetLines'> = {
      kind: 'budgetLines',
      centerId: CENTER,
      requestId: 'r1',
      cycle: 1,
      year: 1,
      lines: [
        { line: 'equipment', amountFen: 40_000_000 },
        { line: 'labour', amountFen: 60_000_000 },
      ],
      grantedAt: '2026-05-01T08:00:00.000Z',
    };
    const spending: RecordOf<'spending'> = {
      kind: 'spending',
      centerId: CENTER,
      spendingId: 'r1-s1',
      requestId: 'r1',
      cycle: 1,
      year: 1,
      line: 'equipment',
      amountFen: 12_345_678,
      spentOn: '2026-06-01',
      description: 'servers',
      recordedAt: '2026-06-02T08:00:00.000Z',
      recordedBy: bjut.id,
    };
    const accounts = (status: 'submitted' | 'returned' | 'accepted', reason: string | null = null): RecordOf<'finalAccounts'> => ({
      kind: 'finalAccounts',
      centerId: CENTER,
      requestId: 'r1',
      cycle: 1,
      year: 1,
      status,
      lines: [
        { line: 'equipment', grantedFen: 40_000_000, spentFen: 12_345_678, unspentFen: 27_654_322 },
        { line: 'labour', grantedFen: 60_000_000, spentFen: 0, unspentFen: 60_000_000 },
      ],
      grantedFen: 100_000_000,
      spentFen: 12_345_678,
      unspentFen: 87_654_322,
      statement: null,
      submittedAt: '2027-03-20T08:00:00.000Z',
      submittedBy: bjut.id,
      decidedAt: status === 'submitted' ? null : '2027-03-25T08:00:00.000Z',
      decidedBy: status === 'submitted' ? null : commission.id,
      reason,
    });
    const granted = transition(1, 'GRANT_FUNDING', commission, [lines]);
    const spent = transition(2, 'RECORD_SPENDING', bjut, [spending]);
    const submitted = transition(3, 'SUBMIT_FINAL_ACCOUNTS', bjut, [accounts('submitted')]);
    const returned = transition(4, 'RETURN_FINAL_ACCOUNTS', commission, [accounts('returned', 'invoices missing')]);

    it('the same transitions retried, concurrently or by another worker, write each line and each spending once', async () => {
      await persistAll(granted, spent);
      const second = db.otherWorker();
      const results = await Promise.all([granted, spent, granted, spent].map((t, i) => (i % 2 ? second : db.activities).persistTransition(t)));
      expect(results.every((r) => !r.written)).toBe(true);
      expect(await db.counts()).toMatchObject({ budget_lines: 2, spending: 1 });
      const { kind: _kind, ...spendingRow } = spending;
      expect(await db.repos.spending(CENTER)).toEqual([spendingRow]);
    });

    it('final accounts are upserted as they move; an older step persisted late never overwrites a newer one', async () => {
      await persistAll(granted, spent, returned, submitted);
      expect(await db.repos.finalAccounts(CENTER)).toMatchObject([{ status: 'returned', reason: 'invoices missing', unspentFen: 87_654_322 }]);
      expect(await db.counts()).toMatchObject({ final_accounts: 1 });
    });
  });

  describe('Art. 18 — reminders, overdue notices and escalations go to an outbox, once per deadline key', () => {
    it('each notice lands pending; firing the same deadline again adds nothing', async () => {
      await persistAll(
        transition(1, 'FIRE_DEADLINE', scheduler, [notification('reminder')]),
        transition(2, 'FIRE_DEADLINE', scheduler, [notification('reminder'), notification('overdue')]),
        transition(3, 'FIRE_DEADLINE', scheduler, [notification('escalation')]),
      );
      const outbox = await db.repos.notifications({ centerId: CENTER });
      expect(outbox.map((n) => [n.notice, n.recipientRole, n.status, n.deliveredAt])).toEqual([
        ['reminder', 'university', 'pending', null],
        ['overdue', 'university', 'pending', null],
        ['escalation', 'commission', 'pending', null],
      ]);
      const { kind: _kind, ...reminder } = notification('reminder');
      // A notice to a role names no one person (recipientId null: only an expert's reminder does, Art. 9, 18).
      expect(outbox[0]).toEqual({ ...reminder, recipientId: null, status: 'pending', deliveredAt: null });
    });

    it('a delivered notice leaves the pending list and is delivered once', async () => {
      await persistAll(transition(1, 'FIRE_DEADLINE', scheduler, [notification('reminder'), notification('overdue')]));
      const key = { centerId: CENTER, key: 'summary:1:1', notice: 'reminder' as const };
      expect(await db.repos.markNotificationDelivered(key, '2027-04-02T09:00:00.000Z')).toBe(true);
      expect(await db.repos.markNotificationDelivered(key, '2027-04-02T10:00:00.000Z')).toBe(false);
      expect((await db.repos.notifications({ status: 'pending' })).map((n) => n.notice)).toEqual(['overdue']);
      expect(await db.repos.notifications({ status: 'delivered' })).toMatchObject([{ notice: 'reminder', deliveredAt: '2027-04-02T09:00:00.000Z' }]);
    });
  });

  describe('Art. 17–18 — evaluations move forward only; expert reviews are written once', () => {
    const selfEvaluation = { scores, report: 'We did what we said.', submittedAt: '2028-04-01T08:00:00.000Z' };
    const inspection = { inspectedOn: '2028-04-15', inspectors: ['Inspector A', 'Inspector B'], findings: 'as reported', recordedAt: '2028-04-16T08:00:00.000Z' };
    const started = transition(1, 'FIRE_DEADLINE', scheduler, [evaluation()]);
    const selfEvaluated = transition(2, 'SUBMIT_SELF_EVALUATION', bjut, [evaluation({ step: 'onSiteInspection', selfEvaluation })]);
    const inspected = transition(3, 'RECORD_INSPECTION', commission, [evaluation({ step: 'expertReview', selfEvaluation, inspection })]);
    const assigned = transition(4, 'ASSIGN_EVALUATION_EXPERTS', commission, [
      { kind: 'expertAssignment', centerId: CENTER, stage: 'midTerm:1', experts: [expert], assignedAt: '2028-04-20T08:00:00.000Z', assignedBy: commission.id },
    ]);
    const reviewed = transition(5, 'SUBMIT_EVALUATION_REVIEW', { id: expert.id, role: 'expert', orgId: expert.orgId }, [evaluationReview]);
    const graded = transition(6, 'ASSESS', commission, [
      evaluation({
        step: 'graded',
        selfEvaluation,
        inspection,
        score: 84.1,
        computedGrade: 'qualified',
        grade: 'excellent',
        overrideReason: 'exceptional transfer record this year',
        gradedAt: '2028-06-01T08:00:00.000Z',
        gradedBy: commission.id,
      }),
    ]);

    it('the evaluation is upserted at each step, its documents parsed; reviews and assignments keyed by the evaluation id', async () => {
      await persistAll(started, selfEvaluated, inspected, assigned, reviewed, graded);
      const { kind: _kind, ...expected } = graded.records[0] as RecordOf<'evaluation'>;
      expect(await db.repos.evaluations(CENTER)).toEqual([{ ...expected, updatedSeq: 6 }]);
      expect(await db.repos.evaluationReviews(CENTER, 'midTerm:1')).toEqual([reviewRow]);
      expect(await db.repos.evaluationReviews(CENTER, 'acceptance:1')).toEqual([]);
      expect((await db.repos.assignments(CENTER, 'midTerm:1')).map((a) => a.expert)).toEqual([expert]);
    });

    it('an older step persisted late never overwrites a newer evaluation', async () => {
      await persistAll(started, graded, inspected, selfEvaluated);
      expect(await db.repos.evaluations(CENTER)).toMatchObject([{ step: 'graded', grade: 'excellent', updatedSeq: 6 }]);
    });

    it('a second submission by the same expert does not replace the first review', async () => {
      await persistAll(reviewed, transition(6, 'SUBMIT_EVALUATION_REVIEW', commission, [{ ...evaluationReview, weightedScore: 10, opinion: 'changed my mind' }]));
      expect(await db.repos.evaluationReviews(CENTER)).toEqual([reviewRow]);
    });

    it('an evaluation row with an impossible grade is refused as non-retryable', async () => {
      const bad = transition(1, 'ASSESS', commission, [evaluation({ grade: 'outstanding' as never })]);
      await expect(db.activities.persistTransition(bad)).rejects.toMatchObject({ type: PersistErrorType.InvalidInput, nonRetryable: true });
      expect(await db.counts()).toMatchObject({ audit_log: 0, evaluations: 0 });
    });
  });

  describe('Art. 12 — integrity incidents are recorded once', () => {
    it('the incident lands in integrity_incidents and a replay adds nothing', async () => {
      await persistAll(transition(1, 'RECORD_INTEGRITY_INCIDENT', commission, [incident]), transition(2, 'RECORD_INTEGRITY_INCIDENT', commission, [incident]));
      // Recorded with no severity (as before severities existed): stored as minor.
      expect(await db.repos.incidents(CENTER)).toEqual([{ ...incidentRow, incident: { ...incidentRow.incident, severity: 'minor' } }]);
      const severe = { ...incident, incidentId: 'incident-2', incident: { ...incident.incident, severity: 'severe' as const } };
      await persistAll(transition(3, 'RECORD_INTEGRITY_INCIDENT', commission, [severe]));
      expect((await db.repos.incidents(CENTER)).map((i) => [i.incidentId, i.incident.severity])).toEqual([['incident-1', 'minor'], ['incident-2', 'severe']]);
    });
  });

  describe('SPEC §3 "Idempotency" — every build-cycle record is written once, whatever the retries', () => {
    const everything = transition(1, 'EVERYTHING', commission, [
      cycle,
      request('r1', promotion),
      decision('r1', 'granted', promotion.amountFen),
      summary(),
      notification('reminder'),
      evaluation(),
      evaluationReview,
      incident,
    ]);
    const ONCE = {
      audit_log: 1,
      centers: 1,
      cycles: 1,
      funding_requests: 1,
      funding_ledger: 1,
      annual_summaries: 1,
      notifications: 1,
      evaluations: 1,
      evaluation_reviews: 1,
      integrity_incidents: 1,
    };

    it('the same input twice writes its rows once (a request granted in the transition that made it included)', async () => {
      expect(await db.activities.persistTransition(everything)).toEqual({ written: true, audit: everything.audit });
      expect(await db.repos.fundingRequests(CENTER)).toMatchObject([{ status: 'granted' }]);
      expect(await db.activities.persistTransition(everything)).toEqual({ written: false, audit: everything.audit });
      expect(await db.counts()).toMatchObject(ONCE);
    });

    it('the same input concurrently, through one connection or two, writes its rows once', async () => {
      const second = db.otherWorker();
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? second : db.activities).persistTransition(everything)));
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(await db.counts()).toMatchObject(ONCE);
    });

    it('a record that fails late in the transaction leaves none of the earlier ones behind', async () => {
      const failing = { ...everything, records: [...everything.records, decision('r1', 'granted', 1, { year: 3 })] };
      await expect(db.activities.persistTransition(failing)).rejects.toMatchObject({ type: PersistErrorType.InvalidInput });
      const empty = Object.fromEntries(Object.keys(ONCE).map((t) => [t, 0]));
      expect(await db.counts()).toMatchObject(empty);
    });
  });
});
