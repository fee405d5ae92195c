/**
 * The same rows read back the same from SQLite and from PostgreSQL: a row of every table, written through the
 * repositories (the identity tables through their schemas, as api/identities.ts does), read back through them, deep-equal
 * across the dialects and to what was written — booleans, JSON documents, money in fen beyond 2^31 (and up to 2^53),
 * times (ISO-8601 UTC text with milliseconds, whatever offset they were written with) and dates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories';
import { ApiTokensSchema, rowOf, SessionsSchema, UsersSchema } from '../../db/schemas';
import { TableName } from '../../db/tables';
import type { Actor } from '../../machines/domain';
import type { CallEventInput, CenterRow, DomainRecord } from '../../machines/records.types';
import { annualSummary, application, commission, experts, promotionRequest, scores, university } from '../helpers/fixtures';
import { DIALECTS, removeTempDatabase, rowCounts, tempDatabase, type Dialect, type TempDatabase } from '../helpers/database';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const CENTER = 'bjut.call-2026';
const bjut = university('bjut');
const [expert] = experts('pku', 1);
/** Written with an offset and microseconds: read back as the same instant, UTC, milliseconds. */
const WRITTEN = '2026-03-10T16:00:00.123456+08:00';
const AT = '2026-03-10T08:00:00.123Z';
const LATER = '2027-01-31T23:59:59.999Z';
const BEYOND_32_BITS = 2 ** 31 * 3 + 7;
const MAX_FEN = Number.MAX_SAFE_INTEGER;

const center: CenterRow = {
  centerId: CENTER,
  workflowId: `center-${CENTER}`,
  universityId: 'bjut',
  callId: 'call-2026',
  state: 'building.running',
  cycle: 1,
  tier: 'A',
  nameZh: '北京工业大学科技成果转移转化促进中心',
  nameEn: null,
  establishedAt: WRITTEN,
  nextDeadlineAt: LATER,
  updatedAt: WRITTEN,
};

const callEvent: CallEventInput = {
  callId: 'call-2026',
  seq: 1,
  kind: 'opened',
  call: { callId: 'call-2026', title: '2026 call', opensAt: '2026-01-01T00:00:00Z', closesAt: LATER, quota: 2, status: 'open', approvedCount: 0, closedEarlyAt: null } as CallEventInput['call'],
  reason: null,
  actor: commission,
  commandId: 'cmd-open',
  at: WRITTEN,
};

const records: DomainRecord[] = [
  { kind: 'application', centerId: CENTER, callId: 'call-2026', universityId: 'bjut', version: 1, application: application('bjut'), submittedAt: WRITTEN },
  {
    kind: 'eligibility',
    centerId: CENTER,
    version: 1,
    checkedAt: WRITTEN,
    results: [
      { condition: 1, key: 'legalEntity', passed: true, reason: '' },
      { condition: 7, key: 'staff', passed: false, reason: 'too few staff' },
    ],
  },
  { kind: 'expertAssignment', centerId: CENTER, stage: 'application', experts: [expert], assignedAt: WRITTEN, assignedBy: commission.id },
  { kind: 'review', centerId: CENTER, stage: 'application', expertId: expert.id, review: { score: 88.5, recommendation: 'approve', opinion: '符合第8条' }, submittedAt: WRITTEN },
  { kind: 'decision', centerId: CENTER, outcome: 'approved', reason: 'Meets Art. 8', decidedAt: WRITTEN, decidedBy: commission.id },
  { kind: 'cycle', centerId: CENTER, cycle: 1, tier: 'A', startedAt: WRITTEN, endsAt: '2031-03-10T08:00:00.000Z' },
  { kind: 'fundingRequest', centerId: CENTER, requestId: 'r1', cycle: 1, year: 1, request: { ...promotionRequest(MAX_FEN), amountFen: MAX_FEN }, requestedAt: WRITTEN, requestedBy: bjut.id },
  { kind: 'fundingDecision', centerId: CENTER, requestId: 'r1', cycle: 1, year: 1, fundingKind: 'promotion', status: 'granted', grantedFen: BEYOND_32_BITS, reason: null, decidedAt: WRITTEN, decidedBy: commission.id },
  {
    kind: 'annualSummary',
    centerId: CENTER,
    cycle: 1,
    year: 1,
    status: 'submitted',
    openedAt: WRITTEN,
    dueAt: LATER,
    summary: annualSummary(),
    submittedAt: WRITTEN,
    submissions: 1,
    overdue: true,
    returnReason: null,
    acceptedAt: null,
  } as RecordOf<'annualSummary'>,
  { kind: 'notification', centerId: CENTER, key: 'summary:1:1', recipientRole: 'university', notice: 'reminder', subject: 'Annual summary due', dueAt: LATER, createdAt: WRITTEN },
  {
    kind: 'evaluation',
    centerId: CENTER,
    evaluationId: 'midTerm:1',
    evaluationKind: 'midTerm',
    cycle: 1,
    step: 'graded',
    startedAt: WRITTEN,
    selfEvaluation: null,
    inspection: { inspectedOn: '2028-05-01', inspectors: ['Li'], findings: 'sound' },
    score: 52.25,
    computedGrade: 'unqualified',
    grade: 'unqualified',
    overrideReason: null,
    gradedAt: WRITTEN,
    gradedBy: commission.id,
  } as unknown as RecordOf<'evaluation'>,
  { kind: 'evaluationReview', centerId: CENTER, stage: 'midTerm:1', expertId: expert.id, scores: scores(52), weightedScore: 52.25, opinion: 'weak', submittedAt: WRITTEN },
  { kind: 'integrityIncident', centerId: CENTER, incidentId: 'i1', incident: { occurredOn: '2028-02-29', category: 'credit', description: 'a forged invoice' }, recordedAt: WRITTEN, recordedBy: commission.id },
  { kind: 'notice', centerId: CENTER, noticeId: 'midTerm:1-notice', evaluationId: 'midTerm:1', grade: 'unqualified', reasons: 'weighted score 52.25', publishedAt: WRITTEN },
  {
    kind: 'rectification',
    centerId: CENTER,
    noticeId: 'midTerm:1-notice',
    status: 'open',
    dueAt: LATER,
    extensions: [{ from: '2028-11-28T00:00:00.000Z', to: LATER, reason: 'flood', at: AT, by: commission.id }],
    report: null,
    reportSubmittedAt: null,
    closedAt: null,
  },
  { kind: 'organisationChange', centerId: CENTER, changeId: 'o1', change: 'staff', details: [{ name: '李雷', fullTime: false, background: 'law' }], effectiveOn: '2026-06-01', reason: 'left', belowStaffMinimum: true, recordedAt: WRITTEN, recordedBy: bjut.id } as RecordOf<'organisationChange'>,
  { kind: 'supportStopped', centerId: CENTER, reason: 'rectification failed', stoppedAt: WRITTEN },
  {
    kind: 'evidence',
    centerId: CENTER,
    ownerKind: 'application',
    ownerKey: '1',
    command: 'SUBMIT_APPLICATION',
    commandId: 'cmd-submit',
    files: [{ sha256: 'd'.repeat(64), name: '章程.pdf', mediaType: 'application/pdf', sizeBytes: BEYOND_32_BITS }],
    attachedAt: WRITTEN,
    attachedBy: bjut.id,
  },
  {
    kind: 'reserveResult',
    centerId: CENTER,
    resultId: 'p1',
    resultKind: 'patent',
    title: '一种储能材料',
    identifier: 'ZL202610000001.X',
    valueFen: MAX_FEN,
    status: 'transferred',
    requestId: 'r1',
    transferMode: 'licence',
    transferredOn: '2027-06-30',
    counterparty: '京能科技',
    contractAmountFen: BEYOND_32_BITS,
    recordedAt: WRITTEN,
    recordedBy: bjut.id,
    updatedAt: WRITTEN,
  },
  { kind: 'budgetLines', centerId: CENTER, requestId: 'r1', cycle: 1, year: 1, lines: [{ line: 'equipment', amountFen: BEYOND_32_BITS }], grantedAt: WRITTEN },
  { kind: 'spending', centerId: CENTER, spendingId: 'r1-s1', requestId: 'r1', cycle: 1, year: 1, line: 'equipment', amountFen: BEYOND_32_BITS, spentOn: '2026-06-30', description: '服务器发票', recordedAt: WRITTEN, recordedBy: bjut.id },
  {
    kind: 'finalAccounts',
    centerId: CENTER,
    requestId: 'r1',
    cycle: 1,
    year: 1,
    status: 'accepted',
    lines: [{ line: 'equipment', grantedFen: BEYOND_32_BITS, spentFen: BEYOND_32_BITS, unspentFen: 0 }],
    grantedFen: BEYOND_32_BITS,
    spentFen: BEYOND_32_BITS,
    unspentFen: 0,
    statement: null,
    submittedAt: WRITTEN,
    submittedBy: bjut.id,
    decidedAt: WRITTEN,
    decidedBy: commission.id,
    reason: null,
  },
];

const actor: Actor = commission;

/** Writes one row of every table, then reads every table back through the repositories. */
async function roundTrip(db: TempDatabase): Promise<Record<string, unknown>> {
  const activities = (await import('../../activities')).createActivities({ knex: db.knex });
  const repos = createRepositories(db.knex);
  expect(await activities.persistCallEvent(callEvent)).toEqual({ written: true });
  const audit = { centerId: CENTER, cycle: 1, seq: 1, fromState: 'application.inReview', event: 'APPROVE', toState: 'building.running', actor, commandId: 'cmd-approve', at: WRITTEN };
  expect(await activities.persistTransition({ audit, center, records })).toEqual({ written: true, audit });
  await db.knex(TableName.Users).insert(
    rowOf(UsersSchema, { id: 'wang-fang', name: 'Wang Fang', role: 'commission', orgId: null, admin: true, email: 'wang.fang@kw.beijing.gov.cn', status: 'active', passwordHash: null, createdAt: WRITTEN, updatedAt: AT }),
  );
  await db.knex(TableName.ApiTokens).insert(
    rowOf(ApiTokensSchema, { id: 't1', userId: 'wang-fang', secretHash: 'a'.repeat(64), label: '控制台', createdAt: WRITTEN, expiresAt: LATER, revokedAt: null, lastUsedAt: AT }),
  );
  await db.knex(TableName.Sessions).insert(rowOf(SessionsSchema, { idHash: 'b'.repeat(64), userId: 'wang-fang', csrfHash: 'c'.repeat(64), createdAt: WRITTEN, expiresAt: LATER, revokedAt: null }));

  return {
    counts: await rowCounts(db.knex),
    calls: await repos.listCalls(),
    callEvents: await repos.callEvents('call-2026'),
    centers: await repos.listCenters({ state: 'building' }),
    search: await repos.searchCenters({ nextDeadlineFrom: AT }, { limit: 10, offset: 0, sort: 'nextDeadlineAt' }),
    audit: (await repos.auditLog(CENTER)).map(({ id: _id, ...row }) => row),
    applications: await repos.applications(CENTER),
    eligibility: await repos.eligibility(CENTER),
    assignments: await repos.assignments(CENTER),
    assignedCenters: await repos.assignedCenters(expert.id),
    reviews: await repos.reviews(CENTER),
    decision: await repos.decision(CENTER),
    cycles: await repos.cycles(CENTER),
    fundingRequests: await repos.fundingRequests(CENTER),
    ledger: await repos.ledger(CENTER),
    ledgerTotals: await repos.ledgerTotals(CENTER),
    summaries: await repos.summaries(CENTER),
    notifications: await repos.notifications({ universityId: 'bjut' }),
    evaluations: await repos.evaluations(CENTER),
    evaluationReviews: await repos.evaluationReviews(CENTER),
    incidents: await repos.incidents(CENTER),
    notices: await repos.noticesWithRectifications(),
    supportStop: await repos.supportStop(CENTER),
    organisationChanges: await repos.organisationChanges(CENTER),
    evidenceFiles: await repos.evidenceFiles(CENTER),
    reserve: await repos.reserveResults(CENTER),
    budgetLines: await repos.budgetLines(CENTER),
    spending: await repos.spending(CENTER),
    finalAccounts: await repos.finalAccounts(CENTER),
    users: (await db.knex(TableName.Users).select()).map((r) => UsersSchema.parse(r)),
    apiTokens: (await db.knex(TableName.ApiTokens).select()).map((r) => ApiTokensSchema.parse(r)),
    sessions: (await db.knex(TableName.Sessions).select()).map((r) => SessionsSchema.parse(r)),
  };
}

const snapshots = new Map<Dialect, Record<string, unknown>>();

describe.each(DIALECTS)('%s', (dialect) => {
  let db: TempDatabase;
  beforeAll(async () => {
    db = await tempDatabase('centers-dialects-', dialect);
  });
  afterAll(() => removeTempDatabase(db));

  it('a row of every table reads back as written: times in UTC with milliseconds, booleans, documents, fen beyond 2^31', async () => {
    const read = await roundTrip(db);
    snapshots.set(dialect, read);
    expect(Object.values(read.counts as Record<string, number>).every((n) => n > 0)).toBe(true);
    expect(read.centers).toEqual([{ ...center, establishedAt: AT, updatedAt: AT, lastSeq: 1 }]);
    expect(read.search).toEqual({ total: 1, centers: read.centers });
    expect(read.fundingRequests).toMatchObject([{ amountFen: MAX_FEN, grantedFen: BEYOND_32_BITS, requestedAt: AT, decidedAt: AT, status: 'granted' }]);
    expect(read.ledgerTotals).toEqual([{ cycle: 1, year: 1, kind: 'promotion', totalFen: BEYOND_32_BITS, grants: 1 }]);
    expect(read.summaries).toMatchObject([{ overdue: true, summary: annualSummary(), openedAt: AT, dueAt: LATER }]);
    expect(read.eligibility).toMatchObject([{ passed: true }, { passed: false }]);
    expect(read.organisationChanges).toMatchObject([{ belowStaffMinimum: true, effectiveOn: '2026-06-01', details: [{ name: '李雷', fullTime: false, background: 'law' }] }]);
    expect(read.incidents).toMatchObject([{ incident: { occurredOn: '2028-02-29' } }]);
    expect(read.evidenceFiles).toEqual([{ centerId: CENTER, seq: 1, sha256: 'd'.repeat(64), ownerKind: 'application', ownerKey: '1', command: 'SUBMIT_APPLICATION', commandId: 'cmd-submit', name: '章程.pdf', mediaType: 'application/pdf', sizeBytes: BEYOND_32_BITS, attachedAt: AT, attachedBy: bjut.id }]);
    expect(read.reserve).toMatchObject([{ resultId: 'p1', valueFen: MAX_FEN, contractAmountFen: BEYOND_32_BITS, transferredOn: '2027-06-30', status: 'transferred', recordedAt: AT, updatedAt: AT }]);
    expect(read.budgetLines).toEqual([{ centerId: CENTER, requestId: 'r1', line: 'equipment', cycle: 1, year: 1, amountFen: BEYOND_32_BITS, grantedAt: AT }]);
    expect(read.spending).toMatchObject([{ spendingId: 'r1-s1', amountFen: BEYOND_32_BITS, spentOn: '2026-06-30', description: '服务器发票', recordedAt: AT }]);
    expect(read.finalAccounts).toMatchObject([{ status: 'accepted', lines: [{ line: 'equipment', grantedFen: BEYOND_32_BITS, spentFen: BEYOND_32_BITS, unspentFen: 0 }], grantedFen: BEYOND_32_BITS, submittedAt: AT, decidedAt: AT }]);
    expect(read.users).toEqual([{ id: 'wang-fang', name: 'Wang Fang', role: 'commission', orgId: null, admin: true, email: 'wang.fang@kw.beijing.gov.cn', status: 'active', passwordHash: null, createdAt: AT, updatedAt: AT }]);
    // The call's opensAt (written without milliseconds) reads back in the one form.
    expect(read.calls).toMatchObject([{ opensAt: '2026-01-01T00:00:00.000Z', closesAt: LATER, createdAt: AT }]);
  });
});

describe.runIf(DIALECTS.includes('pg'))('SQLite and PostgreSQL', () => {
  it('read back deep-equal rows of every table', () => {
    expect([...snapshots.keys()].sort()).toEqual(['pg', 'sqlite3']);
    expect(snapshots.get('pg')).toEqual(snapshots.get('sqlite3'));
  });
});
