/** SPEC §4 "Schedulers": the calendar rounds' configuration — documented defaults, validated, overridable by env. */
import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_VARS, ConfigError, loadConfig } from '../../config';
import { calendarText } from '../../client/schedules';

const refused = (env: NodeJS.ProcessEnv): ConfigError => {
  try {
    loadConfig({ env });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('SPEC §4 — the calendar rounds are configured, not written into code', () => {
  it('defaults: the annual summary round on 15 April and the mid-term round on 15 May, 09:00 Beijing time', () => {
    const { rounds } = loadConfig({ env: {} });
    expect(rounds).toEqual({
      annualSummary: { month: 4, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] },
      midTerm: { month: 5, day: 15, hour: 9, minute: 0, timezone: 'Asia/Shanghai', kinds: ['yearEnd'] },
    });
    expect(calendarText(rounds.annualSummary)).toBe('every 15 April at 09:00 Asia/Shanghai');
  });

  it('a round is overridden by a JSON object in its environment variable, merged over the file', () => {
    expect(CONFIG_ENV_VARS['rounds.annualSummary']).toBe('CENTERS_ROUNDS_ANNUAL_SUMMARY');
    const { rounds } = loadConfig({ env: { CENTERS_ROUNDS_ANNUAL_SUMMARY: '{"month":3,"day":31,"timezone":"UTC"}' } });
    expect(rounds.annualSummary).toMatchObject({ month: 3, day: 31, hour: 9, timezone: 'UTC', kinds: ['yearEnd', 'summaryReminder', 'summaryDue'] });
  });

  it('refuses a day that is not in the month every year, an unknown time zone and a kind no round may fire', () => {
    expect(refused({ CENTERS_ROUNDS_MID_TERM: '{"month":2,"day":29}' }).issues[0]).toMatchObject({ path: 'rounds.midTerm.day', envVar: 'CENTERS_ROUNDS_MID_TERM' });
    expect(refused({ CENTERS_ROUNDS_MID_TERM: '{"timezone":"Mars/Olympus"}' }).issues[0]).toMatchObject({ path: 'rounds.midTerm.timezone' });
    expect(refused({ CENTERS_ROUNDS_MID_TERM: '{"kinds":["callWindow"]}' }).issues[0].path).toMatch(/^rounds\.midTerm\.kinds/);
    expect(refused({ CENTERS_ROUNDS_MID_TERM: '{"kinds":[]}' }).issues[0].path).toBe('rounds.midTerm.kinds');
    expect(refused({ CENTERS_ROUNDS_MID_TERM: 'not json' }).issues[0]).toMatchObject({ path: 'rounds.midTerm', message: 'expected an object' });
  });

  it('the outbox delivery log is a path resolved against the repository, or null to only log', () => {
    expect(loadConfig({ env: {} }).notifications.deliveryLog).toMatch(/data\/notifications\.jsonl$/);
    expect(loadConfig({ env: { CENTERS_NOTIFICATIONS_DELIVERY_LOG: 'null' } }).notifications.deliveryLog).toBeNull();
  });
});
