/** The console's money and time: integer fen shown as yuan with the fen exact, and Beijing time both ways. */
import { describe, expect, it } from 'vitest';
import { beijingYear, date, dateTime, fromBeijingInput, parseYuan, sumFen, toBeijingInput, yuan } from '../../console/src/format';

describe('money in yuan, fen exact (Art. 16)', () => {
  it('formats integer fen without floating point', () => {
    expect(yuan(123456)).toBe('¥1,234.56');
    expect(yuan(5)).toBe('¥0.05');
    expect(yuan(0)).toBe('¥0.00');
    expect(yuan(-100)).toBe('-¥1.00');
    expect(yuan(Number.MAX_SAFE_INTEGER)).toBe('¥90,071,992,547,409.91');
    expect(yuan(12345678901234567890n)).toBe('¥123,456,789,012,345,678.90');
    expect(yuan('30000000000')).toBe('¥300,000,000.00');
    expect(yuan(null)).toBe('—');
    expect(yuan(0.1 + 0.2)).toBe('—');
  });
  it('reads yuan typed by a person into integer fen', () => {
    expect(parseYuan('1,234.56')).toBe(123456);
    expect(parseYuan('¥ 0.1')).toBe(10);
    expect(parseYuan('19.99')).toBe(1999);
    expect(parseYuan('1234')).toBe(123400);
    expect(parseYuan('1.234')).toBeNull();
    expect(parseYuan('12,34')).toBeNull();
    expect(parseYuan('abc')).toBeNull();
    expect(sumFen([10, 20, 1999])).toBe(2029n);
  });
});

describe('Beijing time (Asia/Shanghai)', () => {
  it('shows instants in Beijing time and reads Beijing wall-clock input back to the instant', () => {
    expect(dateTime('2026-04-14T16:30:00Z', 'zh-CN')).toBe('2026-04-15 00:30');
    expect(dateTime('2026-04-14T16:30:00Z', 'en')).toBe('15 Apr 2026, 00:30');
    expect(date('2026-12-31T16:00:00Z', 'zh-CN')).toBe('2027-01-01');
    expect(date('2026-05-01', 'en')).toBe('1 May 2026');
    expect(beijingYear('2026-12-31T16:00:00Z')).toBe(2027);
    expect(fromBeijingInput('2026-05-01T09:00')).toBe('2026-05-01T01:00:00.000Z');
    expect(toBeijingInput('2026-05-01T01:00:00.000Z')).toBe('2026-05-01T09:00');
    expect(fromBeijingInput('not a time')).toBeNull();
  });
});
