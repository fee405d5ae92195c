/**
 * A valid payload of every command of the table, for the API tests (the authorisation matrix, the fuzz test): a new
 * command without a sample does not compile.
 */
import type { AnyCommandType, CommandPayload } from '../../machines/commands';
import type { Expert } from '../../machines/domain';
import { annualSummary, applicationAsOf, callInfo, promotionRequest, scores } from './fixtures';

export const CALL = 'call-matrix';
export const SPARE_CALL = 'call-matrix-spare';
export const OPENED_CALL = 'call-matrix-opened';
/** The funding round the matrix opens (OPEN_ROUND) and then sends its other commands to. */
export const ROUND = 'round-matrix';

export interface SampleContext {
  now: number;
  /** The university of the center the command is sent to. */
  universityId: string;
  panel: Expert[];
}
/** Every command type must have a sample: a new command without one does not compile (and fails the first test). */
export type Samples = { [T in AnyCommandType]: (c: SampleContext) => CommandPayload<T> };
export const SAMPLES: Samples = {
  OPEN_CALL: (c) => callInfo(c.now, { callId: OPENED_CALL, quota: 1 }),
  RAISE_QUOTA: () => ({ quota: 3, reason: 'Two more strong applicants are expected' }),
  CLOSE_EARLY: () => ({ reason: 'The spare call is no longer needed' }),
  OPEN_ROUND: (c) => ({ roundId: ROUND, title: 'Matrix round', year: 2026, opensAt: new Date(c.now - 3600_000).toISOString(), closesAt: new Date(c.now + 7 * 86_400_000).toISOString(), budgetFen: { promotion: 500_000_00, guidance: 0 } }),
  SUBMIT_TO_ROUND: (c) => ({ center: c.universityId, requestId: 'c1-y1-f1' }),
  SCORE_IN_ROUND: (c) => ({ requestKey: `${c.universityId}.${CALL}/c1-y1-f1`, scores: { mechanisms: 80, intellectualProperty: 80, training: 80, sharing: 80, services: 80 } }),
  SUBMIT_APPLICATION: (c) => ({ callId: CALL, application: applicationAsOf(c.universityId, c.now) }),
  AMEND_APPLICATION: (c) => ({ application: applicationAsOf(c.universityId, c.now) }),
  ASSIGN_EXPERTS: (c) => ({ experts: c.panel }),
  SUBMIT_REVIEW: () => ({ review: { score: 88, recommendation: 'approve', opinion: 'A sound plan with a strong record' } }),
  APPROVE: () => ({ reason: 'Approved by the commission meeting' }),
  REJECT: () => ({ reason: 'Weaker than the approved applications' }),
  REQUEST_FUNDING: () => ({ request: promotionRequest() }),
  GRANT_FUNDING: () => ({ requestId: 'c1-y1-f1', amountFen: 500_000_00 }),
  DECLINE_FUNDING: () => ({ requestId: 'c1-y1-f1', reason: "Not within this year's budget" }),
  SUBMIT_SUMMARY: () => ({ year: 1, summary: annualSummary() }),
  ACCEPT_SUMMARY: () => ({ year: 1 }),
  RETURN_SUMMARY: () => ({ year: 1, reason: 'Licence income is missing its contracts' }),
  SUBMIT_SELF_EVALUATION: () => ({ scores: scores(85), report: 'Two build years: income rules revised, disclosure system running, 160 people trained.' }),
  RECORD_INSPECTION: () => ({ inspectedOn: '2026-05-01', inspectors: ['Commission operator Zhou Min'], findings: 'Workplace and staff as declared.' }),
  ASSIGN_EVALUATION_EXPERTS: (c) => ({ experts: c.panel }),
  SUBMIT_EVALUATION_REVIEW: () => ({ scores: scores(80), opinion: 'Sound mechanisms; resource sharing should reach enterprises. Qualified.' }),
  ASSESS: () => ({}),
  SUBMIT_RECTIFICATION: () => ({ report: 'The IP management mechanism now runs: a disclosure desk, monthly assessments, a patent pool.' }),
  EXTEND_RECTIFICATION: () => ({ days: 30, reason: 'Inspection of the new IP office postponed by the commission' }),
  STOP_SUPPORT: () => ({ reason: 'No rectification report by the deadline' }),
  RECORD_INTEGRITY_INCIDENT: () => ({ incident: { occurredOn: '2026-03-05', category: 'credit', description: 'A licence reported in a summary was rescinded before signature.' } }),
  RECORD_DIRECTOR_CHANGE: () => ({ director: { name: 'Liu Fang', title: 'Director', department: 'Office of Technology Transfer' }, effectiveOn: '2026-09-01', reason: 'Wang Li retired' }),
  RECORD_RESULT: () => ({ result: { resultId: 'p-matrix-1', kind: 'patent', title: 'A sample patent of the reserve', valueFen: 100_000_00 } }),
  RECORD_TRANSFER: () => ({ resultId: 'p-matrix-1', transfer: { mode: 'licence', transferredOn: '2027-06-01', counterparty: 'Sample Enterprise Co.', contractAmountFen: 50_000_00 } }),
  // Dated today in Beijing: after the grant of the same run, not later than the day it is recorded.
  RECORD_SPENDING: (c) => ({ requestId: 'c1-y1-f1', line: 'unallocated', amountFen: 100_000_00, spentOn: new Date(c.now + 8 * 3600_000).toISOString().slice(0, 10), description: 'Licensing platform servers' }),
  SUBMIT_FINAL_ACCOUNTS: () => ({ requestId: 'c1-y1-f1', statement: 'Testing moved to the next project' }),
  ACCEPT_FINAL_ACCOUNTS: () => ({ requestId: 'c1-y1-f1' }),
  RETURN_FINAL_ACCOUNTS: () => ({ requestId: 'c1-y1-f1', reason: 'The travel line lacks its invoices' }),
  MIGRATE_CENTER: () => ({ toVersion: 2 }),
  EXTEND_DEADLINE: () => ({ key: 'c1:c1-midTerm:selfEvaluation:due', days: 14, reason: 'The university asked for two more weeks' }),
  RECORD_STAFF_CHANGE: () => ({
    staff: [
      { name: 'Li Na', fullTime: true, background: 'techTransfer' },
      { name: 'Zhao Gang', fullTime: true, background: 'ip' },
      { name: 'Sun Mei', fullTime: true, background: 'law' },
      { name: 'He Jun', fullTime: true, background: 'ip' },
    ],
    effectiveOn: '2026-09-01',
    reason: 'A patent attorney joined',
  }),
};

