/**
 * Spending and final accounts (Art. 16) on the pure statechart: a grant carries its budget lines, spending is recorded
 * against them, overspending a line is refused with its reason, and at the year's end the final accounts — granted,
 * spent, unspent per line — are submitted by the university and accepted or returned by the commission. The sums are
 * computed here, independently of the code under test.
 */
import { describe, expect, it } from 'vitest';
import type { CenterSnapshot } from '../../machines/center';
import { defaultPolicy } from '../../machines/policy';
import { advance, send, start } from '../helpers/drive';
import { application, callInfo, callView, cmd, commission, expertActor, experts, promotionRequest, university } from '../helpers/fixtures';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const uni = university('bjut');
/** Approved on 2026-03-11 08:00 Beijing time (00:00 UTC): build year 1 runs to 2027-03-11. */
const APPROVED = T0 + 10 * DAY;
const at = (days: number) => iso(APPROVED + days * DAY);
const LINES = [
  { line: 'equipment', amountFen: 200_000_00 },
  { line: 'testing', amountFen: 150_000_00 },
  { line: 'travel', amountFen: 50_000_00 },
  { line: 'expertConsultation', amountFen: 100_000_00 },
] as const;
const GRANT = LINES.reduce((sum, l) => sum + l.amountFen, 0);

function established(): CenterSnapshot {
  const call = callInfo(T0, { callId: 'call-2026' });
  let s = start({ policy: defaultPolicy, centerId: 'bjut.call-2026', workflowId: 'center-bjut', universityId: 'bjut', call: callView(call) });
  s = send(s, cmd('SUBMIT_APPLICATION', uni, { callId: call.callId, application: application('bjut') }), iso(T0 + DAY)).snapshot;
  const panel = experts('pku');
  s = send(s, cmd('ASSIGN_EXPERTS', commission, { experts: panel }), iso(T0 + 2 * DAY)).snapshot;
  for (const e of panel) s = send(s, cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'ok' } }), iso(T0 + 3 * DAY)).snapshot;
  return send(s, cmd('APPROVE', commission, {}), iso(APPROVED)).snapshot;
}
/** A promotion project of GRANT fen, granted with LINES (or without lines). */
function granted(withLines = true): CenterSnapshot {
  let s = send(established(), cmd('REQUEST_FUNDING', uni, { request: promotionRequest(GRANT) }), at(5)).snapshot;
  s = send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, ...(withLines ? { budgetLines: [...LINES] } : {}) }), at(6)).snapshot;
  return s;
}
const spend = (s: CenterSnapshot, line: string, amountFen: number, days = 30, spentOn = '2026-04-01') =>
  send(s, cmd('RECORD_SPENDING', uni, { requestId: 'c1-y1-f1', line: line as 'equipment', amountFen, spentOn, description: `${line} invoice` }), at(days));

describe('Art. 16: a grant carries its budget lines', () => {
  it('the lines are written with the grant, one record with every line', () => {
    let s = send(established(), cmd('REQUEST_FUNDING', uni, { request: promotionRequest(GRANT) }), at(5)).snapshot;
    const g = send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: [...LINES] }), at(6));
    s = g.snapshot;
    expect(g.records).toContainEqual(expect.objectContaining({ kind: 'budgetLines', requestId: 'c1-y1-f1', lines: [...LINES] }));
    expect(s.context.funding[0].budgetLines).toEqual([...LINES]);
  });

  it('lines that do not add up to the grant are refused (invalid-input); a line of no vocabulary or given twice by the schema', () => {
    const s = send(established(), cmd('REQUEST_FUNDING', uni, { request: promotionRequest(GRANT) }), at(5)).snapshot;
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: LINES.slice(1) }), at(6))).toThrow(
      /^invalid-input: The budget lines add up to 30000000 fen, not the 50000000 fen granted \(Art\. 16\)/,
    );
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: [{ line: 'banquets', amountFen: GRANT }] as never }), at(6))).toThrow(/^invalid-input: .*budgetLines/);
    expect(() =>
      send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: [{ line: 'other', amountFen: 1 }, { line: 'other', amountFen: GRANT - 1 }] }), at(6)),
    ).toThrow(/each budget line is given once/);
    expect(() => send(s, cmd('GRANT_FUNDING', commission, { requestId: 'c1-y1-f1', amountFen: GRANT, budgetLines: [{ line: 'unallocated', amountFen: GRANT }] as never }), at(6))).toThrow(/^invalid-input/);
  });

  it('a grant without lines has one line, unallocated, of its whole amount', () => {
    const s = granted(false);
    expect(() => spend(s, 'equipment', 1)).toThrow(/^invalid-input: Grant c1-y1-f1 has no budget line "equipment"; its lines are unallocated/);
    const r = spend(s, 'unallocated', GRANT);
    expect(r.records).toEqual([expect.objectContaining({ kind: 'spending', spendingId: 'c1-y1-f1-s1', line: 'unallocated', amountFen: GRANT })]);
  });
});

describe('Art. 16: spending is recorded against a line and never over it', () => {
  it('records spending with its line, amount, date and what it paid for', () => {
    const r = spend(granted(), 'equipment', 120_000_00);
    expect(r.snapshot.context.spending).toEqual([
      expect.objectContaining({ spendingId: 'c1-y1-f1-s1', requestId: 'c1-y1-f1', cycle: 1, year: 1, line: 'equipment', amountFen: 120_000_00, spentOn: '2026-04-01', recordedBy: uni.id }),
    ]);
  });

  it('an invoice carried as evidence is recorded with the spending it belongs to (read with the accounts)', () => {
    const invoice = { sha256: 'a'.repeat(64), name: 'invoice-2026-041.pdf', mediaType: 'application/pdf', sizeBytes: 52_341 };
    const r = send(granted(), cmd('RECORD_SPENDING', uni, { requestId: 'c1-y1-f1', line: 'testing', amountFen: 8_000_00, spentOn: '2026-04-01', description: 'Material tests', evidence: [invoice] }), at(30));
    expect(r.records).toEqual([
      expect.objectContaining({ kind: 'spending', spendingId: 'c1-y1-f1-s1' }),
      expect.objectContaining({ kind: 'evidence', ownerKind: 'spending', ownerKey: 'c1-y1-f1-s1', command: 'RECORD_SPENDING', files: [invoice] }),
    ]);
  });

  it('spending over a line is refused (over-budget), naming the budget, what is spent and what is left; up to the line is taken', () => {
    let s = spend(granted(), 'travel', 30_000_00).snapshot;
    expect(() => spend(s, 'travel', 20_000_01)).toThrow(
      /^over-budget: Spending 2000001 fen on line travel of grant c1-y1-f1 would take it to 5000001 fen, over its budget of 5000000 fen \(Art\. 16\); 3000000 fen are spent, at most 2000000 fen can still be spent on it\./,
    );
    s = spend(s, 'travel', 20_000_00).snapshot;
    expect(() => spend(s, 'travel', 1)).toThrow(/^over-budget: .*at most 0 fen/);
    // Another line's budget is its own.
    expect(spend(s, 'testing', 150_000_00).snapshot.context.spending).toHaveLength(3);
  });

  it('spending is of a granted request, on one of its lines, dated between the grant and today; only the center\'s university records it', () => {
    const pending = send(established(), cmd('REQUEST_FUNDING', uni, { request: promotionRequest(GRANT) }), at(5)).snapshot;
    expect(() => spend(pending, 'equipment', 1)).toThrow(/^not-allowed-in-state: Funding request c1-y1-f1 is pending, not granted/);
    const s = granted();
    expect(() => send(s, cmd('RECORD_SPENDING', uni, { requestId: 'c1-y9-f1', line: 'equipment', amountFen: 1, spentOn: '2026-05-01', description: 'x' }), at(30))).toThrow(/^invalid-input: No funding request "c1-y9-f1"/);
    expect(() => spend(s, 'materials', 1)).toThrow(/^invalid-input: Grant c1-y1-f1 has no budget line "materials"; its lines are equipment, testing, travel, expertConsultation/);
    expect(() => spend(s, 'equipment', 1, 30, '2027-01-01')).toThrow(/^invalid-input: The spending is dated 2027-01-01, after today \(2026-04-10\)/);
    expect(() => spend(s, 'equipment', 1, 30, '2026-03-01')).toThrow(/^invalid-input: The spending is dated 2026-03-01, before the grant of c1-y1-f1 \(2026-03-17\)/);
    expect(() => spend(s, 'equipment', 0)).toThrow(/^invalid-input: .*amountFen/);
    expect(() => send(s, cmd('RECORD_SPENDING', commission, { requestId: 'c1-y1-f1', line: 'equipment', amountFen: 1, spentOn: '2026-05-01', description: 'x' }), at(30))).toThrow(/^forbidden-role/);
    expect(() => send(s, cmd('RECORD_SPENDING', university('pku'), { requestId: 'c1-y1-f1', line: 'equipment', amountFen: 1, spentOn: '2026-05-01', description: 'x' }), at(30))).toThrow(/^wrong-organisation/);
  });
});

describe("Art. 16: the final accounts at the year's end", () => {
  /** Spending of the year, as the test sums it (not the code). */
  const SPENT = [
    ['equipment', 120_000_00],
    ['equipment', 79_999_99],
    ['testing', 60_000_00],
    ['travel', 12_345_67],
  ] as const;
  function spent(): CenterSnapshot {
    let s = granted();
    SPENT.forEach(([line, fen], i) => (s = spend(s, line, fen, 30 + i).snapshot));
    return s;
  }
  const expected = () => {
    const lines = LINES.map((l) => {
      let spentFen = 0;
      for (const [line, fen] of SPENT) if (line === l.line) spentFen += fen;
      return { line: l.line, grantedFen: l.amountFen, spentFen, unspentFen: l.amountFen - spentFen };
    });
    let grantedFen = 0, spentFen = 0, unspentFen = 0;
    for (const l of lines) (grantedFen += l.grantedFen), (spentFen += l.spentFen), (unspentFen += l.unspentFen);
    return { lines, grantedFen, spentFen, unspentFen };
  };

  it('are refused before the build year has ended', () => {
    expect(() => send(spent(), cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(100))).toThrow(
      /^not-allowed-in-state: Build year 1 of cycle 1 has not ended; the final accounts of c1-y1-f1 are submitted at the year's end \(Art\. 16\)/,
    );
  });

  it('add up: granted, spent and unspent per line and in all, as summed independently; the unspent money is reported', () => {
    const s = advance(spent(), at(366)).snapshot;
    const r = send(s, cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1', statement: 'Consultation moves to year 2' }), at(370));
    const want = expected();
    expect(want.grantedFen).toBe(500_000_00);
    expect(want.spentFen).toBe(272_345_66);
    expect(want.unspentFen).toBe(227_654_34);
    expect(r.snapshot.context.finalAccounts).toEqual([expect.objectContaining({ requestId: 'c1-y1-f1', status: 'submitted', ...want, statement: 'Consultation moves to year 2', submittedBy: uni.id })]);
    expect(r.records).toEqual([expect.objectContaining({ kind: 'finalAccounts', requestId: 'c1-y1-f1', status: 'submitted', ...want })]);
    // Submitted: no more spending, no second submission; only the commission decides.
    expect(() => spend(r.snapshot, 'testing', 1, 371)).toThrow(/^not-allowed-in-state: The final accounts of c1-y1-f1 are submitted/);
    expect(() => send(r.snapshot, cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(371))).toThrow(/^not-allowed-in-state: The final accounts of c1-y1-f1 are already submitted/);
    expect(() => send(r.snapshot, cmd('ACCEPT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(371))).toThrow(/^forbidden-role/);
  });

  it('returned with a reason, corrected and submitted again, then accepted; a decision is on submitted accounts only', () => {
    let s = advance(spent(), at(366)).snapshot;
    expect(() => send(s, cmd('ACCEPT_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1' }), at(367))).toThrow(/^not-allowed-in-state: The final accounts of c1-y1-f1 have not been submitted/);
    s = send(s, cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(370)).snapshot;
    expect(() => send(s, cmd('RETURN_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1', reason: '' }), at(371))).toThrow(/^invalid-input: .*reason/);
    const returned = send(s, cmd('RETURN_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1', reason: 'The expert consultation fees lack their contracts' }), at(371));
    expect(returned.records).toEqual([expect.objectContaining({ kind: 'finalAccounts', status: 'returned', reason: 'The expert consultation fees lack their contracts', decidedBy: commission.id })]);
    // A return reopens the grant: the consultation fees are recorded, the accounts submitted again.
    s = spend(returned.snapshot, 'expertConsultation', 40_000_00, 372, '2027-02-01').snapshot;
    s = send(s, cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(373)).snapshot;
    const accepted = send(s, cmd('ACCEPT_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1' }), at(374));
    const a = accepted.snapshot.context.finalAccounts[0];
    expect(a).toMatchObject({ status: 'accepted', reason: null, decidedBy: commission.id, spentFen: expected().spentFen + 40_000_00, unspentFen: expected().unspentFen - 40_000_00 });
    expect(a.lines.find((l) => l.line === 'expertConsultation')).toEqual({ line: 'expertConsultation', grantedFen: 100_000_00, spentFen: 40_000_00, unspentFen: 60_000_00 });
    expect(() => send(accepted.snapshot, cmd('RETURN_FINAL_ACCOUNTS', commission, { requestId: 'c1-y1-f1', reason: 'Second thoughts' }), at(375))).toThrow(/^not-allowed-in-state: .*are accepted, not awaiting a decision/);
    expect(() => spend(accepted.snapshot, 'testing', 1, 375)).toThrow(/^not-allowed-in-state: The final accounts of c1-y1-f1 are accepted/);
  });

  it('are of a granted request: a declined one has none', () => {
    let s = send(established(), cmd('REQUEST_FUNDING', uni, { request: promotionRequest(GRANT) }), at(5)).snapshot;
    s = send(s, cmd('DECLINE_FUNDING', commission, { requestId: 'c1-y1-f1', reason: 'Not within this year\'s budget' }), at(6)).snapshot;
    s = advance(s, at(366)).snapshot;
    expect(() => send(s, cmd('SUBMIT_FINAL_ACCOUNTS', uni, { requestId: 'c1-y1-f1' }), at(370))).toThrow(/^not-allowed-in-state: Funding request c1-y1-f1 is declined, not granted/);
  });
});
