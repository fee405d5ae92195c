import { z } from 'zod';
import { cleanText, PlausibleDate, PlausibleTime } from './text';
import { BudgetLine, FundingKind, GRANT_BUDGET_LINES, GrantBudgetLine, IncidentCategory, IncidentSeverity, OpinionSource, Recommendation, ResultKind, Role as RoleSchema, StaffBackground, TransferMode } from './vocabulary';

/** Identifiers are slugs so they can be used in workflow ids, file names and URLs. */
export const SlugSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'use letters, digits, "-" or "_" (and start with a letter or digit)');

export { ROLES, Role as RoleSchema, type Role, GRADES, type Grade, FUNDING_KINDS, STAFF_BACKGROUNDS } from './vocabulary';

/** Every command carries its actor (SPEC §3 "Who may do what"). Universities and experts belong to an organisation. */
export const ActorSchema = z
  .object({ id: SlugSchema, role: RoleSchema, orgId: SlugSchema.optional() })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.role === 'university' || a.role === 'expert') && !a.orgId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['orgId'], message: `a ${a.role} actor needs orgId` });
    }
  });
export type Actor = z.infer<typeof ActorSchema>;

const text = cleanText(z.string().min(1).max(4000));
const line = (min: number, max: number) => cleanText(z.string().min(min).max(max), { multiline: false });
const evidenceItem = z.object({ done: z.boolean(), evidence: cleanText(z.string().max(4000)).default('') }).strict();
const policyDocument = z
  .object({ exists: z.boolean(), title: line(0, 400).default(''), reference: line(0, 400).default('') })
  .strict();
const mechanism = z.object({ established: z.boolean(), running: z.boolean(), description: cleanText(z.string().max(4000)).default('') }).strict();
const commitment = z.object({ committed: z.boolean(), description: cleanText(z.string().max(4000)).default('') }).strict();
const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);


/** Art. 8: the seven conditions, each a structured part of the application. */
export const ApplicationSchema = z
  .object({
    universityId: SlugSchema,
    /** Art. 20: the university's official names, from which the center's names are generated. */
    universityNameZh: cleanText(z.string().regex(/^[\u4e00-\u9fff（）()]{2,40}$/, 'the Chinese name, in Chinese characters'), { multiline: false }),
    universityNameEn: line(2, 200),
    /** Art. 6: the director heads the university's tech-transfer management department. */
    director: z.object({ name: text, title: text, department: text }).strict(),
    conditions: z
      .object({
        /** Art. 8(1): planned, deployed, implemented and assessed together with the university's reform. */
        reformIntegration: z.object({ planned: evidenceItem, deployed: evidenceItem, implemented: evidenceItem, assessed: evidenceItem }).strict(),
        /** Art. 8(2): four policies. */
        policies: z
          .object({
            resultsManagement: policyDocument,
            ipManagement: policyDocument,
            personnelEvaluation: policyDocument,
            offPostEntrepreneurship: policyDocument,
          })
          .strict(),
        /** Art. 8(3): three working mechanisms. */
        mechanisms: z
          .object({ techTransfer: mechanism, ipManagement: mechanism, industryUniversityCooperation: mechanism })
          .strict(),
        /** Art. 8(4): results of high applied value and the transfer record of each of the last three years. */
        transferRecord: z
          .object({
            highValueResults: z.number().int().min(0),
            years: z
              .array(
                z
                  .object({
                    year: z.number().int().min(1990).max(2200),
                    transfers: z.number().int().min(0),
                    contractAmountFen: fen,
                  })
                  .strict(),
              )
              .max(20),
          })
          .strict(),
        /** Art. 8(5): posts, hiring and incentives, funding (with the committed annual amount). */
        support: z
          .object({
            posts: commitment,
            hiringAndIncentives: commitment,
            funding: z.object({ committed: z.boolean(), annualAmountFen: fen }).strict(),
          })
          .strict(),
        /** Art. 8(6): a fixed workplace with office equipment. */
        workplace: z
          .object({ address: line(0, 400), floorAreaM2: z.number().min(0).max(1e6), officeEquipment: z.boolean() })
          .strict(),
        /** Art. 8(7): full-time staff with professional backgrounds. */
        staff: z
          .array(z.object({ name: text, fullTime: z.boolean(), background: StaffBackground }).strict())
          .max(500),
      })
      .strict(),
  })
  .strict();
export type Application = z.infer<typeof ApplicationSchema>;

/** Art. 7: a call for applications, with a window and a quota. */
export const CallInfoSchema = z
  .object({
    callId: SlugSchema,
    title: line(1, 200),
    opensAt: PlausibleTime,
    closesAt: PlausibleTime,
    quota: z.number().int().min(1).max(1000),
  })
  .strict()
  .refine((c) => Date.parse(c.closesAt) > Date.parse(c.opensAt), { message: 'closesAt must be after opensAt', path: ['closesAt'] });
export type CallInfo = z.infer<typeof CallInfoSchema>;

export const ExpertSchema = z.object({ id: SlugSchema, name: text, orgId: SlugSchema }).strict();
export type Expert = z.infer<typeof ExpertSchema>;

/**
 * Art. 9: an expert's review of an application — one overall score, or (since the rubric) a score on each dimension
 * of the policy's application rubric, from which the score is computed. `score` stays accepted, so reviews sent
 * before the rubric (and histories holding them) read as before.
 */
export const ReviewSchema = z
  .object({
    score: z.number().min(0).max(100).optional(),
    scores: z.record(z.string().min(1).max(40), z.number().min(0).max(100)).optional(),
    recommendation: Recommendation,
    opinion: text,
  })
  .strict()
  .refine((r) => (r.score === undefined) !== (r.scores === undefined), { message: 'give either score (0–100) or scores (0–100 on each dimension of the rubric), not both', path: ['score'] });
export type ReviewInput = z.infer<typeof ReviewSchema>;
/** A review as recorded: its score (given, or computed from the dimension scores) and the dimension scores if given. */
export type Review = { score: number; scores?: Record<string, number>; recommendation: ReviewInput['recommendation']; opinion: string };

export const ReasonSchema = cleanText(z.string().min(3, 'give a reason of at least a few words').max(2000));

// ---- The build cycle (Art. 3, 6, 10–19) ----


/** Art. 15: guidance projects are chosen on the opinion of professional bodies and enterprises. */
export const ExternalOpinionSchema = z
  .object({ from: text, kind: OpinionSource, opinion: text })
  .strict();

/** Art. 13–16: a yearly funding request for that year's tasks; money in integer fen (Art. 16). */
export const FundingRequestSchema = z
  .object({
    kind: FundingKind,
    title: text,
    tasks: z.array(text).min(1).max(50),
    amountFen: fen.refine((v) => v > 0, 'the amount must be positive'),
    budgetLines: z.array(z.object({ item: text, amountFen: fen }).strict()).max(100).default([]),
    opinions: z.array(ExternalOpinionSchema).max(50).default([]),
    /** Art. 15, Op. 4(4): the results of the center's reserve a guidance project would transfer (their ids). */
    reserveEntries: z.array(SlugSchema).max(50).optional(),
    /**
     * Art. 13 择优: the yearly funding round the request competes in (`centers round …`). Its grant is reserved from
     * that round's budget before the center grants it (workflows/center.ts); absent: a request outside any round.
     */
    roundId: SlugSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const entries = r.reserveEntries ?? [];
    if (r.kind === 'promotion' && entries.length > 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['reserveEntries'], message: 'a promotion project transfers no results: only a guidance project names reserve entries (Art. 14–15)' });
    }
    if (new Set(entries).size !== entries.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['reserveEntries'], message: 'each reserve entry is named once' });
    }
    if (r.kind === 'guidance' && r.opinions.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['opinions'], message: 'a guidance project carries the opinions of professional bodies or enterprises (Art. 15)' });
    }
    if (r.budgetLines.length > 0 && r.budgetLines.reduce((a, b) => a + b.amountFen, 0) !== r.amountFen) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['budgetLines'], message: 'budget lines must add up to the amount requested (Art. 16)' });
    }
  });
export type FundingRequest = z.infer<typeof FundingRequestSchema>;

/** Op. 4(4): a result the center keeps in its reserve and patent pool, with what it is worth (fen, Art. 16). */
export const ReserveResultSchema = z
  .object({
    resultId: SlugSchema,
    kind: ResultKind,
    title: line(1, 200),
    /** A patent or registration number, when there is one. */
    identifier: line(1, 100).optional(),
    /** The estimated value, in fen. */
    valueFen: fen,
  })
  .strict();
export type ReserveResult = z.infer<typeof ReserveResultSchema>;
/** Art. 2–3, Op. 4(4): how a result of the reserve was transferred, to whom, when and for how much (fen). */
export const ResultTransferSchema = z
  .object({ mode: TransferMode, transferredOn: PlausibleDate, counterparty: line(1, 200), contractAmountFen: fen })
  .strict();
export type ResultTransfer = z.infer<typeof ResultTransferSchema>;

/**
 * Art. 16: a grant's budget lines — each a line of the municipal rules' vocabulary (machines/vocabulary.ts), once,
 * with its amount in fen. That they add up to the amount granted is a rule of the grant (stages/accounts.ts).
 */
export const GrantBudgetLinesSchema = z
  .array(z.object({ line: GrantBudgetLine, amountFen: fen.refine((v) => v > 0, 'a budget line has a positive amount') }).strict())
  .min(1)
  .max(GRANT_BUDGET_LINES.length)
  .refine((lines) => new Set(lines.map((l) => l.line)).size === lines.length, 'each budget line is given once');
export type GrantBudgetLines = z.infer<typeof GrantBudgetLinesSchema>;
/** Art. 16: money spent from a grant — the line it is charged to, the amount (fen), the day and what it paid for. */
export const SpendingSchema = z
  .object({ line: BudgetLine, amountFen: fen.refine((v) => v > 0, 'the amount must be positive'), spentOn: PlausibleDate, description: line(1, 400) })
  .strict();
export type Spending = z.infer<typeof SpendingSchema>;

const count = z.number().int().min(0).max(1_000_000);
const transfer = z.object({ count, contractAmountFen: fen }).strict();

/** Art. 3, Op. 4–5: the indicators collected every year. */
export const IndicatorsSchema = z
  .object({
    patentApplications: count,
    patentGrants: count,
    preApplicationAssessments: count,
    transfers: z.object({ assignment: transfer, licence: transfer, equityInvestment: transfer, spinOff: transfer } satisfies Record<TransferMode, typeof transfer>).strict(),
    peopleTrained: count,
  })
  .strict();
export type Indicators = z.infer<typeof IndicatorsSchema>;

/** Art. 10–11: the five key tasks, which are also the evaluation dimensions (Art. 17). */
const dimensions = <T extends z.ZodTypeAny>(t: T) =>
  z
    .object({ mechanismInnovation: t, ipManagement: t, talentTraining: t, resourceSharing: t, professionalServices: t })
    .strict();

/** Art. 18: the annual summary. */
export const AnnualSummarySchema = z
  .object({ indicators: IndicatorsSchema, progress: dimensions(cleanText(z.string().min(1).max(4000))) })
  .strict();
export type AnnualSummary = z.infer<typeof AnnualSummarySchema>;

export const DimensionScoresSchema = dimensions(z.number().min(0).max(100));
export type DimensionScores = z.infer<typeof DimensionScoresSchema>;

/** Art. 18: self-evaluation, on-site inspection, expert review. */
export const SelfEvaluationSchema = z.object({ scores: DimensionScoresSchema, report: text }).strict();
export const InspectionSchema = z.object({ inspectedOn: PlausibleDate, inspectors: z.array(text).min(1).max(20), findings: text }).strict();
export const EvaluationReviewSchema = z.object({ scores: DimensionScoresSchema, opinion: text }).strict();

/** Art. 6: the director heads the university's tech-transfer management department. */
export const DirectorSchema = z.object({ name: text, title: text, department: text }).strict();
export type Director = z.infer<typeof DirectorSchema>;
/** Art. 8(7): the center's staff. */
export const StaffMemberSchema = z.object({ name: text, fullTime: z.boolean(), background: StaffBackground }).strict();
export type StaffMember = z.infer<typeof StaffMemberSchema>;

/** Art. 12: an integrity incident recorded against a center. */
export const IntegrityIncidentSchema = z
  .object({ occurredOn: PlausibleDate, category: IncidentCategory, /** Not given (and in incidents recorded before severities existed): minor. */ severity: IncidentSeverity.optional(), description: text })
  .strict();
export type IntegrityIncident = z.infer<typeof IntegrityIncidentSchema>;
