import type { CenterEvent, CenterSnapshot } from './center';
import { isClosed, stateName } from './center';
import type { CenterContext, EvaluationEntry, FundingEntry, SummaryEntry } from './types';
import type { CenterRow, DomainRecord } from './records.types';
import { qualifiedStaffCount } from './rules';

/**
 * The domain records one transition produces (pure). The workflow passes them, with the audit row, to the
 * `persistTransition` activity. Derived from the contexts before and after the event, so a replay derives
 * the same records.
 */
export function recordsFor(event: CenterEvent, before: CenterSnapshot, after: CenterSnapshot): DomainRecord[] {
  const ctx = after.context;
  const prev = before.context;
  const at = event.meta.at;
  const records: DomainRecord[] = [];
  const centerId = ctx.centerId;

  switch (event.type) {
    case 'SUBMIT_APPLICATION':
    case 'AMEND_APPLICATION':
      records.push(
        { kind: 'application', centerId, callId: ctx.call.callId, universityId: ctx.universityId, version: ctx.applicationVersion, application: event.application, submittedAt: at },
        { kind: 'eligibility', centerId, version: ctx.applicationVersion, results: ctx.eligibility ?? [], checkedAt: at },
      );
      break;
    case 'ASSIGN_EXPERTS':
      records.push({ kind: 'expertAssignment', centerId, stage: 'application', experts: event.experts, assignedAt: at, assignedBy: event.meta.actor.id });
      break;
    case 'SUBMIT_REVIEW':
      records.push({ kind: 'review', centerId, stage: 'application', expertId: event.meta.actor.id, review: event.review, submittedAt: at });
      break;
    case 'ASSIGN_EVALUATION_EXPERTS':
      records.push({ kind: 'expertAssignment', centerId, stage: ctx.evaluation!.evaluationId, experts: event.experts, assignedAt: at, assignedBy: event.meta.actor.id });
      break;
    case 'SUBMIT_EVALUATION_REVIEW': {
      const ev = ctx.evaluation!;
      const r = ev.reviews[event.meta.actor.id];
      records.push({ kind: 'evaluationReview', centerId, stage: ev.evaluationId, expertId: event.meta.actor.id, scores: r.scores, weightedScore: r.weightedScore, opinion: r.opinion, submittedAt: at });
      break;
    }
    case 'RECORD_INTEGRITY_INCIDENT': {
      const i = ctx.incidents[ctx.incidents.length - 1];
      records.push({ kind: 'integrityIncident', centerId, incidentId: i.incidentId, incident: i.incident, recordedAt: i.recordedAt, recordedBy: i.recordedBy });
      break;
    }
    case 'RECORD_DIRECTOR_CHANGE':
    case 'RECORD_STAFF_CHANGE':
      records.push({
        kind: 'organisationChange',
        centerId,
        changeId: `org-${ctx.organisationChanges}`,
        change: event.type === 'RECORD_DIRECTOR_CHANGE' ? 'director' : 'staff',
        details: event.type === 'RECORD_DIRECTOR_CHANGE' ? event.director : event.staff,
        effectiveOn: event.effectiveOn,
        reason: event.reason,
        belowStaffMinimum: qualifiedStaffCount(ctx.staff) < ctx.policy.minFullTimeStaff,
        recordedAt: at,
        recordedBy: event.meta.actor.id,
      });
      break;
    default:
      break;
  }

  if (ctx.decision && ctx.decision !== prev.decision) {
    records.push({ kind: 'decision', centerId, outcome: ctx.decision.outcome, reason: ctx.decision.reason, decidedAt: ctx.decision.at, decidedBy: ctx.decision.by });
  }
  if (ctx.cycle !== prev.cycle && ctx.cycleStartAt) {
    const last = ctx.deadlines.filter((d) => d.kind === 'yearEnd' && d.cycle === ctx.cycle).at(-1);
    records.push({ kind: 'cycle', centerId, cycle: ctx.cycle, tier: ctx.tier, startedAt: ctx.cycleStartAt, endsAt: last?.dueAt ?? ctx.cycleStartAt });
  }
  records.push(...fundingRecords(prev, ctx, event), ...summaryRecords(prev, ctx), ...evaluationRecords(prev, ctx), ...rectificationRecords(prev, ctx, event));
  return records;
}

function fundingRecords(prev: CenterContext, ctx: CenterContext, event: CenterEvent): DomainRecord[] {
  const before = new Map(prev.funding.map((f) => [f.requestId, f]));
  const out: DomainRecord[] = [];
  for (const f of ctx.funding) {
    const old = before.get(f.requestId);
    if (!old) {
      out.push({ kind: 'fundingRequest', centerId: ctx.centerId, requestId: f.requestId, cycle: f.cycle, year: f.year, request: f.request, requestedAt: f.requestedAt, requestedBy: f.requestedBy });
    } else if (old.status !== f.status) {
      out.push(fundingDecision(ctx.centerId, f, event));
    }
  }
  // Requests that left the context (a new cycle keeps only open ones) were decided before, so nothing is lost.
  return out;
}

const fundingDecision = (centerId: string, f: FundingEntry, event: CenterEvent): DomainRecord => ({
  kind: 'fundingDecision',
  centerId,
  requestId: f.requestId,
  cycle: f.cycle,
  year: f.year,
  fundingKind: f.request.kind,
  status: f.status,
  grantedFen: f.grantedFen,
  reason: f.reason,
  decidedAt: f.decidedAt ?? event.meta.at,
  decidedBy: f.decidedBy ?? event.meta.actor.id,
});

function summaryRecords(prev: CenterContext, ctx: CenterContext): DomainRecord[] {
  const key = (s: SummaryEntry) => `${s.cycle}:${s.year}`;
  const before = new Map(prev.summaries.map((s) => [key(s), s]));
  const out: DomainRecord[] = [];
  for (const s of ctx.summaries) {
    const old = before.get(key(s));
    if (old === s) continue;
    out.push({
      kind: 'annualSummary',
      centerId: ctx.centerId,
      cycle: s.cycle,
      year: s.year,
      status: s.status,
      openedAt: s.openedAt,
      dueAt: s.dueAt,
      summary: s.summary,
      submittedAt: s.submittedAt,
      submissions: s.submissions,
      overdue: s.overdue,
      returnReason: s.returnReason,
      acceptedAt: s.acceptedAt,
    });
    const subject = `annual summary, cycle ${s.cycle} year ${s.year}`;
    const base = { kind: 'notification' as const, centerId: ctx.centerId, subject, dueAt: s.dueAt, createdAt: s.openedAt };
    // Art. 18: a missing summary is reminded, flagged overdue and escalated — one outbox row each, never dropped.
    if (old && s.reminders > old.reminders) {
      out.push({ ...base, key: `c${s.cycle}:summary${s.year}:reminder${s.reminders}`, recipientRole: 'university', notice: 'reminder' });
    }
    if (old && s.overdue && !old.overdue) {
      out.push({ ...base, key: `c${s.cycle}:summary${s.year}:due`, recipientRole: 'university', notice: 'overdue' });
      out.push({ ...base, key: `c${s.cycle}:summary${s.year}:due`, recipientRole: 'commission', notice: 'escalation' });
    }
  }
  return out;
}

function evaluationRecords(prev: CenterContext, ctx: CenterContext): DomainRecord[] {
  // The latest evaluation stays in context after grading, so every step is a change of this one object.
  const ev = ctx.evaluation;
  return ev && ev !== prev.evaluation ? [evaluationRecord(ctx.centerId, ev, stepOf(ev))] : [];
}

/** Art. 19: notice, rectification (open → reported → passed | failed | lapsed) and stopped support. */
function rectificationRecords(prev: CenterContext, ctx: CenterContext, event: CenterEvent): DomainRecord[] {
  const out: DomainRecord[] = [];
  for (const n of ctx.notices.slice(prev.notices.length)) out.push({ kind: 'notice', centerId: ctx.centerId, ...n });
  const r = ctx.rectification ?? prev.rectification;
  if (!r) return out;
  const at = event.meta.at;
  let status: 'open' | 'reported' | 'passed' | 'failed' | 'lapsed' | null = null;
  if (ctx.supportStopped && !prev.supportStopped) status = event.type === 'DEADLINE_REACHED' ? 'lapsed' : 'failed';
  else if (!ctx.rectification) status = 'passed';
  else if (ctx.rectification !== prev.rectification) status = ctx.rectification.report ? 'reported' : 'open';
  if (status) {
    const closed = status === 'passed' || status === 'failed' || status === 'lapsed';
    out.push({ kind: 'rectification', centerId: ctx.centerId, noticeId: r.noticeId, status, dueAt: r.dueAt, extensions: r.extensions, report: r.report, reportSubmittedAt: r.reportSubmittedAt, closedAt: closed ? at : null });
  }
  if (ctx.supportStopped && !prev.supportStopped) out.push({ kind: 'supportStopped', centerId: ctx.centerId, reason: ctx.supportStopped.reason, stoppedAt: ctx.supportStopped.at });
  return out;
}

const stepOf = (ev: EvaluationEntry): string =>
  ev.grade ? 'graded' : !ev.selfEvaluation ? 'selfEvaluation' : !ev.inspection ? 'onSiteInspection' : ev.experts.length === 0 ? 'expertAssignment' : Object.keys(ev.reviews).length < ev.experts.length ? 'expertReview' : 'assessment';

function evaluationRecord(centerId: string, ev: EvaluationEntry, step: string): DomainRecord {
  return {
    kind: 'evaluation',
    centerId,
    evaluationId: ev.evaluationId,
    evaluationKind: ev.kind,
    cycle: ev.cycle,
    step,
    startedAt: ev.startedAt,
    selfEvaluation: ev.selfEvaluation,
    inspection: ev.inspection,
    score: ev.score,
    computedGrade: ev.computedGrade,
    grade: ev.grade,
    overrideReason: ev.overrideReason,
    gradedAt: ev.gradedAt,
    gradedBy: ev.gradedBy,
  };
}

/** The earliest pending deadline, for the read model and the NextDeadline search attribute. */
export function nextDeadline(snapshot: CenterSnapshot): { key: string; dueAt: string } | null {
  if (isClosed(snapshot)) return null;
  const pending = snapshot.context.deadlines.filter((d) => d.status === 'pending');
  if (pending.length === 0) return null;
  const first = pending.reduce((a, b) => (Date.parse(b.dueAt) < Date.parse(a.dueAt) ? b : a));
  return { key: first.key, dueAt: first.dueAt };
}

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
