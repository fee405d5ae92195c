import { allowedCommands } from './authorize';
import { isClosed, stateName, type CenterSnapshot } from './center';
import type { CommandType } from './commands';
import type { Role } from './domain';
import type { ConditionResult } from './records.types';
import { nextDeadline } from './records';
import type { CallView, CenterContext, Deadline, Decision } from './types';

/** SPEC §4 query: the state, the open deadlines and the commands each role may send now. */
export interface CenterView {
  centerId: string;
  workflowId: string;
  universityId: string;
  callId: string;
  state: string;
  closed: boolean;
  cycle: number;
  tier: 'A' | 'B' | null;
  names: { zh: string; en: string } | null;
  establishedAt: string | null;
  applicationVersion: number;
  eligibility: ConditionResult[] | null;
  experts: { id: string; name: string; orgId: string; reviewed: boolean }[];
  reviews: { expertId: string; score: number; recommendation: string }[];
  decision: Decision | null;
  call: CallView;
  /** The build cycle (Art. 6, 13–19). */
  cycleStartAt: string | null;
  yearsEnded: number;
  funding: CenterContext['funding'];
  summaries: CenterContext['summaries'];
  /** The evaluation under way, or the latest graded one. */
  evaluation: CenterContext['evaluation'];
  evaluations: CenterContext['evaluations'];
  incidents: CenterContext['incidents'];
  rectification: CenterContext['rectification'];
  notices: CenterContext['notices'];
  supportStopped: CenterContext['supportStopped'];
  /** Art. 6, 8(7): the director and staff as last recorded. */
  director: CenterContext['director'];
  staff: CenterContext['staff'];
  openDeadlines: Deadline[];
  nextDeadline: { key: string; dueAt: string } | null;
  allowedCommands: Record<Role, CommandType[]>;
  seq: number;
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
    reviews: Object.entries(ctx.reviews).map(([expertId, r]) => ({ expertId, score: r.score, recommendation: r.recommendation })),
    decision: ctx.decision,
    call: ctx.call,
    cycleStartAt: ctx.cycleStartAt,
    yearsEnded: ctx.yearsEnded,
    funding: ctx.funding,
    summaries: ctx.summaries,
    evaluation: ctx.evaluation,
    evaluations: ctx.evaluations,
    incidents: ctx.incidents,
    rectification: ctx.rectification,
    notices: ctx.notices,
    supportStopped: ctx.supportStopped,
    director: ctx.director,
    staff: ctx.staff,
    openDeadlines: closed ? [] : ctx.deadlines.filter((d) => d.status === 'pending'),
    nextDeadline: nextDeadline(snapshot),
    allowedCommands: closed ? NONE : allowedCommands(snapshot),
    seq,
  };
}
