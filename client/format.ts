/**
 * Plain-text output for people: aligned tables and "label: value" blocks. Chinese names are double width in a
 * terminal, so widths are measured in columns, not characters.
 */
import type { Actor } from '../machines/domain';

/** East Asian wide and fullwidth characters take two terminal columns. */
function charWidth(cp: number): number {
  if (cp < 0x1100) return 1;
  const wide =
    (cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));

export type Cell = string | number | boolean | null | undefined;

function cellText(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v).replace(/\s*\n\s*/g, ' ');
}

/** The terminal's width: stdout's columns on a terminal, else $COLUMNS, else 100. */
export function terminalWidth(env: NodeJS.ProcessEnv = process.env): number {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 100;
}

/** `s` cut to `width` columns, an ellipsis marking the cut. */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Text that may be cut: four words or more (an amount, "¥500.00 (50000 fen)", is three and is never cut). */
const PROSE = /\S+(\s+\S+){3,}/;
/** A column narrower than this is not cut further. */
const MIN_TEXT_WIDTH = 12;

/**
 * An aligned table with a header row, fitted to `width` columns (the terminal's): when it is too wide, the widest
 * text columns — those with some cell of four words or more — are cut with an ellipsis, widest first. Ids, times,
 * numbers, amounts and states are never cut; a table whose text columns are all at their minimum stays wider.
 * `empty` is printed instead when there are no rows.
 */
export function table(headers: string[], rows: Cell[][], empty = '(none)', width = terminalWidth()): string {
  if (rows.length === 0) return empty;
  const text = rows.map((r) => r.map(cellText));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...text.map((r) => displayWidth(r[i] ?? ''))));
  const floor = headers.map((h, i) => (text.some((r) => PROSE.test(r[i] ?? '')) ? Math.max(displayWidth(h), MIN_TEXT_WIDTH) : Infinity));
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * (headers.length - 1) - width;
  while (excess > 0) {
    const i = widths.reduce((best, w, j) => (w > floor[j] && (best < 0 || w > widths[best]) ? j : best), -1);
    if (i < 0) break;
    widths[i]--;
    excess--;
  }
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? truncate(c, widths[i]) : pad(truncate(c, widths[i]), widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

/**
 * A table of figures too wide for the terminal, as several tables one under another: each repeats the first `keys`
 * columns (the row's identity) with as many of the other columns as fit in `width`. Figures are never cut, so a table
 * of them fits by splitting its columns, not by truncating.
 */
export function splitTable(headers: string[], rows: Cell[][], keys: number, empty = '(none)', width = terminalWidth()): string {
  if (rows.length === 0) return empty;
  const text = rows.map((r) => r.map(cellText));
  const w = headers.map((h, i) => Math.max(displayWidth(h), ...text.map((r) => displayWidth(r[i] ?? ''))));
  const keyWidth = w.slice(0, keys).reduce((a, b) => a + b + 2, 0);
  const chunks: number[][] = [];
  for (let i = keys; i < headers.length; i++) {
    const last = chunks.at(-1);
    const used = last ? last.reduce((a, j) => a + w[j] + 2, keyWidth) : Infinity;
    if (last && used + w[i] <= width) last.push(i);
    else chunks.push([i]);
  }
  const pick = (cols: number[]) => (r: string[]) => [...r.slice(0, keys), ...cols.map((j) => r[j])];
  const key = [...Array(keys).keys()];
  return chunks.map((cols) => table(pick(cols)(headers), text.map(pick(cols)), empty, width)).join('\n\n') || table(pick(key)(headers), text.map(pick(key)), empty, width);
}

/** "Label:  value" lines, labels aligned; rows whose value is undefined are left out. */
export function fields(rows: [string, Cell][]): string {
  const shown = rows.filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => displayWidth(k) + 1));
  return shown.map(([k, v]) => `${pad(`${k}:`, width)}  ${cellText(v)}`).join('\n');
}

/** A titled block, indented. */
export function section(title: string, body: string): string {
  return `${title}\n${body
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`;
}

/** ISO timestamps without milliseconds: 2026-11-26T09:12:00Z. */
export function time(iso: string | null | undefined): string | null {
  if (!iso) return null;
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

export function actorText(a: Actor): string {
  return `${a.role}:${a.id}${a.orgId ? `@${a.orgId}` : ''}`;
}


/** Art. 16: amounts are kept in integer fen; people read yuan. 12345678 → "123,456.78". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** Yuan with two decimals beside the exact fen: "¥123,456.78 (12345678 fen)". */
export function money(fen: number | null | undefined): string | null {
  if (fen === null || fen === undefined) return null;
  return `¥${yuan(fen)} (${fen} fen)`;
}
