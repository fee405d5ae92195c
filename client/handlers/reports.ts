/**
 * Op. 5(3): the monitoring report — per university and calendar year, and commission-wide trends — as tables fitted
 * to the terminal, a CSV file (--csv) and SVG charts (--svg). Through the API by default (commission and auditors),
 * or the database directly (CENTERS_API_URL=off), as every read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MonitoringReport, ReportYear } from '../../db/repositories';
import { TRANSFER_KINDS } from '../../db/repositories/reports';
import { FUNDING_KINDS, GRADES } from '../../machines/vocabulary';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { section, splitTable, terminalWidth, truncate, yuan, type Cell } from '../format';
import { barChart } from '../reports/svg';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function year(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}$/.test(v)) throw new UsageError(`--${flag} must be a calendar year such as 2027, not "${v}".`, 'report');
  return Number(v);
}

const transfers = (y: ReportYear) => TRANSFER_KINDS.reduce((n, k) => n + y.transfers[k].count, 0);
const transferValue = (y: ReportYear) => TRANSFER_KINDS.reduce((n, k) => n + y.transfers[k].contractAmountFen, 0);
const granted = (y: ReportYear) => FUNDING_KINDS.reduce((n, k) => n + y.funding[k].grantedFen, 0);
const grades = (y: ReportYear) => GRADES.filter((g) => y.grades[g] > 0).map((g) => `${g} ${y.grades[g]}`).join(', ');

/** The report's rows: each university's years, then the commission-wide ones under "ALL". */
const rowsOf = (r: MonitoringReport): [string, ReportYear][] => [
  ...r.universities.flatMap((u) => u.years.map((y): [string, ReportYear] => [u.universityId, y])),
  ...r.trends.map((y): [string, ReportYear] => ['ALL', y]),
];

/** Every figure of a row, for the CSV: counts, and amounts in exact fen. */
export const CSV_HEADERS = [
  'university',
  'year',
  'summaries',
  ...TRANSFER_KINDS.flatMap((k) => [`${k}_count`, `${k}_value_fen`]),
  'patent_applications',
  'patent_grants',
  'pre_application_assessments',
  'people_trained',
  ...FUNDING_KINDS.flatMap((k) => [`${k}_requests`, `${k}_requested_fen`, `${k}_grants`, `${k}_granted_fen`]),
  ...GRADES.map((g) => `grade_${g}`),
];

export function reportCsv(r: MonitoringReport): string {
  const quote = (c: string | number) => (typeof c === 'number' || !/[",\n\r]/.test(c) ? String(c) : `"${c.replace(/"/g, '""')}"`);
  const lines = rowsOf(r).map(([u, y]) =>
    [
      u,
      y.year,
      y.summaries,
      ...TRANSFER_KINDS.flatMap((k) => [y.transfers[k].count, y.transfers[k].contractAmountFen]),
      y.patentApplications,
      y.patentGrants,
      y.preApplicationAssessments,
      y.peopleTrained,
      ...FUNDING_KINDS.flatMap((k) => [y.funding[k].requests, y.funding[k].requestedFen, y.funding[k].grants, y.funding[k].grantedFen]),
      ...GRADES.map((g) => y.grades[g]),
    ]
      .map(quote)
      .join(','),
  );
  return `${[CSV_HEADERS.join(','), ...lines].join('\r\n')}\r\n`;
}

/** The charts of the commission-wide trends, by file name. */
export function reportCharts(r: MonitoringReport): Record<string, string> {
  const years = r.trends.map((t) => String(t.year));
  const wan = (fen: number) => Math.round(fen / 10_000) / 100; // fen → 10,000 yuan (万元)
  return {
    'transfers.svg': barChart('Transfers of results by kind, all universities (Op. 5(3))', 'transfers', years, TRANSFER_KINDS.map((k) => ({ name: k, values: r.trends.map((t) => t.transfers[k].count) }))),
    'transfer-value.svg': barChart('Contract value of transfers by kind (Op. 5(3))', '10,000 yuan', years, TRANSFER_KINDS.map((k) => ({ name: k, values: r.trends.map((t) => wan(t.transfers[k].contractAmountFen)) }))),
    'funding.svg': barChart(
      'Funding requested and granted by kind (Art. 13–16)',
      '10,000 yuan',
      years,
      FUNDING_KINDS.flatMap((k) => [
        { name: `${k} requested`, values: r.trends.map((t) => wan(t.funding[k].requestedFen)) },
        { name: `${k} granted`, values: r.trends.map((t) => wan(t.funding[k].grantedFen)) },
      ]),
    ),
    'patents-training.svg': barChart('Patents and people trained (Op. 5(3))', 'count', years, [
      { name: 'patent applications', values: r.trends.map((t) => t.patentApplications) },
      { name: 'patent grants', values: r.trends.map((t) => t.patentGrants) },
      { name: 'people trained', values: r.trends.map((t) => t.peopleTrained) },
    ]),
    'grades.svg': barChart('Evaluation grades (Art. 17–18)', 'evaluations', years, GRADES.map((g) => ({ name: g, values: r.trends.map((t) => t.grades[g]) }))),
  };
}

export function reportText(r: MonitoringReport, width = terminalWidth()): string {
  // Each table is indented by its section.
  const inner = width - 2;
  const rows = rowsOf(r);
  if (rows.length === 0) return 'No annual summaries, funding or grades in this range.';
  const indicators = splitTable(
    ['UNIVERSITY', 'YEAR', 'SUMMARIES', 'ASSIGN', 'LICENCE', 'EQUITY', 'SPIN-OFF', 'VALUE ¥', 'PAT.APPL', 'PAT.GRANT', 'TRAINED'],
    rows.map(([u, y]): Cell[] => [u, y.year, y.summaries, ...TRANSFER_KINDS.map((k) => y.transfers[k].count), yuan(transferValue(y)), y.patentApplications, y.patentGrants, y.peopleTrained]),
    2,
    '(none)',
    inner,
  );
  const funding = splitTable(
    ['UNIVERSITY', 'YEAR', ...FUNDING_KINDS.flatMap((k) => [`${k.toUpperCase()} REQ`, 'REQUESTED ¥', 'GRANTED ¥']), 'GRADES'],
    rows.map(([u, y]): Cell[] => [u, y.year, ...FUNDING_KINDS.flatMap((k) => [y.funding[k].requests, yuan(y.funding[k].requestedFen), yuan(y.funding[k].grantedFen)]), grades(y)]),
    2,
    '(none)',
    inner,
  );
  const total = r.trends.reduce((a, t) => ({ transfers: a.transfers + transfers(t), granted: a.granted + granted(t) }), { transfers: 0, granted: 0 });
  return [
    section(truncate('Indicators of the annual summaries (Art. 18) per university and year; ALL: every university', width), indicators),
    section(truncate('Funding requested and granted (Art. 13–16), grades (Art. 17–18)', width), funding),
    truncate(`${total.transfers} transfers and ¥${yuan(total.granted)} granted over ${r.trends.length} year(s).`, width),
  ].join('\n\n');
}

export async function monitoringReportCommand(ctx: CommandContext): Promise<Output> {
  const filter = { universityId: str(ctx.values.university), fromYear: year(str(ctx.values.from), 'from'), toYear: year(str(ctx.values.to), 'to') };
  const report = ctx.services.api
    ? await ctx.services.api.request<MonitoringReport>('GET', '/reports/monitoring', { query: { university: filter.universityId, from: filter.fromYear, to: filter.toYear } })
    : await (await ctx.services.repos()).monitoringReport(filter);
  const written: string[] = [];
  const csv = str(ctx.values.csv);
  if (csv) {
    fs.writeFileSync(csv, reportCsv(report));
    written.push(csv);
  }
  const svg = str(ctx.values.svg);
  if (svg) {
    fs.mkdirSync(svg, { recursive: true });
    for (const [name, body] of Object.entries(reportCharts(report))) {
      const file = path.join(svg, name);
      fs.writeFileSync(file, body);
      written.push(file);
    }
  }
  for (const f of written) ctx.warn(`Wrote ${f}`);
  return { data: { ...report, written }, text: reportText(report, terminalWidth(ctx.env)) };
}
