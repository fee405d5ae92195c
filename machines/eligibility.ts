import type { Application, CallInfo } from './domain';
import { policyValue, type Policy } from './policy';
import type { ConditionResult } from './records.types';

const BEIJING_OFFSET_MS = 8 * 3600_000;

function result(condition: number, key: string, failures: string[]): ConditionResult {
  return { condition, key, passed: failures.length === 0, reason: failures.join('; ') };
}

/**
 * Art. 8: the automatic check of the seven conditions. Pure; every failed condition carries its reason.
 * `callYear` anchors Art. 8(4)'s "last three years": the years before the call opened.
 */
export function checkEligibility(app: Application, policy: Policy, call: Pick<CallInfo, 'opensAt'>): ConditionResult[] {
  const c = app.conditions;

  // Art. 8(1): planned, deployed, implemented and assessed together with the university's reform.
  const reform = (['planned', 'deployed', 'implemented', 'assessed'] as const).flatMap((k) =>
    !c.reformIntegration[k].done
      ? [`transfer work is not ${k} together with the university's reform`]
      : c.reformIntegration[k].evidence.trim() === ''
        ? [`no evidence that transfer work is ${k} together with the reform`]
        : [],
  );

  // Art. 8(2): the four policies must exist.
  const policyNames = {
    resultsManagement: 'results management',
    ipManagement: 'IP management',
    personnelEvaluation: 'personnel evaluation',
    offPostEntrepreneurship: 'off-post part-time entrepreneurship',
  } as const;
  const policies = (Object.keys(policyNames) as (keyof typeof policyNames)[]).flatMap((k) =>
    c.policies[k].exists && c.policies[k].title.trim() !== '' ? [] : [`no ${policyNames[k]} policy`],
  );

  // Art. 8(3): the three working mechanisms must exist and run.
  const mechanismNames = {
    techTransfer: 'tech transfer',
    ipManagement: 'IP management',
    industryUniversityCooperation: 'industry–university cooperation',
  } as const;
  const mechanisms = (Object.keys(mechanismNames) as (keyof typeof mechanismNames)[]).flatMap((k) =>
    !c.mechanisms[k].established
      ? [`no ${mechanismNames[k]} mechanism`]
      : !c.mechanisms[k].running
        ? [`the ${mechanismNames[k]} mechanism is not running`]
        : [],
  );

  // Art. 8(4): results of high applied value, and transfers in each of the last N years (policy: transferRecordYears).
  // The commission counts years in Beijing time (UTC+8): a call opening at midnight on 1 January is that year's.
  const callYear = new Date(Date.parse(call.opensAt) + BEIJING_OFFSET_MS).getUTCFullYear();
  const wanted = Array.from({ length: policy.transferRecordYears }, (_, i) => callYear - policy.transferRecordYears + i);
  const record: string[] = [];
  const minResults = policyValue(policy, 'minHighValueResults');
  const minTransfers = policyValue(policy, 'minTransfersPerYear');
  if (c.transferRecord.highValueResults < minResults) {
    record.push(minResults === 1 ? 'no results of high applied value' : `${c.transferRecord.highValueResults} results of high applied value; at least ${minResults} are required`);
  }
  for (const year of wanted) {
    const y = c.transferRecord.years.find((r) => r.year === year);
    if (!y) record.push(`no transfer figures for ${year}`);
    else if (y.transfers < minTransfers) record.push(minTransfers === 1 ? `no transfers in ${year}` : `${y.transfers} transfers in ${year}; at least ${minTransfers} are required`);
  }

  // Art. 8(5): sustained support for posts, hiring and incentives, and funding.
  const support: string[] = [];
  if (!c.support.posts.committed) support.push('no commitment of posts');
  if (!c.support.hiringAndIncentives.committed) support.push('no commitment on hiring and incentives');
  if (!c.support.funding.committed || c.support.funding.annualAmountFen <= 0) support.push('no committed annual funding');

  // Art. 8(6): a fixed workplace with office equipment.
  const workplace: string[] = [];
  if (c.workplace.address.trim() === '') workplace.push('no workplace address');
  if (c.workplace.floorAreaM2 <= 0) workplace.push('no floor area');
  if (!c.workplace.officeEquipment) workplace.push('no office equipment');

  // Art. 8(7): at least policy.minFullTimeStaff full-time staff with a professional background.
  const qualified = qualifiedStaffCount(c.staff, policy);
  const staff =
    qualified >= policy.minFullTimeStaff
      ? []
      : [
          `${qualified} full-time staff with a tech-transfer, IP, law or finance background; at least ${policy.minFullTimeStaff} are required`,
        ];

  return [
    result(1, 'reformIntegration', reform),
    result(2, 'policies', policies),
    result(3, 'mechanisms', mechanisms),
    result(4, 'transferRecord', record),
    result(5, 'support', support),
    result(6, 'workplace', workplace),
    result(7, 'staff', staff),
  ];
}

export const isEligible = (results: readonly ConditionResult[] | null): boolean =>
  !!results && results.length === 7 && results.every((r) => r.passed);

/** Art. 8(7): full-time staff with a tech-transfer, IP, law or finance background (the one rule for eligibility and staff changes). */
export const qualifiedStaffCount = (staff: readonly { fullTime: boolean; background: string }[], policy: Policy): number => {
  const backgrounds: readonly string[] = policyValue(policy, 'qualifyingBackgrounds');
  return staff.filter((s) => s.fullTime && backgrounds.includes(s.background)).length;
};
