/**
 * Money and time as people read them: integer fen as yuan with the fen exact (string arithmetic, never floating
 * point), and every time in Beijing time (Asia/Shanghai, UTC+8 all year: China keeps no daylight saving time).
 */
export type Lang = 'zh-CN' | 'en';

/** 123456 fen → "¥1,234.56"; a negative amount "-¥1.00"; null → "—". */
export function yuan(fen: number | bigint | string | null | undefined): string {
  if (fen === null || fen === undefined || fen === '') return '—';
  let digits = typeof fen === 'bigint' ? fen.toString() : typeof fen === 'number' ? (Number.isSafeInteger(fen) ? fen.toFixed(0) : 'NaN') : fen.trim();
  if (!/^-?\d+$/.test(digits)) return '—';
  const negative = digits.startsWith('-');
  if (negative) digits = digits.slice(1);
  digits = digits.replace(/^0+(?=\d)/, '').padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative && /[1-9]/.test(digits) ? '-' : ''}¥${whole}.${digits.slice(-2)}`;
}

/** "1,234.56", "¥1234.5", "1234" → integer fen; anything else (more than two decimals, letters) → null. */
export function parseYuan(text: string): number | null {
  const m = /^\s*¥?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = BigInt(m[1].replace(/,/g, '')) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  return fen <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(fen) : null;
}

/** Integer fen → the yuan text an input shows ("1234.56", no separators). */
export function fenToInput(fen: number): string {
  return yuan(fen).replace(/[¥,]/g, '');
}

/** Sums integer fen exactly. */
export const sumFen = (values: Iterable<number | bigint | null | undefined>): bigint => {
  let total = 0n;
  for (const v of values) if (v !== null && v !== undefined) total += BigInt(v);
  return total;
};

const BEIJING_OFFSET_MS = 8 * 3600_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The Beijing wall-clock parts of an instant. */
export function beijingParts(iso: string | number | Date): { y: number; m: number; d: number; hh: number; mm: number } | null {
  const t = typeof iso === 'number' ? iso : typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (!Number.isFinite(t)) return null;
  const b = new Date(t + BEIJING_OFFSET_MS);
  return { y: b.getUTCFullYear(), m: b.getUTCMonth() + 1, d: b.getUTCDate(), hh: b.getUTCHours(), mm: b.getUTCMinutes() };
}

/** The Beijing year of an instant (a funding year "this year" is counted in it). */
export const beijingYear = (iso: string | number | Date): number => beijingParts(iso)?.y ?? NaN;

/** "2026-05-01 09:00" (zh) / "1 May 2026, 09:00" (en), in Beijing time. */
export function dateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const p = beijingParts(iso);
  if (!p) return iso;
  return lang === 'zh-CN' ? `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.hh)}:${pad(p.mm)}` : `${p.d} ${MONTHS[p.m - 1]} ${p.y}, ${pad(p.hh)}:${pad(p.mm)}`;
}

/** The date alone, in Beijing time; a plain date ("2026-05-01") is shown as it is. */
export function date(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const p = plain ? { y: Number(plain[1]), m: Number(plain[2]), d: Number(plain[3]) } : beijingParts(iso);
  if (!p) return iso;
  return lang === 'zh-CN' ? `${p.y}-${pad(p.m)}-${pad(p.d)}` : `${p.d} ${MONTHS[p.m - 1]} ${p.y}`;
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant as a `datetime-local` input's value in Beijing time ("2026-05-01T09:00"). */
export function toBeijingInput(iso: string | number): string {
  const p = beijingParts(iso);
  return p ? `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.hh)}:${pad(p.mm)}` : '';
}

/** A `datetime-local` value read as Beijing time → an ISO instant in UTC ("2026-05-01T01:00:00.000Z"); bad → null. */
export function fromBeijingInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - BEIJING_OFFSET_MS;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Beijing midnight of a date input ("2026-05-01") as an ISO instant; bad → null. */
export function beijingMidnight(value: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? fromBeijingInput(`${value}T00:00`) : null;
}
