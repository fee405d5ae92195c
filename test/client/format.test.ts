/** client/format.ts table(): fitted to the terminal's width, cutting the widest text columns, never ids or times. */
import { describe, expect, it } from 'vitest';
import { displayWidth, splitTable, table, terminalWidth, truncate } from '../../client/format';

const headers = ['SEQ', 'AT', 'KIND', 'ACTOR', 'COMMAND', 'REASON'];
const rows = [
  [1, '2026-11-26T09:12:00Z', 'opened', 'commission:operator', 'cmd-5b0c3c1e-2f7a-4c3e-9a55-0c1b2d3e4f50', null],
  [2, '2026-11-27T10:00:00Z', 'quota-raised', 'commission:operator', 'cmd-e2e-quota-1', 'A third application of equal merit, ranked by the panel at the same score as the second one'],
  [3, '2026-11-28T11:30:00Z', 'closed-early', 'commission:operator', 'cmd-e2e-close-1', 'Quota filled by eligible applications; the remaining applicants were told by letter on the same day'],
];
const lines = (t: string) => t.split('\n');

describe('table() fits the terminal', () => {
  it.each([60, 80, 120])('at %i columns: cuts the reason, never the seq, time, actor or command id', (width) => {
    const t = table(headers, rows, '(none)', width);
    const natural = Math.max(...lines(table(headers, rows, '(none)', 1000)).map(displayWidth));
    expect(natural).toBeGreaterThan(120);
    for (const row of rows) {
      for (const cell of row.slice(0, 5)) expect(t).toContain(String(cell));
    }
    // SEQ 3 + AT 20 + KIND 12 + ACTOR 19 + COMMAND 40, five gaps of 2 and REASON at its minimum of 12: 116 columns.
    // Narrower, the table cannot fit and stays as narrow as it can.
    const widest = Math.max(...lines(t).map(displayWidth));
    expect(widest).toBe(Math.max(width, 116));
    expect(t).toContain('…');
    expect(t).not.toContain(String(rows[1][5]));
  });

  it('cuts only as much as needed, and the widest text column first', () => {
    const t = table(['ID', 'TITLE', 'NOTE'], [['c1-y1-f1', 'A pilot line for the new battery separator', 'short note']], '(none)', 50);
    expect(Math.max(...lines(t).map(displayWidth))).toBe(50);
    expect(t).toContain('c1-y1-f1');
    expect(t).toContain('short note');
    expect(t).toMatch(/A pilot line.*…/);
  });

  it('a table that fits is unchanged; an empty one prints its message', () => {
    const small = table(['ID', 'NAME'], [['bjut', 'Beijing University of Technology']], '(none)', 60);
    expect(small).toBe('ID    NAME\nbjut  Beijing University of Technology');
    expect(table(['ID'], [], 'No calls.', 60)).toBe('No calls.');
  });

  it('measures Chinese text in terminal columns', () => {
    expect(truncate('北京工业大学科技成果转化促进中心', 9)).toBe('北京工业…');
    expect(displayWidth(truncate('北京工业大学科技成果转化促进中心', 9))).toBeLessThanOrEqual(9);
  });

  it('without a terminal, the width is $COLUMNS, else 100', () => {
    if (process.stdout.isTTY) return;
    expect(terminalWidth({ COLUMNS: '72' })).toBe(72);
    expect(terminalWidth({})).toBe(100);
  });
});

describe('splitTable() fits a table of figures by splitting its columns', () => {
  const figures = ['UNIVERSITY', 'YEAR', ...Array.from({ length: 10 }, (_, i) => `FIGURE${i}`)];
  const data = [
    ['bjut', 2026, ...Array.from({ length: 10 }, (_, i) => 1_000_000 + i)],
    ['thu', 2027, ...Array.from({ length: 10 }, (_, i) => 2_000_000 + i)],
  ];
  it.each([40, 60, 90])('at %i columns: every line fits, every figure is shown whole, each part repeats the university and year', (width) => {
    const t = splitTable(figures, data, 2, '(none)', width);
    expect(Math.max(...lines(t).map(displayWidth))).toBeLessThanOrEqual(width);
    for (const row of data) for (const cell of row) expect(t).toContain(String(cell));
    const parts = t.split('\n\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(lines(p)[0]).toMatch(/^UNIVERSITY {2}YEAR {2}FIGURE/);
  });

  it('a table that fits is one table, as table() prints it', () => {
    expect(splitTable(figures, data, 2, '(none)', 1000)).toBe(table(figures, data, '(none)', 1000));
    expect(splitTable(figures, [], 2, 'Nothing.', 80)).toBe('Nothing.');
  });
});
