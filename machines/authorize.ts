import { getNextTransitions } from 'xstate';
import {
  COMMAND_ROLES,
  COMMAND_TYPES,
  CommandSchema,
  describeZodError,
  type Command,
  type CommandType,
  type Refusal,
} from './commands';
import type { Role } from './domain';
import { stateName, type CenterEvent, type CenterSnapshot } from './center';
import {
  assessmentProblem,
  canExtendRectification,
  conflictedExperts,
  currentYear,
  enoughExperts,
  findRequest,
  findSummary,
  hasEvaluated,
  hasReviewed,
  isAssignedExpert,
  isCallOpen,
  isEvaluationExpert,
  isSupportSuspended,
  isWithinQuota,
} from './rules';

export type CheckResult = { ok: true; command: Command; event: CenterEvent } | { ok: false; refusal: Refusal };

const refuse = (reason: Refusal['reason'], message: string): CheckResult => ({ ok: false, refusal: { reason, message } });

/** Turns a validated command into the statechart event it stands for. */
export function toEvent(command: Command, at: string): CenterEvent {
  const meta = { actor: command.actor, commandId: command.commandId, at };
  return { type: command.type, ...command.payload, meta } as CenterEvent;
}

/** The event types the current state handles at all (guards not evaluated). */
export function handledEventTypes(snapshot: CenterSnapshot): Set<string> {
  return new Set(getNextTransitions(snapshot).map((t) => t.eventType));
}

/**
 * SPEC §3 "Who may do what": every check a command must pass before anything is written, in a fixed order,
 * each failure named by one of the SPEC §3a reasons. Pure; the workflow's update validator calls it, and the
 * CLI calls it too so a user hears the refusal before any workflow is started.
 */
export function checkCommand(snapshot: CenterSnapshot, input: unknown, at: string): CheckResult {
  const parsed = CommandSchema.safeParse(input);
  if (!parsed.success) return refuse('invalid-input', `Invalid command: ${describeZodError(parsed.error)}`);
  const command = parsed.data;
  const ctx = snapshot.context;
  const { actor } = command;

  const roles = COMMAND_ROLES[command.type];
  if (!roles.includes(actor.role)) {
    return refuse('forbidden-role', `${command.type} may be sent by ${roles.join(' or ')}, not by a ${actor.role}.`);
  }
  if (actor.role === 'university' && actor.orgId !== ctx.universityId) {
    return refuse('wrong-organisation', `University "${actor.orgId}" may not act on the center of "${ctx.universityId}".`);
  }
  if ((command.type === 'SUBMIT_APPLICATION' || command.type === 'AMEND_APPLICATION') && command.payload.application.universityId !== ctx.universityId) {
    return refuse('wrong-organisation', `The application names university "${command.payload.application.universityId}", but this center belongs to "${ctx.universityId}".`);
  }
  if (command.type === 'SUBMIT_APPLICATION' && command.payload.callId !== ctx.call.callId) {
    return refuse('not-allowed-in-state', `University "${ctx.universityId}" already has a live center workflow for call "${ctx.call.callId}"; a university has one at a time.`);
  }
  const state = stateName(snapshot);
  if (!handledEventTypes(snapshot).has(command.type)) {
    return refuse('not-allowed-in-state', `${command.type} is not possible while the center is in "${state}".`);
  }

  switch (command.type) {
    case 'SUBMIT_APPLICATION':
    case 'AMEND_APPLICATION':
      if (!isCallOpen(ctx, at)) {
        return refuse('deadline-passed', `The call "${ctx.call.callId}" is not open for applications (window ${ctx.call.opensAt} – ${ctx.call.closesAt}${ctx.call.closedEarlyAt ? `, closed early at ${ctx.call.closedEarlyAt}` : ''}).`);
      }
      break;
    case 'ASSIGN_EXPERTS':
    case 'ASSIGN_EVALUATION_EXPERTS': {
      const conflicted = conflictedExperts(ctx, command.payload.experts);
      if (conflicted.length > 0) {
        return refuse('conflict-of-interest', `Expert(s) ${conflicted.map((e) => e.id).join(', ')} belong to the center's own university "${ctx.universityId}" (Art. 9, 18).`);
      }
      if (!enoughExperts(ctx, command.payload.experts)) {
        return refuse('invalid-input', `Assign at least ${ctx.policy.minExpertsPerReview} different experts (got ${new Set(command.payload.experts.map((e) => e.id)).size}).`);
      }
      break;
    }
    case 'SUBMIT_REVIEW':
      if (!isAssignedExpert(ctx, actor.id)) {
        return refuse('not-assigned', `Expert "${actor.id}" is not assigned to review the application of "${ctx.universityId}".`);
      }
      if (hasReviewed(ctx, actor.id)) {
        return refuse('not-allowed-in-state', `Expert "${actor.id}" has already submitted a review; each expert reviews once.`);
      }
      break;
    case 'SUBMIT_EVALUATION_REVIEW':
      if (!isEvaluationExpert(ctx.evaluation, actor.id)) {
        return refuse('not-assigned', `Expert "${actor.id}" is not assigned to the evaluation ${ctx.evaluation?.evaluationId ?? ''} of "${ctx.centerId}".`);
      }
      if (hasEvaluated(ctx.evaluation, actor.id)) {
        return refuse('not-allowed-in-state', `Expert "${actor.id}" has already scored this evaluation; each expert scores once.`);
      }
      break;
    case 'APPROVE':
      if (!isWithinQuota(ctx)) {
        return refuse('quota-exceeded', `The call "${ctx.call.callId}" has used its quota (${ctx.call.approvedCount} of ${ctx.call.quota} approved); the commission may raise it with a reason.`);
      }
      break;
    case 'REQUEST_FUNDING':
      if (isSupportSuspended(ctx)) {
        return refuse('suspended', `Support for "${ctx.centerId}" is suspended while it rectifies (Art. 19); request funding again once the re-evaluation has passed.`);
      }
      if (currentYear(ctx) === null) {
        return refuse('not-allowed-in-state', `Cycle ${ctx.cycle}'s ${ctx.policy.cycleYears} build years have ended; funding is requested for the year under way (Art. 13).`);
      }
      break;
    case 'GRANT_FUNDING':
    case 'DECLINE_FUNDING': {
      const request = findRequest(ctx, command.payload.requestId);
      if (!request) return refuse('invalid-input', `No funding request "${command.payload.requestId}" for this center.`);
      if (request.status === 'held' || (request.status === 'pending' && isSupportSuspended(ctx))) {
        return refuse('suspended', `Support for "${ctx.centerId}" is suspended while it rectifies (Art. 19); request ${request.requestId} is held and no grant can be made.`);
      }
      if (request.status !== 'pending') {
        return refuse('not-allowed-in-state', `Funding request ${request.requestId} is already ${request.status}.`);
      }
      if (command.type === 'GRANT_FUNDING') {
        if (command.payload.amountFen > request.request.amountFen) {
          return refuse('invalid-input', `The grant (${command.payload.amountFen} fen) may not exceed the amount requested (${request.request.amountFen} fen).`);
        }
        if (command.payload.amountFen < request.request.amountFen && !command.payload.reason?.trim()) {
          return refuse('invalid-input', `Granting less than requested (${command.payload.amountFen} of ${request.request.amountFen} fen) needs a reason.`);
        }
      }
      break;
    }
    case 'SUBMIT_SUMMARY':
    case 'ACCEPT_SUMMARY':
    case 'RETURN_SUMMARY': {
      const ref = { cycle: command.payload.cycle ?? ctx.cycle, year: command.payload.year };
      const summary = findSummary(ctx, ref);
      if (!summary) {
        return refuse('not-allowed-in-state', `No annual summary of cycle ${ref.cycle}, year ${ref.year} is open: a summary opens when its year ends (Art. 18).`);
      }
      const wanted = command.type === 'SUBMIT_SUMMARY' ? ['open', 'returned'] : ['submitted'];
      if (!wanted.includes(summary.status)) {
        return refuse('not-allowed-in-state', `The annual summary of cycle ${ref.cycle}, year ${ref.year} is ${summary.status}; ${command.type} needs it ${wanted.join(' or ')}.`);
      }
      break;
    }
    case 'ASSESS': {
      const problem = assessmentProblem(ctx, command.payload.grade, command.payload.reason);
      if (problem) return refuse('invalid-input', `Cannot assess: ${problem}.`);
      break;
    }
    case 'SUBMIT_RECTIFICATION':
      if (ctx.rectification && Date.parse(at) >= Date.parse(ctx.rectification.dueAt)) {
        return refuse('deadline-passed', `The rectification deadline (${ctx.rectification.dueAt}) has passed (Art. 19).`);
      }
      break;
    case 'EXTEND_RECTIFICATION':
      if (ctx.rectification && !canExtendRectification(ctx)) {
        return refuse('not-allowed-in-state', `The rectification deadline has been extended ${ctx.rectification.extensions.length} time(s), the most the policy allows (${ctx.policy.maxRectificationExtensions}).`);
      }
      break;
    default:
      break;
  }

  const event = toEvent(command, at);
  if (!snapshot.can(event)) {
    return refuse('not-allowed-in-state', `${command.type} is not possible now while the center is in "${state}".`);
  }
  return { ok: true, command, event };
}

/** SPEC §4 query: the commands each role may send now (by state and role; payload checks still apply). */
export function allowedCommands(snapshot: CenterSnapshot): Record<Role, CommandType[]> {
  const handled = handledEventTypes(snapshot);
  const out: Record<Role, CommandType[]> = { commission: [], university: [], expert: [], scheduler: [], auditor: [] };
  for (const type of COMMAND_TYPES) {
    if (!handled.has(type)) continue;
    for (const role of COMMAND_ROLES[type]) out[role].push(type);
  }
  return out;
}
