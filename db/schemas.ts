import { z } from 'zod';
import type { Actor, Review } from '../machines/domain';
import type { CallEventInput, DomainRecord } from '../machines/records.types';
import {
  CALL_EVENT_KINDS,
  CALL_STATUSES,
  DECISION_OUTCOMES,
  DELIVERY_STATUSES,
  EVALUATION_KINDS,
  FUNDING_KINDS,
  FUNDING_STATUSES,
  GRADES,
  INCIDENT_CATEGORIES,
  INCIDENT_SEVERITIES,
  NOTIFICATION_NOTICES,
  NOTIFICATION_RECIPIENTS,
  ORGANISATION_CHANGES,
  RECOMMENDATIONS,
  RECTIFICATION_STATUSES,
  RESULT_KINDS,
  RESULT_STATUSES,
  ROLES,
  BUDGET_LINES,
  FINAL_ACCOUNTS_STATUSES,
  SUMMARY_STATUSES,
  TIERS,
  TRANSFER_MODES,
  USER_STATUSES,
} from '../machines/vocabulary';

/**
 * One zod schema per table: its columns, camelCase, as the repositories return them (db/knex.ts maps the names to
 * the snake_case columns, once, for every query). The record types are these schemas' z.infer, never written out
 * again. Reading parses each row with its schema; writing passes the record through `rowOf`, which validates it with
 * the same schema. The columns that are not plain values are parsed here, for every table alike: JSON documents
 * (text on SQLite, jsonb on PostgreSQL: both answer the JSON text, see db/knex.ts), booleans (SQLite answers 0/1,
 * PostgreSQL true/false), money (bigint: a number, or a decimal string beyond 2^53) and times (text on SQLite,
 * timestamptz on PostgreSQL: both read and written as ISO-8601 UTC text with milliseconds).
 */

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

// ── column types ────────────────────────────────────────────────────────────────────────────────────────────────
/** An ISO-8601 date and time with its offset (Z or ±hh:mm); a date alone (YYYY-MM-DD) is not one. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A time column, read and written as ISO-8601 UTC text with milliseconds (`2026-12-02T07:14:52.946Z`, what
 * Date#toISOString writes, and what the code writes everywhere). An instant written another way (`…T16:00:00+08:00`,
 * `…T08:00:00Z`) is stored as that same instant in this form, so SQLite's text and PostgreSQL's timestamptz read back
 * alike; a Date (a raw PostgreSQL driver) reads the same. A date column (YYYY-MM-DD) passes unchanged.
 */
const isoInstant = (value: unknown): unknown => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
  if (typeof value === 'string' && ISO_INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return value;
};
const isoText = z.preprocess(isoInstant, z.string().min(1).max(40));
const id = z.string().min(1).max(255);
const int = z.number().int();

/** A boolean, which SQLite stores and answers as 0/1. */
const flag = z.preprocess((v) => (v === 0 ? false : v === 1 ? true : v), z.boolean());

/**
 * Money in integer fen (Art. 16). The columns are bigint: PostgreSQL's driver answers bigint as a decimal
 * string, SQLite as a number; both read back as a number (exact up to 2^53 fen).
 */
const fen = z.union([int, z.string().regex(/^-?\d+$/).transform(Number)]).pipe(int.min(0).max(Number.MAX_SAFE_INTEGER));

/**
 * A JSON document (an object or an array) in a text column: the stored text is parsed on read, a record's document
 * passes as it is; `rowOf` writes it back as text. `schema` validates it once parsed.
 */
const json = <S extends z.ZodTypeAny>(schema: S) =>
  z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not valid JSON' });
      return z.NEVER;
    }
  }, schema);

const isDocument = (value: unknown): value is object => typeof value === 'object' && value !== null && !(value instanceof Date) && !Buffer.isBuffer(value);

/** A document of the domain's type T: validated by its domain schema before the workflow handed it over, not again here. */
const document = <T extends object>() => json(z.custom<T>(isDocument, { message: 'expected a JSON document' }));

/**
 * The row `schema` stores for `record`: validated (keys the table has no column for are dropped), each document
 * (object or array) as JSON text. camelCase keys: knex names the columns.
 */
export function rowOf<S extends z.AnyZodObject>(schema: S, record: z.output<S>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema.parse(record) as Record<string, unknown>)) row[key] = isDocument(value) ? JSON.stringify(value) : value;
  return row;
}

// ── the actor, stored flat on the two logs ──────────────────────────────────────────────────────────────────────
const actorColumns = { actorId: id, actorRole: z.enum(ROLES), actorOrgId: id.nullable() };
type ActorColumns = z.infer<z.ZodObject<typeof actorColumns>>;

/** The actor's three columns as the record's `actor` (orgId only where there is one, as the workflow has it). */
function withActor<T extends ActorColumns>({ actorId, actorRole, actorOrgId, ...rest }: T): Omit<T, keyof ActorColumns> & { actor: Actor } {
  return { ...rest, actor: actorOrgId === null ? { id: actorId, role: actorRole } : { id: actorId, role: actorRole, orgId: actorOrgId } };
}

/** The record's `actor` as its three columns. */
export const actorColumnsOf = (actor: Actor): ActorColumns => ({ actorId: actor.id, actorRole: actor.role, actorOrgId: actor.orgId ?? null });

// ── calls ───────────────────────────────────────────────────────────────────────────────────────────────────────
export const CallsSchema = z.object({
  callId: id,
  title: z.string(),
  opensAt: isoText,
  closesAt: isoText,
  quota: int.min(0),
  approvedCount: int.min(0),
  status: z.enum(CALL_STATUSES),
  /** The call event seq this row reflects; an older event never overwrites a newer row. */
  lastSeq: int,
  createdAt: isoText,
  updatedAt: isoText,
});
export type CallRecord = z.infer<typeof CallsSchema>;

// ── call_events ─────────────────────────────────────────────────────────────────────────────────────────────────
export const CallEventsSchema = z.object({
  callId: id,
  seq: int.min(0),
  kind: z.enum(CALL_EVENT_KINDS),
  reason: z.string().nullable(),
  ...actorColumns,
  commandId: id.nullable(),
  at: isoText,
  /** The call as it stood after the event (CallInfo & { status, approvedCount }). */
  snapshot: document<CallEventInput['call']>(),
});
/** An event as the call workflow handed it over (CallEventInput): the actor nested, the snapshot as `call`. */
export const CallEventRecordSchema = CallEventsSchema.transform(({ snapshot, ...row }) => ({ ...withActor(row), call: snapshot }));
export type CallEventRecord = z.infer<typeof CallEventRecordSchema>;

// ── centers ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const CentersSchema = z.object({
  centerId: id,
  workflowId: id,
  universityId: id,
  callId: id,
  state: z.string().min(1),
  cycle: int.min(0),
  tier: z.enum(TIERS).nullable(),
  nameZh: z.string().nullable(),
  nameEn: z.string().nullable(),
  establishedAt: isoText.nullable(),
  nextDeadlineAt: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  lastSeq: int,
  updatedAt: isoText,
});
export type CenterRecord = z.infer<typeof CentersSchema>;

// ── applications ────────────────────────────────────────────────────────────────────────────────────────────────
export const ApplicationsSchema = z.object({
  centerId: id,
  version: int.min(0),
  callId: id,
  universityId: id,
  application: document<RecordOf<'application'>['application']>(),
  submittedAt: isoText,
});
export type ApplicationRecord = z.infer<typeof ApplicationsSchema>;

// ── eligibility_results ─────────────────────────────────────────────────────────────────────────────────────────
export const EligibilityResultsSchema = z.object({
  centerId: id,
  version: int.min(0),
  /** Art. 8(1)–(7). */
  condition: int.min(1).max(7),
  conditionKey: z.string().min(1),
  passed: flag,
  reason: z.string(),
  checkedAt: isoText,
});
/** A result as the workflow has it (ConditionResult): the condition's key as `key`. */
export const EligibilityRecordSchema = EligibilityResultsSchema.transform(({ conditionKey, ...row }) => ({ ...row, key: conditionKey }));
export type EligibilityRecord = z.infer<typeof EligibilityRecordSchema>;

// ── expert_assignments ──────────────────────────────────────────────────────────────────────────────────────────
export const ExpertAssignmentsSchema = z.object({
  centerId: id,
  /** 'application' for the Art. 9 review; evaluations use their own stage, e.g. 'midTerm:1'. */
  stage: z.string().min(1),
  expertId: id,
  expertName: z.string(),
  expertOrgId: id,
  assignedAt: isoText,
  assignedBy: id,
});
/** One row per assigned expert (the expertAssignment record fans out into these), the expert nested. */
export const AssignmentRecordSchema = ExpertAssignmentsSchema.transform(({ expertId, expertName, expertOrgId, ...row }) => ({
  ...row,
  expert: { id: expertId, name: expertName, orgId: expertOrgId },
}));
export type AssignmentRecord = z.infer<typeof AssignmentRecordSchema>;

// ── reviews ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const ReviewsSchema = z.object({
  centerId: id,
  stage: z.string().min(1),
  expertId: id,
  score: z.number().min(0).max(100),
  recommendation: z.enum(RECOMMENDATIONS),
  opinion: z.string(),
  /** Art. 9: the scores on each dimension of the rubric, when the review gave them (null: one overall score). */
  scores: document<Record<string, number>>().nullable(),
  submittedAt: isoText,
});
/** A review as the workflow has it (DomainRecord 'review'): the expert's review nested. */
export const ReviewRecordSchema = ReviewsSchema.transform(({ score, scores, recommendation, opinion, ...row }) => ({
  ...row,
  review: { score, ...(scores === null ? {} : { scores }), recommendation, opinion } as Review,
}));
export type ReviewRecord = z.infer<typeof ReviewRecordSchema>;

// ── decisions ───────────────────────────────────────────────────────────────────────────────────────────────────
export const DecisionsSchema = z.object({
  centerId: id,
  outcome: z.enum(DECISION_OUTCOMES),
  reason: z.string(),
  decidedAt: isoText,
  decidedBy: id,
});
export type DecisionRecord = z.infer<typeof DecisionsSchema>;

// ── audit_log ───────────────────────────────────────────────────────────────────────────────────────────────────
/** Without `id`, which the database assigns: what an insert writes. */
export const AuditLogInsertSchema = z.object({
  centerId: id,
  cycle: int.min(0),
  /** Per center, across cycles: never reset, so (center_id, seq) identifies a transition for ever. */
  seq: int.min(0),
  fromState: z.string().min(1),
  event: z.string().min(1),
  toState: z.string().min(1),
  ...actorColumns,
  commandId: id.nullable(),
  at: isoText,
});
export const AuditLogSchema = AuditLogInsertSchema.extend({ id: int });
/** A transition as the workflow handed it over (AuditRow) with its row id: the actor nested. */
export const AuditRecordSchema = AuditLogSchema.transform(withActor);
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
/** Issue 15 item 2: an audit row with its place in the center's hash chain (db/audit-chain.ts). */
const chainHash = z.string().regex(/^[0-9a-f]{64}$/);
export const AuditChainInsertSchema = AuditLogInsertSchema.extend({ prevHash: chainHash, hash: chainHash });
/** As read back: rows written before the chain existed and not chained by its migration would have no hashes. */
export const AuditChainSchema = AuditLogSchema.extend({ prevHash: chainHash.nullable(), hash: chainHash.nullable() });
export type AuditChainRow = z.infer<typeof AuditChainSchema>;

// ── the build cycle (Art. 6, 12–19) ─────────────────────────────────────────────────────────────────────────────

// ── cycles ──────────────────────────────────────────────────────────────────────────────────────────────────────
export const CyclesSchema = z.object({
  centerId: id,
  cycle: int.min(1),
  tier: z.enum(TIERS).nullable(),
  startedAt: isoText,
  endsAt: isoText,
});
export type CycleRecord = z.infer<typeof CyclesSchema>;

// ── funding_requests ────────────────────────────────────────────────────────────────────────────────────────────
export const FundingRequestsSchema = z.object({
  centerId: id,
  requestId: id,
  cycle: int.min(1),
  year: int.min(1),
  kind: z.enum(FUNDING_KINDS),
  title: z.string(),
  amountFen: fen,
  /** The request as submitted (FundingRequest: tasks, budget lines, external opinions). */
  request: document<RecordOf<'fundingRequest'>['request']>(),
  status: z.enum(FUNDING_STATUSES),
  grantedFen: fen.nullable(),
  reason: z.string().nullable(),
  requestedAt: isoText,
  requestedBy: id,
  decidedAt: isoText.nullable(),
  decidedBy: id.nullable(),
  /** The audit seq of the last transition that moved the request; an older decision never overwrites a newer one. */
  updatedSeq: int,
});
/** A funding request as stored, with its decision (null fields while pending). */
export type FundingRequestRecord = z.infer<typeof FundingRequestsSchema>;

/**
 * The columns a decision writes onto its request: a grant carries a positive amount, any other status none
 * (`held` while support is suspended, `pending` again when it resumes).
 */
export const FundingDecisionUpdateSchema = FundingRequestsSchema.pick({ status: true, grantedFen: true, reason: true, updatedSeq: true })
  .extend({ decidedAt: isoText, decidedBy: id })
  .superRefine((d, ctx) => {
    if (d.status === 'granted' && !(d.grantedFen !== null && d.grantedFen > 0)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['grantedFen'], message: 'a grant carries a positive amount' });
    }
    if (d.status !== 'granted' && d.grantedFen !== null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['grantedFen'], message: `a ${d.status} request carries no granted amount` });
    }
  });

// ── funding_ledger ──────────────────────────────────────────────────────────────────────────────────────────────
export const FundingLedgerSchema = z.object({
  centerId: id,
  cycle: int.min(1),
  year: int.min(1),
  requestId: id,
  kind: z.enum(FUNDING_KINDS),
  amountFen: fen,
  grantedAt: isoText,
  grantedBy: id,
});
/** Art. 16: one grant, as the money was committed. */
export type LedgerRecord = z.infer<typeof FundingLedgerSchema>;

/** The money granted to a center, per cycle, year and kind of project: SUM and COUNT, numbers from SQLite and decimal strings from PostgreSQL. */
export const LedgerTotalSchema = z.object({
  cycle: z.coerce.number().int(),
  year: z.coerce.number().int(),
  kind: z.enum(FUNDING_KINDS),
  totalFen: z.coerce.number().int(),
  grants: z.coerce.number().int(),
});
export type LedgerTotal = z.infer<typeof LedgerTotalSchema>;

// ── annual_summaries ────────────────────────────────────────────────────────────────────────────────────────────
export const AnnualSummariesSchema = z.object({
  centerId: id,
  cycle: int.min(1),
  year: int.min(1),
  status: z.enum(SUMMARY_STATUSES),
  openedAt: isoText,
  dueAt: isoText,
  /** The AnnualSummary last submitted (null while none was). */
  summary: document<NonNullable<RecordOf<'annualSummary'>['summary']>>().nullable(),
  submittedAt: isoText.nullable(),
  submissions: int.min(0),
  overdue: flag,
  returnReason: z.string().nullable(),
  acceptedAt: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updatedSeq: int,
});
export type AnnualSummaryRecord = z.infer<typeof AnnualSummariesSchema>;

// ── notifications ───────────────────────────────────────────────────────────────────────────────────────────────
export const NotificationsSchema = z.object({
  centerId: id,
  /** The stable key of the deadline the notice is about (SPEC §3 "Time"). */
  key: id,
  recipientRole: z.enum(NOTIFICATION_RECIPIENTS),
  /** The expert a review reminder is for (Art. 9, 18); null for a role (20261204000200_step_deadlines). */
  recipientId: id.nullable().default(null),
  notice: z.enum(NOTIFICATION_NOTICES),
  subject: z.string(),
  dueAt: isoText,
  createdAt: isoText,
  status: z.enum(DELIVERY_STATUSES),
  deliveredAt: isoText.nullable(),
});
export type NotificationRecord = z.infer<typeof NotificationsSchema>;

// ── evaluations ─────────────────────────────────────────────────────────────────────────────────────────────────
type Evaluation = RecordOf<'evaluation'>;
export const EvaluationsSchema = z.object({
  centerId: id,
  evaluationId: id,
  kind: z.enum(EVALUATION_KINDS),
  cycle: int.min(1),
  step: z.string().min(1).max(64),
  startedAt: isoText,
  selfEvaluation: document<NonNullable<Evaluation['selfEvaluation']>>().nullable(),
  inspection: document<NonNullable<Evaluation['inspection']>>().nullable(),
  score: z.number().min(0).max(100).nullable(),
  computedGrade: z.enum(GRADES).nullable(),
  grade: z.enum(GRADES).nullable(),
  overrideReason: z.string().nullable(),
  gradedAt: isoText.nullable(),
  gradedBy: id.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updatedSeq: int,
});
/** An evaluation as the workflow has it (DomainRecord 'evaluation'): its kind as `evaluationKind`. */
export const EvaluationRecordSchema = EvaluationsSchema.transform(({ kind, ...row }) => ({ ...row, evaluationKind: kind }));
export type EvaluationRecord = z.infer<typeof EvaluationRecordSchema>;

// ── evaluation_reviews ──────────────────────────────────────────────────────────────────────────────────────────
export const EvaluationReviewsSchema = z.object({
  centerId: id,
  /** The evaluation id. */
  stage: z.string().min(1).max(64),
  expertId: id,
  /** DimensionScores: the five key tasks of Art. 10–11. */
  scores: document<RecordOf<'evaluationReview'>['scores']>(),
  weightedScore: z.number().min(0).max(100),
  opinion: z.string(),
  submittedAt: isoText,
});
export type EvaluationReviewRecord = z.infer<typeof EvaluationReviewsSchema>;

// ── integrity_incidents ─────────────────────────────────────────────────────────────────────────────────────────
export const IntegrityIncidentsSchema = z.object({
  centerId: id,
  incidentId: id,
  occurredOn: isoText,
  category: z.enum(INCIDENT_CATEGORIES),
  severity: z.enum(INCIDENT_SEVERITIES),
  description: z.string(),
  recordedAt: isoText,
  recordedBy: id,
});
/** An incident as the workflow has it (DomainRecord 'integrityIncident'): what happened nested as `incident`. */
export const IncidentRecordSchema = IntegrityIncidentsSchema.transform(({ occurredOn, category, severity, description, ...row }) => ({
  ...row,
  incident: { occurredOn, category, severity, description },
}));
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;

// ── after a grade (Art. 19) ─────────────────────────────────────────────────────────────────────────────────────

// ── notices ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const NoticesSchema = z.object({
  centerId: id,
  noticeId: id,
  evaluationId: id,
  grade: z.enum(GRADES),
  reasons: z.string(),
  publishedAt: isoText,
});
/** Art. 19: a public notice of an unqualified grade. */
export type NoticeRecord = z.infer<typeof NoticesSchema>;

// ── rectifications ──────────────────────────────────────────────────────────────────────────────────────────────
/** One extension of a rectification deadline (Art. 19: set / extend, with a reason). */
export const RectificationExtensionSchema = z.object({ from: isoText, to: isoText, reason: z.string(), at: isoText, by: id });
export type RectificationExtension = z.infer<typeof RectificationExtensionSchema>;
export const RectificationsSchema = z.object({
  centerId: id,
  noticeId: id,
  status: z.enum(RECTIFICATION_STATUSES),
  dueAt: isoText,
  /** The deadline's extensions, oldest first (a JSON array). */
  extensions: json(z.array(RectificationExtensionSchema)),
  report: z.string().nullable(),
  reportSubmittedAt: isoText.nullable(),
  closedAt: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updatedSeq: int,
});
/** Art. 19: a rectification as it stands, extensions parsed. */
export type RectificationRecord = z.infer<typeof RectificationsSchema>;

// ── support_stops ───────────────────────────────────────────────────────────────────────────────────────────────
export const SupportStopsSchema = z.object({
  centerId: id,
  reason: z.string(),
  stoppedAt: isoText,
});
/** Art. 19: support stopped, with the reason and the date. */
export type SupportStopRecord = z.infer<typeof SupportStopsSchema>;

// ── organisation_changes (Art. 6, 8(7)) ────────────────────────────────────────────────────────────────────────
export const OrganisationChangesSchema = z.object({
  centerId: id,
  changeId: id,
  change: z.enum(ORGANISATION_CHANGES),
  /** The new director, or the staff list as it now is. */
  details: document<RecordOf<'organisationChange'>['details']>(),
  effectiveOn: isoText,
  reason: z.string(),
  belowStaffMinimum: flag,
  recordedAt: isoText,
  recordedBy: id,
});
export type OrganisationChangeRecord = z.infer<typeof OrganisationChangesSchema>;

// ── evidence_files (issue 14 item 3) ────────────────────────────────────────────────────────────────────────────
export const EvidenceFilesSchema = z.object({
  centerId: id,
  seq: int,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  ownerKind: z.string().min(1).max(32),
  ownerKey: id,
  command: z.string().min(1).max(64),
  commandId: id.nullable(),
  name: id,
  mediaType: id,
  /** bigint: read like money (a number on both databases). */
  sizeBytes: fen,
  attachedAt: isoText,
  attachedBy: id,
});
export type EvidenceFileRecord = z.infer<typeof EvidenceFilesSchema>;
// ── reserve_results (Op. 4(4), Art. 15) ──────────────────────────────────────────────────────────────────────────
export const ReserveResultsSchema = z.object({
  centerId: id,
  resultId: id,
  resultKind: z.enum(RESULT_KINDS),
  title: z.string(),
  identifier: z.string().nullable(),
  valueFen: fen,
  status: z.enum(RESULT_STATUSES),
  requestId: id.nullable(),
  transferMode: z.enum(TRANSFER_MODES).nullable(),
  transferredOn: isoText.nullable(),
  counterparty: z.string().nullable(),
  contractAmountFen: fen.nullable(),
  recordedAt: isoText,
  recordedBy: id,
  updatedAt: isoText,
});
/** A result of the reserve as the table holds it (the DomainRecord 'reserveResult' without its kind). */
export type ReserveResultRecord = z.infer<typeof ReserveResultsSchema>;

// ── users, api_tokens, sessions (SPEC §4 "HTTP API": every person known, every action theirs) ─────────────────────
/** A sha256 digest, hex: what is stored of a token's secret, a session cookie or a CSRF token. */
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const UsersSchema = z.object({
  id,
  name: z.string().min(1),
  role: z.enum(ROLES),
  /** The university (or the expert's organisation); null for the other roles. */
  orgId: id.nullable(),
  /** A commission administrator (manages users); false for every other role. */
  admin: flag,
  /** Where the outbox mails this user's notices (issue 14 item 6); null: none (they are not mailed). */
  email: z.string().nullable(),
  status: z.enum(USER_STATUSES),
  /** argon2id PHC string; null: the user logs in with tokens only. */
  passwordHash: z.string().nullable(),
  createdAt: isoText,
  updatedAt: isoText,
});
export type UserRow = z.infer<typeof UsersSchema>;

export const ApiTokensSchema = z.object({
  id,
  userId: id,
  secretHash: sha256Hex,
  label: z.string().nullable(),
  createdAt: isoText,
  expiresAt: isoText,
  revokedAt: isoText.nullable(),
  lastUsedAt: isoText.nullable(),
});
export type ApiTokenRow = z.infer<typeof ApiTokensSchema>;

export const SessionsSchema = z.object({
  idHash: sha256Hex,
  userId: id,
  csrfHash: sha256Hex,
  createdAt: isoText,
  expiresAt: isoText,
  revokedAt: isoText.nullable(),
});
export type SessionRow = z.infer<typeof SessionsSchema>;

// ── budget_lines, spending, final_accounts (Art. 16) ────────────────────────────────────────────────────────────
export const BudgetLinesSchema = z.object({
  centerId: id,
  requestId: id,
  line: z.enum(BUDGET_LINES),
  cycle: int.min(1),
  year: int.min(1),
  amountFen: fen,
  grantedAt: isoText,
});
/** One budget line of a grant. */
export type BudgetLineRecord = z.infer<typeof BudgetLinesSchema>;

export const SpendingRowsSchema = z.object({
  centerId: id,
  spendingId: id,
  requestId: id,
  cycle: int.min(1),
  year: int.min(1),
  line: z.enum(BUDGET_LINES),
  amountFen: fen,
  spentOn: isoText,
  description: z.string(),
  recordedAt: isoText,
  recordedBy: id,
});
/** Money spent from a grant, as the table holds it (the DomainRecord 'spending' without its kind). */
export type SpendingRecord = z.infer<typeof SpendingRowsSchema>;

const AccountLineSchema = z.object({ line: z.enum(BUDGET_LINES), grantedFen: fen, spentFen: fen, unspentFen: fen }).strict();
export const FinalAccountsSchema = z.object({
  centerId: id,
  requestId: id,
  cycle: int.min(1),
  year: int.min(1),
  status: z.enum(FINAL_ACCOUNTS_STATUSES),
  lines: json(z.array(AccountLineSchema)),
  grantedFen: fen,
  spentFen: fen,
  unspentFen: fen,
  statement: z.string().nullable(),
  submittedAt: isoText,
  submittedBy: id,
  decidedAt: isoText.nullable(),
  decidedBy: id.nullable(),
  reason: z.string().nullable(),
});
/** A grant's final accounts as the table holds them (the DomainRecord 'finalAccounts' without its kind). */
export type FinalAccountsRecord = z.infer<typeof FinalAccountsSchema>;
