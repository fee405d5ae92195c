import { z } from 'zod';

/**
 * One zod schema per table, describing a row as the database holds it (snake_case). Reading parses rows with
 * these; writing validates insert rows with them before they reach SQL. The same schema accepts what SQLite and
 * PostgreSQL return: SQLite has no boolean type (0/1) and JSON is stored as text on both.
 */

/** ISO-8601 timestamps are stored as text so both dialects round-trip them unchanged. */
const isoText = z.string().min(1).max(40);
const id = z.string().min(1).max(255);
const int = z.number().int();

/** SQLite answers 0/1 where PostgreSQL answers true/false. */
const dbBoolean = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((v) => v === true || v === 1);

/** A JSON document stored as text; parsed on read. The stored value was validated by its domain schema when written. */
const jsonText = <T>() =>
  z.string().transform((text, ctx): T => {
    try {
      return JSON.parse(text) as T;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not valid JSON' });
      return z.NEVER;
    }
  });

// ── calls ───────────────────────────────────────────────────────────────────────────────────────────────────────
export const CallsSchema = z.object({
  call_id: id,
  title: z.string(),
  opens_at: isoText,
  closes_at: isoText,
  quota: int.min(0),
  approved_count: int.min(0),
  status: z.enum(['open', 'closed']),
  /** The call event seq this row reflects; an older event never overwrites a newer row. */
  last_seq: int,
  created_at: isoText,
  updated_at: isoText,
});
export type TCalls = z.infer<typeof CallsSchema>;
export type TCallsInsert = z.input<typeof CallsSchema>;

// ── call_events ─────────────────────────────────────────────────────────────────────────────────────────────────
export const CallEventsSchema = z.object({
  call_id: id,
  seq: int.min(0),
  kind: z.string().min(1),
  reason: z.string().nullable(),
  actor_id: id,
  actor_role: z.string().min(1),
  actor_org_id: id.nullable(),
  command_id: id.nullable(),
  at: isoText,
  /** The call as it stood after the event (CallInfo & { status, approvedCount }). */
  snapshot: jsonText<unknown>(),
});
export type TCallEvents = z.infer<typeof CallEventsSchema>;
export type TCallEventsInsert = z.input<typeof CallEventsSchema>;

// ── centers ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const CentersSchema = z.object({
  center_id: id,
  workflow_id: id,
  university_id: id,
  call_id: id,
  state: z.string().min(1),
  cycle: int.min(0),
  tier: z.enum(['A', 'B']).nullable(),
  name_zh: z.string().nullable(),
  name_en: z.string().nullable(),
  established_at: isoText.nullable(),
  next_deadline_at: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  last_seq: int,
  updated_at: isoText,
});
export type TCenters = z.infer<typeof CentersSchema>;
export type TCentersInsert = z.input<typeof CentersSchema>;

// ── applications ────────────────────────────────────────────────────────────────────────────────────────────────
export const ApplicationsSchema = z.object({
  center_id: id,
  version: int.min(0),
  call_id: id,
  university_id: id,
  application: jsonText<unknown>(),
  submitted_at: isoText,
});
export type TApplications = z.infer<typeof ApplicationsSchema>;
export type TApplicationsInsert = z.input<typeof ApplicationsSchema>;

// ── eligibility_results ─────────────────────────────────────────────────────────────────────────────────────────
export const EligibilityResultsSchema = z.object({
  center_id: id,
  version: int.min(0),
  /** Art. 8(1)–(7). */
  condition: int.min(1).max(7),
  condition_key: z.string().min(1),
  passed: dbBoolean,
  reason: z.string(),
  checked_at: isoText,
});
export type TEligibilityResults = z.infer<typeof EligibilityResultsSchema>;
export type TEligibilityResultsInsert = z.input<typeof EligibilityResultsSchema>;

// ── expert_assignments ──────────────────────────────────────────────────────────────────────────────────────────
export const ExpertAssignmentsSchema = z.object({
  center_id: id,
  /** 'application' for the Art. 9 review; evaluations use their own stage, e.g. 'midTerm:1'. */
  stage: z.string().min(1),
  expert_id: id,
  expert_name: z.string(),
  expert_org_id: id,
  assigned_at: isoText,
  assigned_by: id,
});
export type TExpertAssignments = z.infer<typeof ExpertAssignmentsSchema>;
export type TExpertAssignmentsInsert = z.input<typeof ExpertAssignmentsSchema>;

// ── reviews ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const ReviewsSchema = z.object({
  center_id: id,
  stage: z.string().min(1),
  expert_id: id,
  score: z.number().min(0).max(100),
  recommendation: z.enum(['approve', 'reject']),
  opinion: z.string(),
  submitted_at: isoText,
});
export type TReviews = z.infer<typeof ReviewsSchema>;
export type TReviewsInsert = z.input<typeof ReviewsSchema>;

// ── decisions ───────────────────────────────────────────────────────────────────────────────────────────────────
export const DecisionsSchema = z.object({
  center_id: id,
  outcome: z.enum(['approved', 'rejected']),
  reason: z.string(),
  decided_at: isoText,
  decided_by: id,
});
export type TDecisions = z.infer<typeof DecisionsSchema>;
export type TDecisionsInsert = z.input<typeof DecisionsSchema>;

// ── audit_log ───────────────────────────────────────────────────────────────────────────────────────────────────
export const AuditLogSchema = z.object({
  id: int,
  center_id: id,
  cycle: int.min(0),
  /** Per center, across cycles: never reset, so (center_id, seq) identifies a transition for ever. */
  seq: int.min(0),
  from_state: z.string().min(1),
  event: z.string().min(1),
  to_state: z.string().min(1),
  actor_id: id,
  actor_role: z.string().min(1),
  actor_org_id: id.nullable(),
  command_id: id.nullable(),
  at: isoText,
});
export type TAuditLog = z.infer<typeof AuditLogSchema>;
export type TAuditLogInsert = Omit<z.input<typeof AuditLogSchema>, 'id'>;
export const AuditLogInsertSchema = AuditLogSchema.omit({ id: true });

// ── the build cycle (Art. 6, 12–19) ─────────────────────────────────────────────────────────────────────────────

/**
 * Money in integer fen (Art. 16). The columns are bigint: PostgreSQL's driver answers bigint as a decimal
 * string, SQLite as a number; both read back as a number (exact up to 2^53 fen).
 */
const fen = z.union([int, z.string().regex(/^-?\d+$/).transform(Number)]).pipe(int.min(0).max(Number.MAX_SAFE_INTEGER));
const fundingKind = z.enum(['promotion', 'guidance']);
const grade = z.enum(['excellent', 'qualified', 'unqualified']);

// ── cycles ──────────────────────────────────────────────────────────────────────────────────────────────────────
export const CyclesSchema = z.object({
  center_id: id,
  cycle: int.min(1),
  tier: z.enum(['A', 'B']).nullable(),
  started_at: isoText,
  ends_at: isoText,
});
export type TCycles = z.infer<typeof CyclesSchema>;
export type TCyclesInsert = z.input<typeof CyclesSchema>;

// ── funding_requests ────────────────────────────────────────────────────────────────────────────────────────────
export const FUNDING_STATUSES = ['pending', 'granted', 'declined', 'cancelled', 'held'] as const;
export const FundingRequestsSchema = z.object({
  center_id: id,
  request_id: id,
  cycle: int.min(1),
  year: int.min(1),
  kind: fundingKind,
  title: z.string(),
  amount_fen: fen,
  /** The request as submitted (FundingRequest: tasks, budget lines, external opinions). */
  request: jsonText<unknown>(),
  status: z.enum(FUNDING_STATUSES),
  granted_fen: fen.nullable(),
  reason: z.string().nullable(),
  requested_at: isoText,
  requested_by: id,
  decided_at: isoText.nullable(),
  decided_by: id.nullable(),
  /** The audit seq of the last transition that moved the request; an older decision never overwrites a newer one. */
  updated_seq: int,
});
export type TFundingRequests = z.infer<typeof FundingRequestsSchema>;
export type TFundingRequestsInsert = z.input<typeof FundingRequestsSchema>;

/**
 * The columns a decision writes onto its request: a grant carries a positive amount, any other status none
 * (`held` while support is suspended, `pending` again when it resumes).
 */
export const FundingDecisionUpdateSchema = FundingRequestsSchema.pick({ status: true, granted_fen: true, reason: true, updated_seq: true })
  .extend({ decided_at: isoText, decided_by: id })
  .superRefine((d, ctx) => {
    if (d.status === 'granted' && !(d.granted_fen !== null && d.granted_fen > 0)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['granted_fen'], message: 'a grant carries a positive amount' });
    }
    if (d.status !== 'granted' && d.granted_fen !== null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['granted_fen'], message: `a ${d.status} request carries no granted amount` });
    }
  });
export type TFundingDecisionUpdate = z.input<typeof FundingDecisionUpdateSchema>;

// ── funding_ledger ──────────────────────────────────────────────────────────────────────────────────────────────
export const FundingLedgerSchema = z.object({
  center_id: id,
  cycle: int.min(1),
  year: int.min(1),
  request_id: id,
  kind: fundingKind,
  amount_fen: fen,
  granted_at: isoText,
  granted_by: id,
});
export type TFundingLedger = z.infer<typeof FundingLedgerSchema>;
export type TFundingLedgerInsert = z.input<typeof FundingLedgerSchema>;

// ── annual_summaries ────────────────────────────────────────────────────────────────────────────────────────────
export const AnnualSummariesSchema = z.object({
  center_id: id,
  cycle: int.min(1),
  year: int.min(1),
  status: z.enum(['open', 'submitted', 'returned', 'accepted']),
  opened_at: isoText,
  due_at: isoText,
  /** The AnnualSummary last submitted (null while none was). */
  summary: jsonText<unknown>().nullable(),
  submitted_at: isoText.nullable(),
  submissions: int.min(0),
  overdue: dbBoolean,
  return_reason: z.string().nullable(),
  accepted_at: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updated_seq: int,
});
export type TAnnualSummaries = z.infer<typeof AnnualSummariesSchema>;
export type TAnnualSummariesInsert = z.input<typeof AnnualSummariesSchema>;

// ── notifications ───────────────────────────────────────────────────────────────────────────────────────────────
export const NotificationsSchema = z.object({
  center_id: id,
  /** The stable key of the deadline the notice is about (SPEC §3 "Time"). */
  key: id,
  recipient_role: z.enum(['university', 'commission']),
  notice: z.enum(['reminder', 'overdue', 'escalation']),
  subject: z.string(),
  due_at: isoText,
  created_at: isoText,
  status: z.enum(['pending', 'delivered']),
  delivered_at: isoText.nullable(),
});
export type TNotifications = z.infer<typeof NotificationsSchema>;
export type TNotificationsInsert = z.input<typeof NotificationsSchema>;

// ── evaluations ─────────────────────────────────────────────────────────────────────────────────────────────────
export const EvaluationsSchema = z.object({
  center_id: id,
  evaluation_id: id,
  kind: z.enum(['midTerm', 'acceptance', 'reEvaluation']),
  cycle: int.min(1),
  step: z.string().min(1).max(64),
  started_at: isoText,
  self_evaluation: jsonText<unknown>().nullable(),
  inspection: jsonText<unknown>().nullable(),
  score: z.number().min(0).max(100).nullable(),
  computed_grade: grade.nullable(),
  grade: grade.nullable(),
  override_reason: z.string().nullable(),
  graded_at: isoText.nullable(),
  graded_by: id.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updated_seq: int,
});
export type TEvaluations = z.infer<typeof EvaluationsSchema>;
export type TEvaluationsInsert = z.input<typeof EvaluationsSchema>;

// ── evaluation_reviews ──────────────────────────────────────────────────────────────────────────────────────────
export const EvaluationReviewsSchema = z.object({
  center_id: id,
  /** The evaluation id. */
  stage: z.string().min(1).max(64),
  expert_id: id,
  /** DimensionScores: the five key tasks of Art. 10–11. */
  scores: jsonText<unknown>(),
  weighted_score: z.number().min(0).max(100),
  opinion: z.string(),
  submitted_at: isoText,
});
export type TEvaluationReviews = z.infer<typeof EvaluationReviewsSchema>;
export type TEvaluationReviewsInsert = z.input<typeof EvaluationReviewsSchema>;

// ── integrity_incidents ─────────────────────────────────────────────────────────────────────────────────────────
export const IntegrityIncidentsSchema = z.object({
  center_id: id,
  incident_id: id,
  occurred_on: isoText,
  category: z.enum(['ethical', 'legal', 'credit', 'other']),
  description: z.string(),
  recorded_at: isoText,
  recorded_by: id,
});
export type TIntegrityIncidents = z.infer<typeof IntegrityIncidentsSchema>;
export type TIntegrityIncidentsInsert = z.input<typeof IntegrityIncidentsSchema>;

// ── after a grade (Art. 19) ─────────────────────────────────────────────────────────────────────────────────────

// ── notices ─────────────────────────────────────────────────────────────────────────────────────────────────────
export const NoticesSchema = z.object({
  center_id: id,
  notice_id: id,
  evaluation_id: id,
  grade,
  reasons: z.string(),
  published_at: isoText,
});
export type TNotices = z.infer<typeof NoticesSchema>;
export type TNoticesInsert = z.input<typeof NoticesSchema>;

// ── rectifications ──────────────────────────────────────────────────────────────────────────────────────────────
export const RECTIFICATION_STATUSES = ['open', 'reported', 'passed', 'failed', 'lapsed'] as const;
/** One extension of a rectification deadline (Art. 19: set / extend, with a reason). */
export const RectificationExtensionSchema = z.object({ from: isoText, to: isoText, reason: z.string(), at: isoText, by: id });
export type TRectificationExtension = z.infer<typeof RectificationExtensionSchema>;
export const RectificationsSchema = z.object({
  center_id: id,
  notice_id: id,
  status: z.enum(RECTIFICATION_STATUSES),
  due_at: isoText,
  /** The deadline's extensions, oldest first (a JSON array). */
  extensions: jsonText<unknown>().pipe(z.array(RectificationExtensionSchema)),
  report: z.string().nullable(),
  report_submitted_at: isoText.nullable(),
  closed_at: isoText.nullable(),
  /** The audit seq this row reflects; an older transition never overwrites a newer row. */
  updated_seq: int,
});
export type TRectifications = z.infer<typeof RectificationsSchema>;
export type TRectificationsInsert = z.input<typeof RectificationsSchema>;

// ── support_stops ───────────────────────────────────────────────────────────────────────────────────────────────
export const SupportStopsSchema = z.object({
  center_id: id,
  reason: z.string(),
  stopped_at: isoText,
});
export type TSupportStops = z.infer<typeof SupportStopsSchema>;
export type TSupportStopsInsert = z.input<typeof SupportStopsSchema>;

// ── organisation_changes (Art. 6, 8(7)) ────────────────────────────────────────────────────────────────────────
export const OrganisationChangesSchema = z.object({
  center_id: id,
  change_id: id,
  change: z.enum(['director', 'staff']),
  /** The new director, or the staff list as it now is. */
  details: jsonText<unknown>(),
  effective_on: isoText,
  reason: z.string(),
  below_staff_minimum: dbBoolean,
  recorded_at: isoText,
  recorded_by: id,
});
export type TOrganisationChanges = z.infer<typeof OrganisationChangesSchema>;
export type TOrganisationChangesInsert = z.input<typeof OrganisationChangesSchema>;
