import { z } from 'zod';

/**
 * The closed vocabularies of the lifecycle, each declared once: the statechart's context, the command schemas,
 * the database schemas and the CLI all use these. The article each one comes from stands beside it.
 */

/** Who acts (docs/specification.md §3a). */
export const ROLES = ['commission', 'university', 'expert', 'scheduler', 'auditor'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** SPEC §4 "HTTP API": a person known to the service is active, or disabled (their tokens and sessions refused). */
export const USER_STATUSES = ['active', 'disabled'] as const;
export const UserStatus = z.enum(USER_STATUSES);
export type UserStatus = z.infer<typeof UserStatus>;

/** Art. 18: the three grades of an evaluation. */
export const GRADES = ['excellent', 'qualified', 'unqualified'] as const;
export const Grade = z.enum(GRADES);
export type Grade = z.infer<typeof Grade>;

/** Art. 19: the support tier a passed acceptance earns for the next cycle. */
export const TIERS = ['A', 'B'] as const;
export const Tier = z.enum(TIERS);
export type Tier = z.infer<typeof Tier>;

/** Art. 8(7): the professional backgrounds of a center's staff. */
export const STAFF_BACKGROUNDS = ['techTransfer', 'ip', 'law', 'finance', 'other'] as const;
export const StaffBackground = z.enum(STAFF_BACKGROUNDS);
export type StaffBackground = z.infer<typeof StaffBackground>;

/** Art. 13–15: promotion projects (Art. 14) and guidance projects (Art. 15). */
export const FUNDING_KINDS = ['promotion', 'guidance'] as const;
export const FundingKind = z.enum(FUNDING_KINDS);
export type FundingKind = z.infer<typeof FundingKind>;

/** Op. 4(4): what a center keeps in its results reserve and patent pool — patents, software, know-how. */
export const RESULT_KINDS = ['patent', 'software', 'knowHow'] as const;
export const ResultKind = z.enum(RESULT_KINDS);
export type ResultKind = z.infer<typeof ResultKind>;
/** Op. 4(4), Art. 15: a result of the reserve is in reserve, under transfer (a granted guidance project), or transferred. */
export const RESULT_STATUSES = ['inReserve', 'underTransfer', 'transferred'] as const;
export const ResultStatus = z.enum(RESULT_STATUSES);
export type ResultStatus = z.infer<typeof ResultStatus>;
/** Art. 2–3: the ways a result is transferred (as the annual summary's indicators count them, Art. 18). */
export const TRANSFER_MODES = ['assignment', 'licence', 'equityInvestment', 'spinOff'] as const;
export const TransferMode = z.enum(TRANSFER_MODES);
export type TransferMode = z.infer<typeof TransferMode>;

/** Art. 13–16, 19: a funding request's life; `held` while support is suspended for rectification. */
export const FUNDING_STATUSES = ['pending', 'held', 'granted', 'declined', 'cancelled'] as const;
export const FundingStatus = z.enum(FUNDING_STATUSES);
export type FundingStatus = z.infer<typeof FundingStatus>;

/**
 * Art. 16: the budget lines of a grant, after the municipal rules for research-type education funds
 * (京财教〔2016〕3001号): equipment (设备费), materials (材料费), testing and processing (测试化验加工费), travel
 * (差旅费), conferences (会议费), publications, literature and IP (出版/文献/信息传播/知识产权事务费), labour (劳务费),
 * expert consultation (专家咨询费), other (其他支出). `unallocated` is the single line of a grant made before grants
 * carried lines (its whole amount), never given by the commission.
 */
export const GRANT_BUDGET_LINES = ['equipment', 'materials', 'testing', 'travel', 'conferences', 'publicationsIp', 'labour', 'expertConsultation', 'other'] as const;
export const GrantBudgetLine = z.enum(GRANT_BUDGET_LINES);
export type GrantBudgetLine = z.infer<typeof GrantBudgetLine>;
export const BUDGET_LINES = [...GRANT_BUDGET_LINES, 'unallocated'] as const;
export const BudgetLine = z.enum(BUDGET_LINES);
export type BudgetLine = z.infer<typeof BudgetLine>;
/** Art. 16: the final accounts (决算) of a grant, submitted by the university, accepted or returned by the commission. */
export const FINAL_ACCOUNTS_STATUSES = ['submitted', 'returned', 'accepted'] as const;
export const FinalAccountsStatus = z.enum(FINAL_ACCOUNTS_STATUSES);
export type FinalAccountsStatus = z.infer<typeof FinalAccountsStatus>;

/** Art. 18: an annual summary's life. */
export const SUMMARY_STATUSES = ['open', 'submitted', 'returned', 'accepted'] as const;
export const SummaryStatus = z.enum(SUMMARY_STATUSES);
export type SummaryStatus = z.infer<typeof SummaryStatus>;

/** Art. 17–19: the evaluation sub-process runs for these. */
export const EVALUATION_KINDS = ['midTerm', 'acceptance', 'reEvaluation'] as const;
export const EvaluationKind = z.enum(EVALUATION_KINDS);
export type EvaluationKind = z.infer<typeof EvaluationKind>;
/** Art. 19: what a re-evaluation repeats. */
export const RepeatedEvaluation = z.enum(['midTerm', 'acceptance']);
export type RepeatedEvaluation = z.infer<typeof RepeatedEvaluation>;

/** Art. 19: a rectification's life, from the notice to its end. */
export const RECTIFICATION_STATUSES = ['open', 'reported', 'passed', 'failed', 'lapsed'] as const;
export const RectificationStatus = z.enum(RECTIFICATION_STATUSES);
export type RectificationStatus = z.infer<typeof RectificationStatus>;

/** Art. 9: what the commission decided on an application. */
export const DECISION_OUTCOMES = ['approved', 'rejected'] as const;
export const DecisionOutcome = z.enum(DECISION_OUTCOMES);
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;

/** Art. 9: an expert's recommendation on an application. */
export const RECOMMENDATIONS = ['approve', 'reject'] as const;
export const Recommendation = z.enum(RECOMMENDATIONS);
export type Recommendation = z.infer<typeof Recommendation>;

/** Art. 12: kinds of integrity incident. */
export const INCIDENT_CATEGORIES = ['ethical', 'legal', 'credit', 'other'] as const;
export const IncidentCategory = z.enum(INCIDENT_CATEGORIES);
export type IncidentCategory = z.infer<typeof IncidentCategory>;
/** Art. 12: how grave an integrity incident is (一般 / 较重 / 严重); a severe one weighs on an excellent grade. */
export const INCIDENT_SEVERITIES = ['minor', 'serious', 'severe'] as const;
export const IncidentSeverity = z.enum(INCIDENT_SEVERITIES);
export type IncidentSeverity = z.infer<typeof IncidentSeverity>;

/** Art. 15: who gives the external opinion a guidance project carries. */
export const OPINION_SOURCES = ['professionalBody', 'enterprise'] as const;
export const OpinionSource = z.enum(OPINION_SOURCES);

/** Art. 6, 8(7): what an organisation change changes. */
export const ORGANISATION_CHANGES = ['director', 'staff'] as const;
export const OrganisationChangeKind = z.enum(ORGANISATION_CHANGES);
export type OrganisationChangeKind = z.infer<typeof OrganisationChangeKind>;

/** The durable deadlines of a center (docs/specification.md §3 "Time"). */
export const DEADLINE_KINDS = ['callWindow', 'yearEnd', 'summaryReminder', 'summaryDue', 'rectification', 'stepReminder', 'stepDue'] as const;
export const DeadlineKind = z.enum(DEADLINE_KINDS);
export type DeadlineKind = z.infer<typeof DeadlineKind>;
/**
 * Art. 9, 18, 19: the steps that wait for someone, each with a deadline, a reminder before it, an overdue flag and an
 * escalation at it (machines/stages/deadlines.ts): an expert's review of an application (Art. 9), each step of an
 * evaluation (Art. 18) and each expert's scores in it, and the rectification report (Art. 19, whose deadline is the
 * rectification's own).
 */
export const WAITING_STEPS = ['applicationReview', 'selfEvaluation', 'onSiteInspection', 'expertAssignment', 'evaluationReview', 'assessment', 'rectificationReport'] as const;
export const WaitingStep = z.enum(WAITING_STEPS);
export type WaitingStep = z.infer<typeof WaitingStep>;
export const DEADLINE_STATUSES = ['pending', 'fired', 'cancelled'] as const;
export const DeadlineStatus = z.enum(DEADLINE_STATUSES);
export type DeadlineStatus = z.infer<typeof DeadlineStatus>;

/** Art. 18: the outbox's notices, to whom, and whether they have left. */
/** Art. 18 reminders, overdue notices and escalations; Art. 19 a published notice of an unqualified grade, sent to the university. */
export const NOTIFICATION_NOTICES = ['reminder', 'overdue', 'escalation', 'publicNotice'] as const;
export const NotificationNotice = z.enum(NOTIFICATION_NOTICES);
export type NotificationNotice = z.infer<typeof NotificationNotice>;
/** An expert is reminded of a review they owe (Art. 9, 18); the notice names the expert (recipientId). */
export const NOTIFICATION_RECIPIENTS = ['university', 'commission', 'expert'] as const;
export const NotificationRecipient = z.enum(NOTIFICATION_RECIPIENTS);
export type NotificationRecipient = z.infer<typeof NotificationRecipient>;
export const DELIVERY_STATUSES = ['pending', 'delivered'] as const;
export const DeliveryStatus = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** Art. 7: a call's window, and the events of a call's workflow. */
export const CALL_STATUSES = ['open', 'closed'] as const;
export const CallStatusName = z.enum(CALL_STATUSES);
export type CallStatusName = z.infer<typeof CallStatusName>;
export const CALL_EVENT_KINDS = ['opened', 'quotaRaised', 'closedEarly', 'windowClosed', 'slotReserved', 'slotReleased'] as const;
export const CallEventKind = z.enum(CALL_EVENT_KINDS);
export type CallEventKind = z.infer<typeof CallEventKind>;
