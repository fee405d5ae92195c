/**
 * The results reserve and patent pool (Op. 4(4), Art. 15) on the pure statechart: results enter the reserve, a
 * guidance project names the results it transfers, a grant puts them under transfer, and an annual summary reports at
 * least the transfers the reserve recorded in its build year (Art. 18).
 */
import { describe, expect, it } from 'vitest';
import type { CenterSnapshot } from '../../machines/center';
import { defaultPolicy, type Policy } from '../../machines/policy';
import { advance, send, start } from '../helpers/drive';
import { annualSummary, application, callInfo, callView, cmd, commission, expertActor, experts, guidanceRequest, promotionRequest, reserveResult, university } from '../helpers/fixtures';
import type { AnnualSummary } from '../../machines/domain';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const uni = university('bjut');
/** Approved on 2026-03-11 08:00 Beijing time (00:00 UTC): build year 1 runs to 2027-03-11. */
const APPROVED = T0 + 10 * DAY;

function established(policy: Policy = defaultPolicy): CenterSnapshot {
  const call = callInfo(T0, { callId: 'call-2026' });
  let s = start({ policy, centerId: 'bjut.call-2026', workflowId: 'center-bjut', universityId: 'bjut', call: callView(call) });
  s = send(s, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: application('bjut') }), iso(T0 + DAY)).snapshot;
  const panel = experts('pku');
  s = send(s, cmd('ASSIGN_EXPERTS', commission, { experts: panel }), iso(T0 + 2 * DAY)).snapshot;
  for (const e of panel) s = send(s, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'ok' } }), iso(T0 + 3 * DAY)).snapshot;
  return send(s, cmd('APPROVE', commission, {}), iso(APPROVED)).snapshot;
}
const at = (days: number) => iso(APPROVED + days * DAY);
const add = (s: CenterSnapshot, id: string, days = 5) => send(s, cmd('RECORD_RESULT', uni, { result: reserveResult(id) }), at(days)).snapshot;
const transfer = (s: CenterSnapshot, resultId: string, on: string, mode: 'assignment' | 'licence' = 'licence', contractAmountFen = 1_000_000_00) =>
  send(s, cmd('RECORD_TRANSFER', uni, { resultId, transfer: { mode, transferredOn: on, counterparty: 'Jingcheng Building Materials Co.', contractAmountFen } }), at(6)).snapshot;

describe('Op. 4(4): the reserve keeps results with their value and where each stands', () => {
  it('adds a result in reserve and writes its row; the same id twice is refused', () => {
    const s = established();
    const added = send(s, cmd('RECORD_RESULT', uni, { result: reserveResult('p-1', 2_500_000_00) }), at(5));
    expect(added.snapshot.context.reserve).toEqual([expect.objectContaining({ status: 'inReserve', requestId: null, transfer: null, recordedBy: uni.id })]);
    expect(added.records).toEqual([expect.objectContaining({ kind: 'reserveResult', resultId: 'p-1', resultKind: 'patent', valueFen: 2_500_000_00, status: 'inReserve' })]);
    expect(() => add(added.snapshot, 'p-1', 6)).toThrow(/^conflict: Result "p-1" is already in the reserve/);
  });

  it('records a transfer once, by a way of Art. 2–3; an unknown result, or one already transferred, is refused', () => {
    let s = add(established(), 'p-1');
    expect(() => transfer(s, 'p-9', '2026-06-01')).toThrow(/^invalid-input: No result "p-9" in the reserve/);
    const t = send(s, cmd('RECORD_TRANSFER', uni, { resultId: 'p-1', transfer: { mode: 'spinOff', transferredOn: '2026-06-01', counterparty: 'Additive Tech Ltd.', contractAmountFen: 4_000_000_00 } }), at(6));
    s = t.snapshot;
    expect(t.records).toEqual([expect.objectContaining({ kind: 'reserveResult', resultId: 'p-1', status: 'transferred', transferMode: 'spinOff', transferredOn: '2026-06-01', contractAmountFen: 4_000_000_00 })]);
    expect(() => transfer(s, 'p-1', '2026-07-01')).toThrow(/^not-allowed-in-state: Result "p-1" was already transferred \(spinOff, 2026-06-01\)/);
  });

  it('only the university of the center records results (Art. 6: the center is the university\'s)', () => {
    expect(() => send(established(), cmd('RECORD_RESULT', commission, { result: reserveResult('p-1') }), at(5))).toThrow(/^forbidden-role/);
    expect(() => send(established(), cmd('RECORD_RESULT', university('pku'), { result: reserveResult('p-1') }), at(5))).toThrow(/^wrong-organisation/);
  });
});

describe('Art. 15: a guidance project transfers results from the center\'s reserve', () => {
  it('a guidance request naming no reserve entry is refused, with what to do', () => {
    expect(() => send(established(), cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, []) }), at(5))).toThrow(
      /^invalid-input: A guidance project transfers results from the center's reserve \(Art\. 15, 中心储备的成果\): name at least one reserve entry/,
    );
  });

  it('a named entry must be in the reserve and still in reserve', () => {
    let s = add(established(), 'p-1');
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-2']) }), at(6))).toThrow(/^invalid-input: Reserve entry "p-2" is not in the reserve/);
    s = transfer(s, 'p-1', '2026-06-01');
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-1']) }), at(7))).toThrow(/^conflict: Reserve entry "p-1" is already transferred/);
  });

  it('a promotion project names no reserve entry (schema), and an entry is named once', () => {
    const s = add(established(), 'p-1');
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: { ...promotionRequest(), reserveEntries: ['p-1'] } }), at(6))).toThrow(/^invalid-input: .*only a guidance project names reserve entries/);
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-1', 'p-1']) }), at(6))).toThrow(/^invalid-input: .*each reserve entry is named once/);
  });

  it('a grant puts the named results under transfer (their rows written with the decision); a decline leaves them in reserve', () => {
    let s = add(add(established(), 'p-1'), 'p-2');
    s = send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-1']) }), at(6)).snapshot;
    // While c1-y1-f1 is pending, p-1 cannot be named by another request.
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-1']) }), at(7))).toThrow(/^conflict: Reserve entry "p-1" is named by request c1-y1-f1, still pending/);
    s = send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-2']) }), at(7)).snapshot;
    const grant = send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: guidanceRequest().amountFen }), at(8));
    expect(grant.records).toEqual([
      expect.objectContaining({ kind: 'fundingDecision', requestId: 'c1-y1-f1', status: 'granted' }),
      expect.objectContaining({ kind: 'reserveResult', resultId: 'p-1', status: 'underTransfer', requestId: 'c1-y1-f1' }),
      // Art. 16: the grant's budget lines (none given: one line, unallocated).
      expect.objectContaining({ kind: 'budgetLines', requestId: 'c1-y1-f1', lines: [{ line: 'unallocated', amountFen: guidanceRequest().amountFen }] }),
    ]);
    s = send(grant.snapshot, cmd('DECLINE_FUNDING', commission, { requestId: 'c1-y1-f2', reason: 'No enterprise co-funding yet' }), at(9)).snapshot;
    expect(s.context.reserve.map((r) => [r.result.resultId, r.status, r.requestId])).toEqual([
      ['p-1', 'underTransfer', 'c1-y1-f1'],
      ['p-2', 'inReserve', null],
    ]);
    // Under transfer, p-1 is not named again; once transferred, it is recorded with its grant.
    expect(() => send(s, cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, ['p-1']) }), at(10))).toThrow(/^conflict: Reserve entry "p-1" is under transfer \(request c1-y1-f1\)/);
    s = transfer(s, 'p-1', '2026-09-01');
    expect(s.context.reserve[0]).toMatchObject({ status: 'transferred', requestId: 'c1-y1-f1', transfer: { mode: 'licence' } });
  });

  it('a center started before the rule (its policy lacks guidanceNamesReserveEntries) keeps its rules', () => {
    const { guidanceNamesReserveEntries: _g, summaryTransfersMatchReserve: _s, ...older } = defaultPolicy;
    const s = send(established(older as Policy), cmd('REQUEST_FUNDING', uni, { request: guidanceRequest(undefined, []) }), at(5)).snapshot;
    expect(s.context.funding.map((f) => f.status)).toEqual(['pending']);
  });
});

describe('Art. 18, Op. 4(4): an annual summary reports at least the transfers the reserve recorded in its build year', () => {
  /** A summary of year 1 whose transfers are `licence` × n for `fen`, none of the other ways. */
  const summaryWith = (licences: number, fen: number): AnnualSummary => {
    const s = annualSummary();
    const none = { count: 0, contractAmountFen: 0 };
    return { ...s, indicators: { ...s.indicators, transfers: { assignment: none, licence: { count: licences, contractAmountFen: fen }, equityInvestment: none, spinOff: none } } };
  };
  const yearOneOpen = (s: CenterSnapshot) => advance(s, at(366)).snapshot;

  it('counts the transfers dated within the build year, way by way; fewer in the summary is refused naming both figures', () => {
    // Year 1 runs from 2026-03-11 to 2027-03-11 (Beijing dates): two licences in it, one the day the year ends (next year's).
    let s = add(add(add(established(), 'p-1'), 'p-2'), 'p-3');
    s = transfer(s, 'p-1', '2026-05-01', 'licence', 3_000_000_00);
    s = transfer(s, 'p-2', '2027-03-10', 'licence', 2_000_000_00);
    s = transfer(s, 'p-3', '2027-03-11', 'licence', 9_000_000_00);
    s = yearOneOpen(s);
    expect(() => send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: summaryWith(1, 9_000_000_00) }), at(370))).toThrow(
      /^invalid-input: The summary reports fewer transfers for the year from 2026-03-11 to 2027-03-11 than the results reserve recorded \(Art\. 18, Op\. 4\(4\)\) — licence: the summary reports 1 \(900000000 fen\), the reserve recorded 2 \(500000000 fen\)\. Correct the summary/,
    );
    expect(() => send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: summaryWith(2, 4_000_000_00) }), at(370))).toThrow(/licence: the summary reports 2 \(400000000 fen\), the reserve recorded 2 \(500000000 fen\)/);
    // The summary may report more: it counts the university's transfers outside the reserve too.
    const ok = send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: summaryWith(5, 5_000_000_00) }), at(370)).snapshot;
    expect(ok.context.summaries[0].status).toBe('submitted');
  });

  it('a center started before the rule is not checked', () => {
    const { summaryTransfersMatchReserve: _s, ...older } = defaultPolicy;
    let s = add(established(older as Policy), 'p-1');
    s = yearOneOpen(transfer(s, 'p-1', '2026-05-01'));
    expect(send(s, cmd('SUBMIT_SUMMARY', uni, { year: 1, summary: summaryWith(0, 0) }), at(370)).snapshot.context.summaries[0].status).toBe('submitted');
  });
});
