import { overdueSteps } from './stages/deadlines';
import type { ExecutableActionObject } from 'xstate';
import { allowedCommands } from './authorize';
import { advance, isClosed, stateName, type CenterEvent, type CenterSnapshot } from './center';
import type { CommandType } from './commands';
import { earliestPending, type CallView, type CenterContext, type Deadline } from './context';
import type { PersistParams } from './core';
import { evidenceRecords } from './evidence';
import type { CenterRow, ConditionResult, DomainRecord } from './records.types';
import type { Role, Tier } from './vocabulary';
import { applicationPanel, type Decision } from './stages/application';
import type { Panel } from './stages/selection';
import { grantedInYear, yearCeiling } from './stages/funding';
import { qualifiedStaffCount } from './eligibility';
import { currentYear } from './stages/summaries';
import { FUNDING_KINDS, type FundingKind } from './vocabulary';

/** SPEC §4 query: the state, the open deadlines and the commands each role may send now. */
export interface CenterView {
  centerId: string;
  workflowId: string;
  universityId: string;
  callId: string;
  state: string;
  closed: boolean;
  cycle: number;
  tier: Tier | null;
  names: { zh: string; en: string } | null;
  establishedAt: string | null;
  applicationVersion: number;
  eligibility: ConditionResult[] | null;
  experts: { id: string; name: string; orgId: string; reviewed: boolean }[];
  reviews: { expertId: string; score: number; scores?: Record<string, number>; recommendation: string }[];
  /** Art. 9: the panel's aggregate — the application's score (the mean) and the spread (max − min); null before any review. */
  panel: Panel | null;
  decision: Decision | null;
  call: CallView;
  /** The build cycle (Art. 6, 13–19). */
  cycleStartAt: string | null;
  yearsEnded: number;
  funding: CenterContext['funding'];
  /** Art. 19: the build year under way — per project kind, what is granted and the tier's ceiling (null: none). */
  fundingYear: { cycle: number; year: number; tier: Tier | null; kinds: Record<FundingKind, { grantedFen: number; ceilingFen: number | null }> } | null;
  summaries: CenterContext['summaries'];
  /** The evaluation under way, or the latest graded one. */
  evaluation: CenterContext['evaluation'];
  evaluations: CenterContext['evaluations'];
  incidents: CenterContext['incidents'];
  /** Op. 4(4), Art. 15: the results reserve and patent pool. */
  reserve: CenterContext['reserve'];
  /** Art. 16: the spending recorded against the grants' lines, and the grants' final accounts. */
  spending: CenterContext['spending'];
  finalAccounts: CenterContext['finalAccounts'];
  rectification: CenterContext['rectification'];
  notices: CenterContext['notices'];
  supportStopped: CenterContext['supportStopped'];
  /** Art. 6, 8(7): the director and staff as last recorded. */
  director: CenterContext['director'];
  staff: CenterContext['staff'];
  /** Art. 8(7): how many of the staff are full-time with a background the policy counts. */
  qualifiedStaff: number;
  openDeadlines: Deadline[];
  /** Art. 9, 18: the steps past their deadline that still wait (overdue and escalated), with the deadline's key. */
  overdueSteps: ReturnType<typeof overdueSteps>;
  nextDeadline: { key: string; dueAt: string } | null;
  allowedCommands: Record<Role, CommandType[]>;
  seq: number;
}

function fundingYearOf(ctx: CenterContext): CenterView['fundingYear'] {
  const year = currentYear(ctx);
  if (year === null || ctx.supportStopped) return null;
  const kinds = Object.fromEntries(
    FUNDING_KINDS.map((kind) => [kind, { grantedFen: grantedInYear(ctx, { cycle: ctx.cycle, year, request: { kind } }), ceilingFen: yearCeiling(ctx, kind) }]),
  ) as Record<FundingKind, { grantedFen: number; ceilingFen: number | null }>;
  return { cycle: ctx.cycle, year, tier: ctx.tier, kinds };
}

const NONE: Record<Role, CommandType[]> = { commission: [], university: [], expert: [], scheduler: [], auditor: [] };

/** The query's answer, derived from the snapshot alone (pure). */
export function centerView(snapshot: CenterSnapshot, seq: number): CenterView {
  const ctx = snapshot.context;
  const closed = isClosed(snapshot);
  return {
    centerId: ctx.centerId,
    workflowId: ctx.workflowId,
    universityId: ctx.universityId,
    callId: ctx.call.callId,
    state: stateName(snapshot),
    closed,
    cycle: ctx.cycle,
    tier: ctx.tier,
    names: ctx.names,
    establishedAt: ctx.establishedAt,
    applicationVersion: ctx.applicationVersion,
    eligibility: ctx.eligibility,
    experts: ctx.experts.map((e) => ({ ...e, reviewed: e.id in ctx.reviews })),
    reviews: Object.entries(ctx.reviews).map(([expertId, r]) => ({ expertId, score: r.score, ...(r.scores ? { scores: r.scores } : {}), recommendation: r.recommendation })),
    panel: applicationPanel(ctx),
    decision: ctx.decision,
    call: ctx.call,
    cycleStartAt: ctx.cycleStartAt,
    yearsEnded: ctx.yearsEnded,
    funding: ctx.funding,
    fundingYear: fundingYearOf(ctx),
    summaries: ctx.summaries,
    evaluation: ctx.evaluation,
    evaluations: ctx.evaluations,
    incidents: ctx.incidents,
    reserve: ctx.reserve ?? [],
    spending: ctx.spending ?? [],
    finalAccounts: ctx.finalAccounts ?? [],
    rectification: ctx.rectification,
    notices: ctx.notices,
    supportStopped: ctx.supportStopped,
    director: ctx.director,
    staff: ctx.staff,
    qualifiedStaff: qualifiedStaffCount(ctx.staff, ctx.policy),
    openDeadlines: closed ? [] : ctx.deadlines.filter((d) => d.status === 'pending'),
    overdueSteps: closed ? [] : overdueSteps(ctx),
    nextDeadline: nextDeadline(snapshot),
    allowedCommands: closed ? NONE : allowedCommands(snapshot),
    seq,
  };
}

/** The records a transition persists: the parameters of the `persist` actions `transition()` returned, in order. */
export function recordsOf(actions: readonly ExecutableActionObject[]): DomainRecord[] {
  return actions.flatMap((a) => (a.type === 'persist' ? (a.params as PersistParams).records : []));
}

/** What a command's result carries of the center: where it now is and its next deadline (the whole view is a query). */
export type CenterSummary = Pick<CenterView, 'centerId' | 'state' | 'closed' | 'cycle' | 'tier' | 'yearsEnded' | 'nextDeadline' | 'seq'>;
export function centerSummary(snapshot: CenterSnapshot, seq: number): CenterSummary {
  const closed = isClosed(snapshot);
  const ctx = snapshot.context;
  return { centerId: ctx.centerId, state: stateName(snapshot), closed, cycle: ctx.cycle, tier: ctx.tier, yearsEnded: ctx.yearsEnded, nextDeadline: nextDeadline(snapshot), seq };
}

/** One transition and the records it persists: what the workflow does with every event (pure). */
export function applyEvent(snapshot: CenterSnapshot, event: CenterEvent): { after: CenterSnapshot; records: DomainRecord[] } {
  const [after, actions] = advance(snapshot, event);
  return { after, records: [...recordsOf(actions), ...evidenceRecords(snapshot.context, after.context, event)] };
}

/** The earliest pending deadline, for the read model and the NextDeadline search attribute. */
export function nextDeadline(snapshot: CenterSnapshot): { key: string; dueAt: string } | null {
  const d = isClosed(snapshot) ? null : earliestPending(snapshot.context.deadlines);
  return d && { key: d.key, dueAt: d.dueAt };
}

/** The center's row in the read model. */
export function centerRowFor(snapshot: CenterSnapshot, at: string): CenterRow {
  const ctx = snapshot.context;
  return {
    centerId: ctx.centerId,
    workflowId: ctx.workflowId,
    universityId: ctx.universityId,
    callId: ctx.call.callId,
    state: stateName(snapshot),
    cycle: ctx.cycle,
    tier: ctx.tier,
    nameZh: ctx.names?.zh ?? null,
    nameEn: ctx.names?.en ?? null,
    establishedAt: ctx.establishedAt,
    nextDeadlineAt: nextDeadline(snapshot)?.dueAt ?? null,
    updatedAt: at,
  };
}
