import type { Knex } from 'knex';
import { FUNDING_KINDS, GRADES, TRANSFER_MODES, type FundingKind, type Grade, type TransferMode } from '../../machines/vocabulary';
import { AnnualSummariesSchema, CyclesSchema, EvaluationsSchema } from '../schemas';
import { TableName } from '../tables';
import { z } from 'zod';

/**
 * Op. 5(3): the monitoring report — the indicators of the annual summaries (Art. 18), the money requested and
 * granted (Art. 13–16) and the grades (Art. 17–18), per university and calendar year, and commission-wide per year.
 *
 * The year. Summaries and funding carry the build year of a cycle (1–5), which starts on a different date for every
 * center; a commission-wide trend needs one axis, so a build year is reported under the calendar year (UTC) in which
 * it began: the cycle's start year + year − 1. A grade counts in the calendar year it was given (graded_at).
 *
 * The queries. Funding and the ledger are summed in SQL (GROUP BY, the same on both dialects; SUM answers a decimal
 * string on PostgreSQL, coerced here). The indicators are inside the summary document (text on SQLite, jsonb on
 * PostgreSQL: db/columns.ts); they are read through the table's row schema, which parses the document alike on both,
 * and summed here — no dialect-specific JSON operators. Only summaries that were submitted count (status submitted
 * or accepted: a summary returned for rework or still open has no indicators the commission took in).
 */

/** The ways of transfer (machines/vocabulary.ts), as the report names them. */
export const TRANSFER_KINDS = TRANSFER_MODES;
export type TransferKind = TransferMode;

/** What one university (or the whole commission) reported and received in one calendar year. */
export interface ReportYear {
  year: number;
  /** Annual summaries counted (submitted or accepted). */
  summaries: number;
  transfers: Record<TransferKind, { count: number; contractAmountFen: number }>;
  patentApplications: number;
  patentGrants: number;
  preApplicationAssessments: number;
  peopleTrained: number;
  /** Art. 13–16: per kind of project, requests made and their amounts, and money granted (the ledger). */
  funding: Record<FundingKind, { requests: number; requestedFen: number; grants: number; grantedFen: number }>;
  /** Art. 17–18: evaluations graded that year, by final grade. */
  grades: Record<Grade, number>;
}

export interface UniversityReport {
  universityId: string;
  years: ReportYear[];
}

export interface MonitoringReport {
  filter: ReportFilter;
  universities: UniversityReport[];
  /** Commission-wide, per calendar year: the sums over every university. */
  trends: ReportYear[];
}

export interface ReportFilter {
  universityId?: string;
  fromYear?: number;
  toYear?: number;
}

export function emptyYear(year: number): ReportYear {
  return {
    year,
    summaries: 0,
    transfers: Object.fromEntries(TRANSFER_KINDS.map((k) => [k, { count: 0, contractAmountFen: 0 }])) as ReportYear['transfers'],
    patentApplications: 0,
    patentGrants: 0,
    preApplicationAssessments: 0,
    peopleTrained: 0,
    funding: Object.fromEntries(FUNDING_KINDS.map((k) => [k, { requests: 0, requestedFen: 0, grants: 0, grantedFen: 0 }])) as ReportYear['funding'],
    grades: Object.fromEntries(GRADES.map((g) => [g, 0])) as ReportYear['grades'],
  };
}

/** Adds `b` into `a` (the trends are the universities' sums). */
function addInto(a: ReportYear, b: ReportYear): void {
  a.summaries += b.summaries;
  for (const k of TRANSFER_KINDS) {
    a.transfers[k].count += b.transfers[k].count;
    a.transfers[k].contractAmountFen += b.transfers[k].contractAmountFen;
  }
  a.patentApplications += b.patentApplications;
  a.patentGrants += b.patentGrants;
  a.preApplicationAssessments += b.preApplicationAssessments;
  a.peopleTrained += b.peopleTrained;
  for (const k of FUNDING_KINDS) {
    for (const f of ['requests', 'requestedFen', 'grants', 'grantedFen'] as const) a.funding[k][f] += b.funding[k][f];
  }
  for (const g of GRADES) a.grades[g] += b.grades[g];
}

const num = z.coerce.number();
const FundingSumSchema = z.object({ centerId: z.string(), cycle: num, year: num, kind: z.enum(FUNDING_KINDS), n: num, totalFen: num.nullable() });

export function createReportsRepository(knex: Knex) {
  return {
    /** Op. 5(3): the monitoring report, per university and calendar year, with the commission-wide trends. */
    async monitoringReport(filter: ReportFilter = {}, tx?: Knex.Transaction): Promise<MonitoringReport> {
      const db = tx ?? knex;
      const scoped = (table: string) => {
        const q = db(table);
        if (filter.universityId !== undefined) {
          q.whereIn('centerId', db(TableName.Centers).select('centerId').where({ universityId: filter.universityId }));
        }
        return q;
      };
      const [centers, cycles, summaries, requested, granted, evaluations] = await Promise.all([
        scoped(TableName.Centers).select('centerId', 'universityId') as Promise<{ centerId: string; universityId: string }[]>,
        scoped(TableName.Cycles).select('*') as Promise<unknown[]>,
        scoped(TableName.AnnualSummaries).select('*').whereIn('status', ['submitted', 'accepted']).whereNotNull('summary') as Promise<unknown[]>,
        scoped(TableName.FundingRequests)
          .select('centerId', 'cycle', 'year', 'kind')
          .count({ n: '*' })
          .sum({ totalFen: 'amountFen' })
          .groupBy(['centerId', 'cycle', 'year', 'kind']) as Promise<unknown[]>,
        scoped(TableName.FundingLedger)
          .select('centerId', 'cycle', 'year', 'kind')
          .count({ n: '*' })
          .sum({ totalFen: 'amountFen' })
          .groupBy(['centerId', 'cycle', 'year', 'kind']) as Promise<unknown[]>,
        scoped(TableName.Evaluations).select('*').whereNotNull('grade').whereNotNull('gradedAt') as Promise<unknown[]>,
      ]);

      const universityOf = new Map(centers.map((c) => [c.centerId, c.universityId]));
      const cycleStartYear = new Map<string, number>();
      for (const r of cycles) {
        const c = CyclesSchema.parse(r);
        cycleStartYear.set(`${c.centerId}/${c.cycle}`, new Date(c.startedAt).getUTCFullYear());
      }
      /** The calendar year a build year began in; null when the cycle row is missing (not persisted yet). */
      const calendarYear = (centerId: string, cycle: number, year: number) => {
        const start = cycleStartYear.get(`${centerId}/${cycle}`);
        return start === undefined ? null : start + year - 1;
      };

      const byUniversity = new Map<string, Map<number, ReportYear>>();
      const bucket = (centerId: string, year: number | null): ReportYear | null => {
        const universityId = universityOf.get(centerId);
        if (universityId === undefined || year === null) return null;
        if (filter.fromYear !== undefined && year < filter.fromYear) return null;
        if (filter.toYear !== undefined && year > filter.toYear) return null;
        let years = byUniversity.get(universityId);
        if (!years) byUniversity.set(universityId, (years = new Map()));
        let y = years.get(year);
        if (!y) years.set(year, (y = emptyYear(year)));
        return y;
      };

      for (const r of summaries) {
        const s = AnnualSummariesSchema.parse(r);
        const y = bucket(s.centerId, calendarYear(s.centerId, s.cycle, s.year));
        if (!y || !s.summary) continue;
        const i = s.summary.indicators;
        y.summaries += 1;
        for (const k of TRANSFER_KINDS) {
          y.transfers[k].count += i.transfers[k].count;
          y.transfers[k].contractAmountFen += i.transfers[k].contractAmountFen;
        }
        y.patentApplications += i.patentApplications;
        y.patentGrants += i.patentGrants;
        y.preApplicationAssessments += i.preApplicationAssessments;
        y.peopleTrained += i.peopleTrained;
      }
      for (const r of requested) {
        const f = FundingSumSchema.parse(r);
        const y = bucket(f.centerId, calendarYear(f.centerId, f.cycle, f.year));
        if (!y) continue;
        y.funding[f.kind].requests += f.n;
        y.funding[f.kind].requestedFen += f.totalFen ?? 0;
      }
      for (const r of granted) {
        const f = FundingSumSchema.parse(r);
        const y = bucket(f.centerId, calendarYear(f.centerId, f.cycle, f.year));
        if (!y) continue;
        y.funding[f.kind].grants += f.n;
        y.funding[f.kind].grantedFen += f.totalFen ?? 0;
      }
      for (const r of evaluations) {
        const e = EvaluationsSchema.parse(r);
        const y = bucket(e.centerId, new Date(e.gradedAt!).getUTCFullYear());
        if (y && e.grade) y.grades[e.grade] += 1;
      }

      const universities = [...byUniversity.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([universityId, years]) => ({ universityId, years: [...years.values()].sort((a, b) => a.year - b.year) }));
      const trendYears = new Map<number, ReportYear>();
      for (const u of universities) {
        for (const y of u.years) {
          let t = trendYears.get(y.year);
          if (!t) trendYears.set(y.year, (t = emptyYear(y.year)));
          addInto(t, y);
        }
      }
      return { filter, universities, trends: [...trendYears.values()].sort((a, b) => a.year - b.year) };
    },
  };
}
