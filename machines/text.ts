/**
 * What free text and dates may be (SPEC §3 "Validation"): every text field is normalised before its length rule —
 * lone surrogates made well-formed (SQLite would store them as U+FFFD while the workflow keeps the original),
 * Unicode NFC, control and invisible format characters (zero-width spaces, bidi marks, BOM) removed, surrounding
 * space trimmed — so a reason of "   \u200b" is empty, and the workflow and the database hold the same text.
 * Dates must fall in a plausible range.
 */
import { z } from 'zod';

/** Control (Cc) and format (Cf) characters, except the tab and line breaks long text may hold. */
const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Cf}]/gu;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function normaliseText(value: string, { multiline = true } = {}): string {
  const text = value.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC').replace(INVISIBLE, '');
  return (multiline ? text : text.replace(/[\t\n\r]+/g, ' ')).trim();
}

/** A string normalised by normaliseText, then held to `rules` (min, max, regex…). */
export const cleanText = <T extends z.ZodString>(rules: T, opts?: { multiline?: boolean }) =>
  z.preprocess((v) => (typeof v === 'string' ? normaliseText(v, opts) : v), rules) as unknown as z.ZodEffects<T, string, string>;

/**
 * Dates and times the regulation's records can carry: from 1949 (the earliest a university record can go back to)
 * to 2200 (far beyond any five-year cycle); 0001-01-01 and 9999-12-31 are typing errors, not dates.
 */
export const DATE_RANGE = { from: '1949-01-01', to: '2200-12-31' } as const;
const inRange = (iso: string) => iso.slice(0, 10) >= DATE_RANGE.from && iso.slice(0, 10) <= DATE_RANGE.to;
const rangeMessage = `a date between ${DATE_RANGE.from} and ${DATE_RANGE.to}`;

/** YYYY-MM-DD, in range. */
export const PlausibleDate = z.string().date().refine(inRange, rangeMessage);
/** An ISO time in UTC (…Z), in range. */
export const PlausibleTime = z.string().datetime().refine(inRange, rangeMessage);
