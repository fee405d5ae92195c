/**
 * Op. 5(3): a generated multi-year data set for the monitoring report — several universities whose cycles start in
 * different calendar years, annual summaries with indicators (Art. 18; one returned, not counted), funding requests
 * and decisions of both kinds (Art. 13–16), graded and ungraded evaluations (Art. 17–18) — as transitions for the
 * persistence activity, with the report they must add up to, summed here independently of db/repositories/reports.ts
 * (only its empty-year shape is shared).
 */
import type { ReportYear } from '../../db/repositories';
import { emptyYear, TRANSFER_KINDS } from '../../db/repositories/reports';
import type { Actor, AnnualSummary, FundingRequest } from '../../machines/domain';
import type { CenterRow, DomainRecord, PersistTransitionInput } from '../../machines/records.types';
import { FUNDING_KINDS, GRADES, type FundingKind, type Grade } from '../../machines/vocabulary';
import { commission, university } from './fixtures';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** A small deterministic generator (mulberry32), so a failure is reproducible. */
function rng(seed: number) {
  let a = seed;
  return (max: number) => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
  };
}

export const UNIVERSITIES = [
  { id: 'bjut', start: '2025-03-10T08:00:00.000Z', years: 3 },
  { id: 'pku', start: '2026-09-01T00:00:00.000Z', years: 2 },
  { id: 'thu', start: '2026-01-15T04:00:00.000Z', years: 3 },
  { id: 'buaa', start: '2027-06-30T16:00:00.000Z', years: 1 },
];

export interface Generated {
  inputs: PersistTransitionInput[];
  /** The expected report, summed independently: university → calendar year → totals. */
  expected: Map<string, Map<number, ReportYear>>;
}

export function generate(seed: number): Generated {
  const r = rng(seed);
  const inputs: PersistTransitionInput[] = [];
  const expected = new Map<string, Map<number, ReportYear>>();
  const at = (universityId: string, year: number) => {
    const years = expected.get(universityId) ?? new Map<number, ReportYear>();
    expected.set(universityId, years);
    if (!years.has(year)) years.set(year, emptyYear(year));
    return years.get(year)!;
  };
  for (const u of UNIVERSITIES) {
    const centerId = `${u.id}.call-2026`;
    const actor: Actor = university(u.id);
    const startYear = Number(u.start.slice(0, 4));
    let seq = 0;
    const center: CenterRow = {
      centerId, workflowId: `center-${centerId}`, universityId: u.id, callId: 'call-2026', state: 'building', cycle: 1, tier: null,
      nameZh: null, nameEn: null, establishedAt: u.start, nextDeadlineAt: null, updatedAt: u.start,
    };
    const push = (event: string, who: Actor, records: DomainRecord[], when: string) => {
      seq += 1;
      inputs.push({ audit: { centerId, cycle: 1, seq, fromState: 'building', event, toState: 'building', actor: who, commandId: `${centerId}-${seq}`, at: when }, center: { ...center, updatedAt: when }, records });
    };
    push('APPROVE', commission, [{ kind: 'cycle', centerId, cycle: 1, tier: null, startedAt: u.start, endsAt: `${startYear + 5}${u.start.slice(4)}` }], u.start);

    for (let year = 1; year <= u.years; year++) {
      const calendar = startYear + year - 1;
      const when = `${calendar}-12-01T08:00:00.000Z`;
      const e = at(u.id, calendar);
      // Funding: one or two requests per kind, some granted (in part), some declined.
      for (const kind of FUNDING_KINDS) {
        for (let n = 0; n < 1 + r(2); n++) {
          const requestId = `${kind}-${year}-${n}`;
          const amountFen = (1 + r(500)) * 100_000;
          const request: FundingRequest = { kind, title: `${kind} ${year}/${n}`, tasks: ['a task'], amountFen, budgetLines: [], opinions: [] };
          push('REQUEST_FUNDING', actor, [{ kind: 'fundingRequest', centerId, requestId, cycle: 1, year, request, requestedAt: when, requestedBy: actor.id }], when);
          e.funding[kind].requests += 1;
          e.funding[kind].requestedFen += amountFen;
          const grant = r(3) > 0;
          const grantedFen = grant ? Math.max(1, Math.floor(amountFen * (1 + r(10)) / 10)) : null;
          const decision: RecordOf<'fundingDecision'> = {
            kind: 'fundingDecision', centerId, requestId, cycle: 1, year, fundingKind: kind as FundingKind, status: grant ? 'granted' : 'declined',
            grantedFen, reason: grant ? null : 'declined by the commission', decidedAt: when, decidedBy: commission.id,
          };
          push(grant ? 'GRANT_FUNDING' : 'DECLINE_FUNDING', commission, [decision], when);
          if (grant) {
            e.funding[kind].grants += 1;
            e.funding[kind].grantedFen += grantedFen!;
          }
        }
      }
      // The annual summary (Art. 18): accepted, or submitted; the last year of one university is returned, and a
      // returned summary's indicators are not counted.
      const indicators: AnnualSummary['indicators'] = {
        patentApplications: r(80), patentGrants: r(30), preApplicationAssessments: r(50), peopleTrained: r(400),
        transfers: {
          assignment: { count: r(6), contractAmountFen: r(9_000) * 10_000 },
          licence: { count: r(6), contractAmountFen: r(9_000) * 10_000 },
          equityInvestment: { count: r(3), contractAmountFen: r(9_000) * 100_000 },
          spinOff: { count: r(2), contractAmountFen: r(9_000) * 10_000 },
        },
      };
      const returned = u.id === 'thu' && year === u.years;
      const status = returned ? 'returned' : r(2) === 0 ? 'submitted' : 'accepted';
      const summary: AnnualSummary = { indicators, progress: { mechanismInnovation: 'm', ipManagement: 'i', talentTraining: 't', resourceSharing: 'r', professionalServices: 'p' } };
      const opened = `${calendar + 1}${u.start.slice(4)}`;
      push('SUBMIT_SUMMARY', actor, [{
        kind: 'annualSummary', centerId, cycle: 1, year, status, openedAt: opened, dueAt: opened, summary, submittedAt: opened, submissions: 1,
        overdue: false, returnReason: returned ? 'incomplete' : null, acceptedAt: status === 'accepted' ? opened : null,
      }], opened);
      if (!returned) {
        e.summaries += 1;
        for (const k of TRANSFER_KINDS) {
          e.transfers[k].count += indicators.transfers[k].count;
          e.transfers[k].contractAmountFen += indicators.transfers[k].contractAmountFen;
        }
        e.patentApplications += indicators.patentApplications;
        e.patentGrants += indicators.patentGrants;
        e.preApplicationAssessments += indicators.preApplicationAssessments;
        e.peopleTrained += indicators.peopleTrained;
      }
    }
    // A mid-term evaluation (Art. 17–18), graded in the calendar year of the third build year; one left ungraded.
    if (u.years >= 2) {
      const gradedAt = `${startYear + 2}-07-01T08:00:00.000Z`;
      const graded = u.id !== 'pku';
      const grade: Grade = GRADES[r(3)];
      push('GRADE', commission, [{
        kind: 'evaluation', centerId, evaluationId: 'midTerm:1', evaluationKind: 'midTerm', cycle: 1, step: graded ? 'graded' : 'review', startedAt: gradedAt,
        selfEvaluation: null, inspection: null, score: graded ? 70 : null, computedGrade: graded ? grade : null, grade: graded ? grade : null,
        overrideReason: null, gradedAt: graded ? gradedAt : null, gradedBy: graded ? commission.id : null,
      }], gradedAt);
      if (graded) at(u.id, startYear + 2).grades[grade] += 1;
    }
  }
  return { inputs, expected };
}

/** A university's expected years, in order. */
export const sorted = (years: Map<number, ReportYear>) => [...years.values()].sort((a, b) => a.year - b.year);
