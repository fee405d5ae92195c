import { z } from 'zod';
import {
  ActorSchema,
  AnnualSummarySchema,
  ApplicationSchema,
  DimensionScoresSchema,
  DirectorSchema,
  StaffMemberSchema,
  ExpertSchema,
  FundingRequestSchema,
  GRADES,
  InspectionSchema,
  IntegrityIncidentSchema,
  ReasonSchema,
  ReviewSchema,
  SlugSchema,
  type Actor,
  type Role,
} from './domain';

const positiveFen = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const summaryRef = { cycle: z.number().int().min(1).optional(), year: z.number().int().min(1).max(10) };
const longText = z.string().trim().min(1).max(20000);

/**
 * One zod schema per command payload (SPEC §3a). The command names are the statechart's event names.
 */
export const CommandPayloadSchemas = {
  /** Art. 8 */
  SUBMIT_APPLICATION: z.object({ callId: SlugSchema, application: ApplicationSchema }).strict(),
  /** Art. 8: while the call is open and before review starts. */
  AMEND_APPLICATION: z.object({ application: ApplicationSchema }).strict(),
  /** Art. 9 */
  ASSIGN_EXPERTS: z.object({ experts: z.array(ExpertSchema).min(1).max(20) }).strict(),
  /** Art. 9 */
  SUBMIT_REVIEW: z.object({ review: ReviewSchema }).strict(),
  /** Art. 9, 20 */
  APPROVE: z.object({ reason: z.string().trim().max(2000).optional() }).strict(),
  /** Art. 9 */
  REJECT: z.object({ reason: ReasonSchema }).strict(),
  /** Art. 13–15 */
  REQUEST_FUNDING: z.object({ request: FundingRequestSchema }).strict(),
  /** Art. 13–16: possibly a lower amount, then with a reason. */
  GRANT_FUNDING: z.object({ requestId: z.string().min(1).max(64), amountFen: positiveFen, reason: z.string().trim().max(2000).optional() }).strict(),
  DECLINE_FUNDING: z.object({ requestId: z.string().min(1).max(64), reason: ReasonSchema }).strict(),
  /** Art. 18 */
  SUBMIT_SUMMARY: z.object({ ...summaryRef, summary: AnnualSummarySchema }).strict(),
  ACCEPT_SUMMARY: z.object(summaryRef).strict(),
  RETURN_SUMMARY: z.object({ ...summaryRef, reason: ReasonSchema }).strict(),
  /** Art. 18: the evaluation sub-process. */
  SUBMIT_SELF_EVALUATION: z.object({ scores: DimensionScoresSchema, report: longText }).strict(),
  RECORD_INSPECTION: InspectionSchema,
  ASSIGN_EVALUATION_EXPERTS: z.object({ experts: z.array(ExpertSchema).min(1).max(20) }).strict(),
  SUBMIT_EVALUATION_REVIEW: z.object({ scores: DimensionScoresSchema, opinion: longText }).strict(),
  /** Art. 17–19: grade from the scores; an override needs a reason; an unqualified grade may set the rectification days. */
  ASSESS: z
    .object({ grade: z.enum(GRADES).optional(), reason: z.string().trim().max(2000).optional(), rectificationDays: z.number().int().min(1).max(730).optional() })
    .strict(),
  /** Art. 19 */
  SUBMIT_RECTIFICATION: z.object({ report: longText }).strict(),
  EXTEND_RECTIFICATION: z.object({ days: z.number().int().min(1).max(365), reason: ReasonSchema }).strict(),
  /** Art. 12 */
  RECORD_INTEGRITY_INCIDENT: z.object({ incident: IntegrityIncidentSchema }).strict(),
  /** Art. 6: director changes are recorded events. */
  RECORD_DIRECTOR_CHANGE: z.object({ director: DirectorSchema, effectiveOn: z.string().date(), reason: ReasonSchema }).strict(),
  /** Art. 8(7): staff changes are recorded; falling below the minimum is flagged. */
  RECORD_STAFF_CHANGE: z.object({ staff: z.array(StaffMemberSchema).max(500), effectiveOn: z.string().date(), reason: ReasonSchema }).strict(),
} as const;

export type CommandType = keyof typeof CommandPayloadSchemas;
export const COMMAND_TYPES = Object.keys(CommandPayloadSchemas) as CommandType[];
export type CommandPayload<T extends CommandType> = z.infer<(typeof CommandPayloadSchemas)[T]>;

/** SPEC §3a: who may send what. */
export const COMMAND_ROLES: Record<CommandType, readonly Role[]> = {
  SUBMIT_APPLICATION: ['university'],
  AMEND_APPLICATION: ['university'],
  ASSIGN_EXPERTS: ['commission'],
  SUBMIT_REVIEW: ['expert'],
  APPROVE: ['commission'],
  REJECT: ['commission'],
  REQUEST_FUNDING: ['university'],
  GRANT_FUNDING: ['commission'],
  DECLINE_FUNDING: ['commission'],
  SUBMIT_SUMMARY: ['university'],
  ACCEPT_SUMMARY: ['commission'],
  RETURN_SUMMARY: ['commission'],
  SUBMIT_SELF_EVALUATION: ['university'],
  RECORD_INSPECTION: ['commission'],
  ASSIGN_EVALUATION_EXPERTS: ['commission'],
  SUBMIT_EVALUATION_REVIEW: ['expert'],
  ASSESS: ['commission'],
  SUBMIT_RECTIFICATION: ['university'],
  EXTEND_RECTIFICATION: ['commission'],
  RECORD_INTEGRITY_INCIDENT: ['commission'],
  RECORD_DIRECTOR_CHANGE: ['university'],
  RECORD_STAFF_CHANGE: ['university'],
};

export const CommandIdSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only');

const commandEnvelope = <T extends CommandType>(type: T) =>
  z.object({ commandId: CommandIdSchema, actor: ActorSchema, type: z.literal(type), payload: CommandPayloadSchemas[type] }).strict();

export const CommandSchema = z.discriminatedUnion('type', [
  commandEnvelope('SUBMIT_APPLICATION'),
  commandEnvelope('AMEND_APPLICATION'),
  commandEnvelope('ASSIGN_EXPERTS'),
  commandEnvelope('SUBMIT_REVIEW'),
  commandEnvelope('APPROVE'),
  commandEnvelope('REJECT'),
  commandEnvelope('REQUEST_FUNDING'),
  commandEnvelope('GRANT_FUNDING'),
  commandEnvelope('DECLINE_FUNDING'),
  commandEnvelope('SUBMIT_SUMMARY'),
  commandEnvelope('ACCEPT_SUMMARY'),
  commandEnvelope('RETURN_SUMMARY'),
  commandEnvelope('SUBMIT_SELF_EVALUATION'),
  commandEnvelope('RECORD_INSPECTION'),
  commandEnvelope('ASSIGN_EVALUATION_EXPERTS'),
  commandEnvelope('SUBMIT_EVALUATION_REVIEW'),
  commandEnvelope('ASSESS'),
  commandEnvelope('SUBMIT_RECTIFICATION'),
  commandEnvelope('EXTEND_RECTIFICATION'),
  commandEnvelope('RECORD_INTEGRITY_INCIDENT'),
  commandEnvelope('RECORD_DIRECTOR_CHANGE'),
  commandEnvelope('RECORD_STAFF_CHANGE'),
]);
export type Command = z.infer<typeof CommandSchema>;

/** What every event carries besides its payload: who, which command, and the workflow's time. */
export interface EventMeta {
  actor: Actor;
  commandId: string | null;
  at: string;
}

/** SPEC §3a: the reasons a command can be refused. */
export const REFUSAL_REASONS = [
  'invalid-input',
  'forbidden-role',
  'wrong-organisation',
  'not-assigned',
  'conflict-of-interest',
  'not-allowed-in-state',
  'quota-exceeded',
  'deadline-passed',
  'suspended',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

/** Formats zod issues as one readable sentence naming each bad field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
