import type { Policy } from './policy';

const DAY_MS = 24 * 3600_000;

/**
 * SPEC §3 "Time": the cycle starts on the approval date and year k ends on the k-th anniversary.
 * With a compressed policy (benchmarks only) a year is `compressedYearMs` and a day is 1/365 of it.
 */
export function yearEndAt(policy: Policy, cycleStartAt: string, k: number): string {
  const start = new Date(cycleStartAt);
  if (policy.compressedYearMs) return new Date(start.getTime() + k * policy.compressedYearMs).toISOString();
  const end = new Date(start);
  end.setUTCFullYear(start.getUTCFullYear() + k);
  // 29 February has no anniversary in a common year: the year ends on 1 March (Date rolls over by itself).
  return end.toISOString();
}

/** The start of the build year that ends at `yearEnd`: a year before (a compressed year before, for benchmarks). */
export function yearStartBefore(policy: Policy, yearEnd: string): string {
  const end = new Date(yearEnd);
  if (policy.compressedYearMs) return new Date(end.getTime() - policy.compressedYearMs).toISOString();
  const start = new Date(end);
  start.setUTCFullYear(end.getUTCFullYear() - 1);
  return start.toISOString();
}

/** A policy duration in days, as milliseconds (scaled with a compressed year). */
export function daysMs(policy: Policy, days: number): number {
  return policy.compressedYearMs ? Math.round((days * policy.compressedYearMs) / 365) : days * DAY_MS;
}

export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

/** When a deadline due at `dueAt` is reminded: the policy's `reminderDaysBefore` days before it (Art. 18; Art. 9, 18, 19). */
export const reminderAt = (policy: Policy, dueAt: string): string => addMs(dueAt, -daysMs(policy, policy.reminderDaysBefore));
