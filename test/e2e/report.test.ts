/**
 * Op. 5(3): the monitoring report over real HTTP and through the CLI. The generated multi-year data set
 * (test/helpers/report-data.ts) is written through the persistence activity into the API's database; the commission
 * and auditors read GET /api/v1/reports/monitoring, a university is refused; `centers report` prints the tables,
 * writes the CSV (whose figures are the independently summed ones) and the SVG charts, through the API and directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { TRANSFER_KINDS } from '../../db/repositories/reports';
import { CSV_HEADERS } from '../../client/handlers/reports';
import { useApi } from '../helpers/api';
import { generate, sorted } from '../helpers/report-data';

const api = useApi({ name: 'report' }, 180_000);
const { inputs, expected } = generate(424242);

describe('Op. 5(3) — the monitoring report over HTTP and the CLI', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const activities = createActivities({ knex: api.h.knex });
    for (const input of inputs) expect(await activities.persistTransition(input)).toEqual({ written: true, audit: input.audit });
  });

  it('GET /reports/monitoring answers the commission and auditors the sums; a university is refused', async () => {
    const commission = await api.user('commission');
    const res = await api.http('GET', '/api/v1/reports/monitoring', { token: commission.token });
    expect(res.status).toBe(200);
    expect(res.body.universities).toEqual([...expected.keys()].sort().map((u) => ({ universityId: u, years: sorted(expected.get(u)!) })));

    const auditor = await api.user('auditor');
    const narrowed = await api.http('GET', '/api/v1/reports/monitoring?university=bjut&from=2026&to=2026', { token: auditor.token });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.universities).toEqual([{ universityId: 'bjut', years: sorted(expected.get('bjut')!).filter((y) => y.year === 2026) }]);

    const bjut = await api.user('university', { orgId: 'bjut' });
    const refused = await api.http('GET', '/api/v1/reports/monitoring', { token: bjut.token });
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('forbidden-role');
    expect((await api.http('GET', '/api/v1/reports/monitoring?from=soon', { token: commission.token })).status).toBe(400);
  });

  it('`centers report` prints the tables fitted to the width, writes the CSV and SVG charts, through the API and directly', async () => {
    const commission = await api.user('commission');
    const csv = path.join(api.h.dir, 'report.csv');
    const charts = path.join(api.h.dir, 'charts');
    const run = await api.h.cli(['report', '--csv', csv, '--svg', charts], { env: { CENTERS_API_URL: api.url, CENTERS_TOKEN: commission.token, COLUMNS: '90' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Indicators of the annual summaries');
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(90);

    const [header, ...lines] = fs.readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(header.split(',')).toEqual(CSV_HEADERS);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [CSV_HEADERS[i], v])));
    for (const [u, years] of expected) {
      for (const y of years.values()) {
        const row = rows.find((r) => r.university === u && Number(r.year) === y.year)!;
        expect(row, `${u} ${y.year}`).toBeDefined();
        for (const k of TRANSFER_KINDS) expect(Number(row[`${k}_value_fen`])).toBe(y.transfers[k].contractAmountFen);
        expect(Number(row.people_trained)).toBe(y.peopleTrained);
        expect(Number(row.guidance_granted_fen)).toBe(y.funding.guidance.grantedFen);
      }
    }
    const all = rows.filter((r) => r.university === 'ALL');
    expect(all.reduce((n, r) => n + Number(r.promotion_requested_fen), 0)).toBe(
      [...expected.values()].flatMap((m) => [...m.values()]).reduce((n, y) => n + y.funding.promotion.requestedFen, 0),
    );
    const svgs = fs.readdirSync(charts).sort();
    expect(svgs).toEqual(['funding.svg', 'grades.svg', 'patents-training.svg', 'transfer-value.svg', 'transfers.svg']);
    for (const f of svgs) {
      const svg = fs.readFileSync(path.join(charts, f), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.match(/<rect /g)!.length).toBeGreaterThan(all.length);
    }

    // The operators' direct path reads the same report from the database.
    const direct = await api.h.ok(['report', '--university', 'thu'], { env: { CENTERS_API_URL: 'off' }, json: true });
    expect(direct.universities).toEqual([{ universityId: 'thu', years: sorted(expected.get('thu')!) }]);
  });
});
