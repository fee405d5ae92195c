/**
 * SPEC §3 "Validation": free text is normalised before its length rule, so an invisible reason is no reason and the
 * workflow and the database hold the same text; dates are plausible.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../../machines/commands';
import { CallInfoSchema, ReasonSchema } from '../../machines/domain';
import { DATE_RANGE, normaliseText, PlausibleDate } from '../../machines/text';

describe('text hygiene', () => {
  it('strips control and invisible format characters, makes lone surrogates well-formed, composes to NFC, trims', () => {
    expect(normaliseText('  \u200b\u200e\ufeffReason\u0007  ')).toBe('Reason');
    expect(normaliseText('caf\u0065\u0301')).toBe('caf\u00e9');
    expect(normaliseText('a\ud800b')).toBe('a\ufffdb');
    expect(normaliseText('\udc00x')).toBe('\ufffdx');
    expect(normaliseText('\ud83d\ude00 ok')).toBe('\ud83d\ude00 ok');
    expect(normaliseText('line 1\nline 2\ttab')).toBe('line 1\nline 2\ttab');
    expect(normaliseText('one\nline', { multiline: false })).toBe('one line');
  });

  it('an invisible reason is no reason: refused by the length rule (Art. 16 reduced grant, Art. 19 stop support)', () => {
    expect(ReasonSchema.safeParse('   \u200b').success).toBe(false);
    expect(ReasonSchema.safeParse('\u200b\u200bok\u200b').success).toBe(false);
    expect(ReasonSchema.parse('  Budget cut by the commission  ')).toBe('Budget cut by the commission');
    // The optional reason of a grant: normalised to empty, which the reduced-grant rule treats as none.
    const grant = COMMAND_TABLE.GRANT_FUNDING.payload.parse({ requestId: 'r1', amountFen: 100, reason: '   \u200b' });
    expect(grant.reason).toBe('');
    expect(COMMAND_TABLE.STOP_SUPPORT.payload.safeParse({ reason: '\u200b \u200b' }).success).toBe(false);
  });

  it(`dates fall between ${DATE_RANGE.from} and ${DATE_RANGE.to}`, () => {
    for (const bad of ['0001-01-01', '9999-12-31', '1900-01-01']) expect(PlausibleDate.safeParse(bad).success, bad).toBe(false);
    expect(PlausibleDate.safeParse('2026-12-02').success).toBe(true);
    const call = { callId: 'c', title: 'T', opensAt: '0001-01-01T00:00:00Z', closesAt: '2027-01-01T00:00:00Z', quota: 1 };
    expect(CallInfoSchema.safeParse(call).success).toBe(false);
    expect(CallInfoSchema.safeParse({ ...call, opensAt: '2026-01-01T00:00:00Z', closesAt: '9999-12-31T23:59:59Z' }).success).toBe(false);
  });
});
