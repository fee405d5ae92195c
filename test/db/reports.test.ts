/**
 * Op. 5(3): the monitoring report, on SQLite and PostgreSQL, against sums computed independently from the generated data
 * (test/helpers/report-data.ts).
 * A multi-year data set — several universities, cycles starting in different calendar years, annual summaries with
 * indicators (Art. 18), funding requests and grants of both kinds (Art. 13–16), graded evaluations (Art. 17–18) — is
 * written through the persistence activity, as the workflows write it; the report must add up to what was written.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReportYear } from '../../db/repositories';
import { GRADES } from '../../machines/vocabulary';
import { DIALECTS, testDatabase } from '../helpers/database';
import { generate, sorted } from '../helpers/report-data';

describe.each(DIALECTS)('%s', (dialect) => {
  const db = testDatabase('centers-reports-', dialect);
  beforeEach(db.open);
  afterEach(db.close);

  it('Op. 5(3) — per university and calendar year, the report is the sum of what the summaries, requests, grants and grades hold', async () => {
    const { inputs, expected } = generate(20261202);
    await db.persistAll(...inputs);
    const report = await db.repos.monitoringReport();
    expect(report.universities.map((u) => u.universityId)).toEqual([...expected.keys()].sort());
    for (const u of report.universities) expect(u.years).toEqual(sorted(expected.get(u.universityId)!));
    // Something to sum: every kind of transfer, both kinds of funding, grades.
    expect(report.trends.some((y) => y.transfers.spinOff.count > 0 && y.funding.guidance.grantedFen > 0)).toBe(true);
    expect(report.trends.reduce((n, y) => n + GRADES.reduce((m, g) => m + y.grades[g], 0), 0)).toBe(2);
  });

  it('Op. 5(3) — the commission-wide trend of a year is the sum over the universities of that year', async () => {
    const { inputs, expected } = generate(7);
    await db.persistAll(...inputs);
    const report = await db.repos.monitoringReport();
    const years = [...new Set([...expected.values()].flatMap((m) => [...m.keys()]))].sort();
    expect(report.trends.map((t) => t.year)).toEqual(years);
    for (const t of report.trends) {
      const of = [...expected.values()].map((m) => m.get(t.year)).filter((y): y is ReportYear => y !== undefined);
      expect(t.peopleTrained).toBe(of.reduce((n, y) => n + y.peopleTrained, 0));
      expect(t.transfers.equityInvestment.contractAmountFen).toBe(of.reduce((n, y) => n + y.transfers.equityInvestment.contractAmountFen, 0));
      expect(t.funding.promotion.grantedFen).toBe(of.reduce((n, y) => n + y.funding.promotion.grantedFen, 0));
      expect(t.funding.guidance.requests).toBe(of.reduce((n, y) => n + y.funding.guidance.requests, 0));
      expect(t.grades).toEqual(Object.fromEntries(GRADES.map((g) => [g, of.reduce((n, y) => n + y.grades[g], 0)])));
    }
  });

  it('a university and a range of years narrow the report', async () => {
    const { inputs, expected } = generate(99);
    await db.persistAll(...inputs);
    const report = await db.repos.monitoringReport({ universityId: 'thu', fromYear: 2027, toYear: 2028 });
    expect(report.universities).toEqual([{ universityId: 'thu', years: sorted(expected.get('thu')!).filter((y) => y.year >= 2027 && y.year <= 2028) }]);
    expect(report.trends).toEqual(report.universities[0].years);
  });
});
