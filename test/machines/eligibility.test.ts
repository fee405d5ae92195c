import { describe, expect, it } from 'vitest';
import type { Application } from '../../machines/domain';
import { checkEligibility, isEligible } from '../../machines/eligibility';
import { defaultPolicy, parsePolicy, type Policy } from '../../machines/policy';
import type { ConditionResult } from '../../machines/records.types';
import { application, applicationAsOf, callInfo, understaffed } from '../helpers/fixtures';
import { CALL } from './drive';

/** The call of the fixtures opens in 2026: Art. 8(4)'s "last three years" are 2023, 2024, 2025. */
const check = (app: Application, policy: Policy = defaultPolicy, opensAt = CALL.opensAt) => checkEligibility(app, policy, { opensAt });
const changed = (change: (a: Application) => void) => application('bjut', change);

/** Exactly condition `n` fails, with a reason matching `reason`; the six others pass. */
function expectOnlyFailure(results: ConditionResult[], n: number, reason: RegExp) {
  expect(isEligible(results)).toBe(false);
  const failed = results.filter((r) => !r.passed);
  expect(failed.map((r) => r.condition)).toEqual([n]);
  expect(failed[0]!.reason).toMatch(reason);
}

describe('Art. 8 — the seven conditions, checked automatically', () => {
  it('the example application meets all seven conditions, each with an empty reason', () => {
    const results = check(application());
    expect(results.map((r) => [r.condition, r.key, r.passed, r.reason])).toEqual([
      [1, 'reformIntegration', true, ''],
      [2, 'policies', true, ''],
      [3, 'mechanisms', true, ''],
      [4, 'transferRecord', true, ''],
      [5, 'support', true, ''],
      [6, 'workplace', true, ''],
      [7, 'staff', true, ''],
    ]);
    expect(isEligible(results)).toBe(true);
  });

  it('every failed condition is reported, each with its own reason', () => {
    const results = check(
      changed((a) => {
        a.conditions.reformIntegration.assessed.done = false;
        a.conditions.workplace.officeEquipment = false;
        a.conditions.staff = [];
      }),
    );
    expect(results.filter((r) => !r.passed).map((r) => r.condition)).toEqual([1, 6, 7]);
    expect(results.filter((r) => !r.passed).every((r) => r.reason.length > 0)).toBe(true);
  });

  it('no result, or fewer than seven results, is never eligible', () => {
    expect(isEligible(null)).toBe(false);
    expect(isEligible(check(application()).slice(0, 6))).toBe(false);
  });
});

describe('Art. 8(1) — transfer work planned, deployed, implemented and assessed with the reform', () => {
  it.each(['planned', 'deployed', 'implemented', 'assessed'] as const)('an item not done (%s) fails condition 1, naming it', (item) => {
    const results = check(changed((a) => void (a.conditions.reformIntegration[item].done = false)));
    expectOnlyFailure(results, 1, new RegExp(`not ${item} together with the university's reform`));
  });

  it('an item done without evidence fails condition 1', () => {
    const results = check(changed((a) => void (a.conditions.reformIntegration.deployed.evidence = '   ')));
    expectOnlyFailure(results, 1, /no evidence that transfer work is deployed/);
  });
});

describe('Art. 8(2) — four policies: results, IP, personnel evaluation, off-post entrepreneurship', () => {
  it.each([
    ['resultsManagement', /no results management policy/],
    ['ipManagement', /no IP management policy/],
    ['personnelEvaluation', /no personnel evaluation policy/],
    ['offPostEntrepreneurship', /no off-post part-time entrepreneurship policy/],
  ] as const)('a missing %s policy fails condition 2, naming it', (key, reason) => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.policies[key].exists = false))), 2, reason);
  });

  it('a policy said to exist but without a title is not accepted', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.policies.ipManagement.title = ''))), 2, /no IP management policy/);
  });
});

describe('Art. 8(3) — three working mechanisms, established and running', () => {
  it.each([
    ['techTransfer', /no tech transfer mechanism/],
    ['ipManagement', /no IP management mechanism/],
    ['industryUniversityCooperation', /no industry–university cooperation mechanism/],
  ] as const)('a missing %s mechanism fails condition 3, naming it', (key, reason) => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.mechanisms[key].established = false))), 3, reason);
  });

  it('a mechanism established on paper but not running fails condition 3', () => {
    expectOnlyFailure(
      check(changed((a) => void (a.conditions.mechanisms.industryUniversityCooperation.running = false))),
      3,
      /the industry–university cooperation mechanism is not running/,
    );
  });
});

describe('Art. 8(4) — high-value results and a transfer record in the last three years', () => {
  it('no result of high applied value fails condition 4', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.transferRecord.highValueResults = 0))), 4, /no results of high applied value/);
  });

  it('a missing year among the three before the call year fails condition 4, naming the year', () => {
    const app = changed((a) => void (a.conditions.transferRecord.years = a.conditions.transferRecord.years.filter((y) => y.year !== 2024)));
    expectOnlyFailure(check(app), 4, /no transfer figures for 2024/);
  });

  it('a year with no transfers fails condition 4, naming the year', () => {
    const app = changed((a) => void (a.conditions.transferRecord.years.find((y) => y.year === 2025)!.transfers = 0));
    expectOnlyFailure(check(app), 4, /no transfers in 2025/);
  });

  it('the years are counted back from the call year: the same record is short for a call opening in 2027', () => {
    const results = check(application(), defaultPolicy, '2027-02-01T00:00:00.000Z');
    expectOnlyFailure(results, 4, /no transfer figures for 2026/);
    expect(results[3]!.reason).not.toMatch(/2023|2024|2025/);
  });

  it('years outside the window (e.g. only older years) do not count', () => {
    const app = changed((a) => void (a.conditions.transferRecord.years = a.conditions.transferRecord.years.map((y) => ({ ...y, year: y.year - 3 }))));
    expectOnlyFailure(check(app), 4, /no transfer figures for 2023; no transfer figures for 2024; no transfer figures for 2025/);
  });

  it('policy.transferRecordYears sets the window: 2 years accept a record without 2023, 4 years require 2022', () => {
    const without2023 = changed((a) => void (a.conditions.transferRecord.years = a.conditions.transferRecord.years.filter((y) => y.year !== 2023)));
    expect(isEligible(check(without2023, parsePolicy({ transferRecordYears: 2 })))).toBe(true);
    expectOnlyFailure(check(without2023), 4, /no transfer figures for 2023/);
    expectOnlyFailure(check(application(), parsePolicy({ transferRecordYears: 4 })), 4, /no transfer figures for 2022/);
  });
});

describe('Art. 8(5) — sustained support: posts, hiring and incentives, funding', () => {
  it('no commitment of posts fails condition 5', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.support.posts.committed = false))), 5, /no commitment of posts/);
  });

  it('no commitment on hiring and incentives fails condition 5', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.support.hiringAndIncentives.committed = false))), 5, /hiring and incentives/);
  });

  it('funding committed with no annual amount fails condition 5', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.support.funding.annualAmountFen = 0))), 5, /no committed annual funding/);
  });
});

describe('Art. 8(6) — a fixed workplace with office equipment', () => {
  it('no address fails condition 6', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.workplace.address = ' '))), 6, /no workplace address/);
  });

  it('no floor area fails condition 6', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.workplace.floorAreaM2 = 0))), 6, /no floor area/);
  });

  it('no office equipment fails condition 6', () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.workplace.officeEquipment = false))), 6, /no office equipment/);
  });
});

describe('Art. 8(7) — at least three full-time staff in tech transfer, IP, law or finance', () => {
  it('two full-time professional staff fail condition 7, giving the count and the minimum', () => {
    expectOnlyFailure(check(understaffed()), 7, /^2 full-time staff .*at least 3 are required/);
  });

  it('part-time staff are not counted, even with a professional background', () => {
    // The example has three full-time professionals and one part-time finance person.
    expectOnlyFailure(check(changed((a) => void (a.conditions.staff[2]!.fullTime = false))), 7, /^2 full-time staff/);
  });

  it("full-time staff with an 'other' background are not counted", () => {
    expectOnlyFailure(check(changed((a) => void (a.conditions.staff[2]!.background = 'other'))), 7, /^2 full-time staff/);
  });

  it('a full-time finance professional counts', () => {
    const app = changed((a) => {
      a.conditions.staff[2]!.background = 'other';
      a.conditions.staff[3]!.fullTime = true; // the finance person
    });
    expect(isEligible(check(app))).toBe(true);
  });

  it('policy.minFullTimeStaff 5 makes the example application fail; 2 makes the understaffed one pass', () => {
    expectOnlyFailure(check(application(), parsePolicy({ minFullTimeStaff: 5 })), 7, /^3 full-time staff .*at least 5 are required/);
    expect(isEligible(check(understaffed(), parsePolicy({ minFullTimeStaff: 2 })))).toBe(true);
  });
});

describe('Art. 8(4), 8(7): the thresholds are the policy\'s, with the regulation\'s reading as defaults', () => {
  it('the results of high applied value and the transfers per year a commission asks for', () => {
    const app = application();
    const results = app.conditions.transferRecord.highValueResults;
    const fewest = Math.min(...app.conditions.transferRecord.years.map((y) => y.transfers));
    expect(isEligible(check(app, parsePolicy({ minHighValueResults: results, minTransfersPerYear: fewest })))).toBe(true);
    expectOnlyFailure(check(app, parsePolicy({ minHighValueResults: results + 1 })), 4, new RegExp(`^${results} results of high applied value; at least ${results + 1} are required$`));
    expectOnlyFailure(check(app, parsePolicy({ minTransfersPerYear: fewest + 1 })), 4, new RegExp(`${fewest} transfers in \\d{4}; at least ${fewest + 1} are required`));
  });

  it('which staff backgrounds count towards the full-time minimum', () => {
    const app = application();
    const counted = new Set(app.conditions.staff.filter((s) => s.fullTime).map((s) => s.background));
    expect(isEligible(check(app))).toBe(true);
    // Counting one background only leaves too few qualifying staff.
    const only = [...counted][0]!;
    const policy = parsePolicy({ qualifyingBackgrounds: [only], minFullTimeStaff: app.conditions.staff.filter((s) => s.fullTime && s.background === only).length + 1 });
    expectOnlyFailure(check(app, policy), 7, /full-time staff with a tech-transfer, IP, law or finance background; at least \d+ are required/);
  });

  it('a policy without these numbers (a center started before they were in the policy) reads the old literals', () => {
    const { minHighValueResults: _r, minTransfersPerYear: _t, qualifyingBackgrounds: _b, minReasonLength: _l, ...older } = defaultPolicy;
    expect(check(application(), older as Policy)).toEqual(check(application()));
    expect(check(understaffed(), older as Policy)).toEqual(check(understaffed()));
  });
});

describe('the fixtures: an application made "as of" a time is eligible for a call opened by callInfo at that time', () => {
  it.each(['2027-01-01T02:00:00+08:00', '2027-01-01T23:00:00+08:00', '2027-01-02T09:00:00+08:00', '2027-12-31T23:30:00+08:00'])('at %s (Beijing)', (at) => {
    const now = Date.parse(at);
    expect(isEligible(checkEligibility(applicationAsOf('bjut', now), defaultPolicy, callInfo(now)))).toBe(true);
  });
});
