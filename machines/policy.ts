import { z } from 'zod';
import { STAFF_BACKGROUNDS } from './vocabulary';

/**
 * Every number the regulation (or the commission's practice) fixes lives here, with the article beside it.
 * Machines and workflows read these values from their input; they never hold literals of their own.
 * Values marked "policy default" are not fixed by the regulation (SPEC §2) and may be changed by configuration.
 */
const dimensionWeightsSchema = z
  .object({
    // Art. 10–11, 17: the five key tasks are the evaluation dimensions. Policy default: equal weights.
    mechanismInnovation: z.number().min(0).max(1).default(0.2),
    ipManagement: z.number().min(0).max(1).default(0.2),
    talentTraining: z.number().min(0).max(1).default(0.2),
    resourceSharing: z.number().min(0).max(1).default(0.2),
    professionalServices: z.number().min(0).max(1).default(0.2),
  })
  .strict()
  .refine((w) => Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-9, {
    message: 'dimension weights must add up to 1',
  });

/**
 * Art. 9 择优批复立项: the rubric the experts score an application on, each dimension with its weight; the
 * application's score is the weighted sum of an expert's dimension scores. Policy default: the seven conditions of
 * Art. 8, the transfer record (Art. 8(4)) weighing most. The commission may configure other dimensions.
 */
const applicationRubricSchema = z
  .record(z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'a dimension is a camelCase name'), z.number().min(0).max(1))
  .default({
    reformIntegration: 0.15, // Art. 8(1)
    policies: 0.1, // Art. 8(2)
    mechanisms: 0.15, // Art. 8(3)
    transferRecord: 0.25, // Art. 8(4)
    support: 0.15, // Art. 8(5)
    workplace: 0.05, // Art. 8(6)
    staff: 0.15, // Art. 8(7)
  })
  .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= 20, { message: 'the rubric has 1 to 20 dimensions' })
  .refine((w) => Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-9, { message: 'rubric weights must add up to 1' });

/**
 * Art. 13 择优 and Art. 14–15: the rubric of each kind of project in a yearly funding round — each dimension with its
 * weight, adding up to 1; a request's score is the mean over its experts of the weighted sum of their dimension
 * scores (0–100). Guidance projects (Art. 15) are chosen on the opinions of professional bodies and enterprises: the
 * experts score what those opinions carry (`externalOpinions`). Policy defaults; the commission may configure others.
 */
const weights = (d: Record<string, number>) =>
  z
    .record(z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'a dimension is a camelCase name'), z.number().min(0).max(1))
    .default(d)
    .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= 20, { message: 'the rubric has 1 to 20 dimensions' })
    .refine((w) => Math.abs(Object.values(w).reduce((a, b) => a + b, 0) - 1) < 1e-9, { message: 'rubric weights must add up to 1' });
const roundRubricsSchema = z
  .object({
    promotion: weights({
      mechanisms: 0.25, // Art. 14: mechanism building
      intellectualProperty: 0.2, // Art. 14: IP management and operation
      training: 0.15, // Art. 14: training of transfer staff
      sharing: 0.2, // Art. 14: sharing of instruments and results
      services: 0.2, // Art. 14: transfer services
    }),
    guidance: weights({
      transferValue: 0.35, // Art. 15: the value of the result transferred
      feasibility: 0.25, // Art. 15: a concrete transfer project that can be carried out
      externalOpinions: 0.3, // Art. 15: the opinions of professional bodies and enterprises it carries
      reserveMaturity: 0.1, // Art. 15: results from the center's reserve
    }),
  })
  .strict()
  .default({});

const days = (d: number) => z.number().int().min(1).max(365).default(d);
/**
 * Art. 9, 18, 19: how long each step that waits for someone may take, in days from the moment it starts waiting;
 * a reminder goes out `reminderDaysBefore` days before, and at the deadline the step is flagged overdue and escalated
 * to the commission. Policy defaults: the regulation names no durations. Absent from the policies of centers started
 * before these deadlines: they keep running without them.
 */
const stepDeadlineDaysSchema = z
  .object({
    applicationReview: days(30), // Art. 9: each expert's review of an application
    selfEvaluation: days(60), // Art. 18: the university's self-evaluation
    onSiteInspection: days(60), // Art. 18: the commission's on-site inspection
    expertAssignment: days(30), // Art. 18: the commission assigns the evaluation's experts
    evaluationReview: days(30), // Art. 17–18: each expert's scores
    assessment: days(30), // Art. 18: the comprehensive assessment
  })
  .strict();

const gradeThresholdsSchema = z
  .object({
    // Art. 18: results are excellent / qualified / unqualified. Policy default cut-offs on a 0–100 weighted score.
    excellent: z.number().min(0).max(100).default(90),
    qualified: z.number().min(0).max(100).default(60),
  })
  .strict()
  .refine((t) => t.excellent > t.qualified, { message: 'the excellent threshold must be above the qualified one' });

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Art. 13–15: a yearly ceiling for each kind of project, in fen (Art. 16 keeps budgets to the fen). */
const kindCeilingsSchema = (promotion: number, guidance: number) => z.object({ promotion: fen.default(promotion), guidance: fen.default(guidance) }).strict().default({});
const YUAN = 100;

/**
 * Art. 19 分级给予支持: what the tier of support means — the most one center may be granted in one build year for each
 * kind of project. `untiered` is the first cycle (no evaluation has earned a tier yet). Policy defaults: the
 * regulation names no amounts; the commission sets them each year.
 */
const fundingCeilingsSchema = z
  .object({
    untiered: kindCeilingsSchema(3_000_000 * YUAN, 2_000_000 * YUAN),
    A: kindCeilingsSchema(5_000_000 * YUAN, 3_000_000 * YUAN),
    B: kindCeilingsSchema(3_000_000 * YUAN, 2_000_000 * YUAN),
  })
  .strict()
  .refine((c) => c.A.promotion >= c.B.promotion && c.A.guidance >= c.B.guidance, { message: 'tier A (excellent) must be supported at least as much as tier B (Art. 19)' });

export const PolicySchema = z
  .object({
    /** Art. 6: the build cycle is five years. */
    cycleYears: z.number().int().min(1).max(10).default(5),
    /** Art. 18: the mid-term evaluation comes after two full years of building. */
    midTermAfterYears: z.number().int().min(1).default(2),
    /** Art. 18 annual summary: policy default, due 30 days after the year's end. */
    summaryGraceDays: z.number().int().min(1).max(365).default(30),
    /** Policy default: a reminder this many days before a summary or report is due. */
    reminderDaysBefore: z.number().int().min(0).max(90).default(7),
    /** Art. 9, 18: the deadline of each step that waits for an expert, the university or the commission (policy defaults). */
    stepDeadlineDays: stepDeadlineDaysSchema.default({}),
    /** Art. 19 rectification: policy default deadline of 180 days when the commission gives none. */
    rectificationDays: z.number().int().min(1).max(730).default(180),
    /** Art. 19: policy default, how many times the commission may extend a rectification deadline. */
    maxRectificationExtensions: z.number().int().min(0).max(10).default(1),
    /** Art. 8(7): at least three full-time staff with a tech-transfer, IP, law or finance background. */
    minFullTimeStaff: z.number().int().min(1).default(3),
    /** Art. 8(4): an outstanding transfer record in the last three years. */
    transferRecordYears: z.number().int().min(1).max(10).default(3),
    /** Art. 8(4) 具有较高应用价值的成果: policy default, at least one result of high applied value. */
    minHighValueResults: z.number().int().min(0).max(1000).default(1),
    /** Art. 8(4) 成果转移转化业绩突出: policy default, at least one transfer in each of those years. */
    minTransfersPerYear: z.number().int().min(0).max(1000).default(1),
    /** Art. 8(7) 技术转移、知识产权、法律、财务等专业背景: the backgrounds that count towards the staff minimum. */
    qualifyingBackgrounds: z.array(z.enum(STAFF_BACKGROUNDS)).min(1).default(['techTransfer', 'ip', 'law', 'finance']),
    /**
     * Art. 12: grading "excellent" a center with a severe integrity incident in the cycle needs a written reason.
     * Policy default: yes.
     */
    severeIncidentExcellentNeedsReason: z.boolean().default(true),
    /**
     * Art. 15 中心储备的成果: a guidance request names the results of the center's reserve it would transfer (Op. 4(4)).
     * Policy default: yes (centers started before the reserve carry a policy without it and keep their rules).
     */
    guidanceNamesReserveEntries: z.boolean().default(true),
    /**
     * Art. 18, Op. 4(4): an annual summary reports at least the transfers (number and contract amount, way by way) the
     * center's reserve recorded in that build year. Policy default: yes (absent from older centers' policies: off).
     */
    summaryTransfersMatchReserve: z.boolean().default(true),
    /** Art. 18–19: policy default, the fewest characters of a reason that overrides a computed grade or publishes a notice. */
    minReasonLength: z.number().int().min(1).max(200).default(3),
    /** Art. 9: policy default, the fewest experts the commission may assign to one review. */
    minExpertsPerReview: z.number().int().min(1).max(20).default(3),
    /** Art. 9: the application rubric, dimensions and weights (policy default: the seven conditions of Art. 8). */
    applicationRubric: applicationRubricSchema,
    /**
     * Art. 9 择优: approving an application most of whose panel recommends rejecting it needs a written reason.
     * Policy default: yes (centers started before the rule carry a policy without it and keep their rules).
     */
    approvalAgainstPanelNeedsReason: z.boolean().default(true),
    /** Art. 17–18 grade thresholds (policy default). */
    gradeThresholds: gradeThresholdsSchema.default({}),
    /** Art. 10–11, 17 dimension weights (policy default). */
    dimensionWeights: dimensionWeightsSchema.default({}),
    /** Art. 13–15: the rubric of each kind of project in a yearly funding round (policy defaults). */
    roundRubrics: roundRubricsSchema,
    /** Art. 13–15, 19: the yearly funding ceiling of each tier, per project kind, in fen (policy defaults). */
    fundingCeilingsFen: fundingCeilingsSchema.default({}),
    /**
     * Art. 18–19: a passed mid-term grade sets the tier for the rest of the cycle (excellent → A, qualified → B).
     * Policy default: yes; false keeps the tier the cycle started with until the acceptance.
     */
    midTermSetsTier: z.boolean().default(true),
    /**
     * Length of one build year in milliseconds, or null for calendar years (the k-th anniversary, SPEC §3 "Time").
     * Only the benchmark compresses it (a year in seconds); production leaves it null.
     */
    compressedYearMs: z.number().int().positive().nullable().default(null),
  })
  .strict()
  .refine((p) => p.midTermAfterYears < p.cycleYears, {
    message: 'the mid-term evaluation must come before the end of the cycle (Art. 18)',
    path: ['midTermAfterYears'],
  });

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Dimension = keyof Policy['dimensionWeights'];
export type FundingCeilings = Policy['fundingCeilingsFen'];
export const DIMENSIONS = [
  'mechanismInnovation',
  'ipManagement',
  'talentTraining',
  'resourceSharing',
  'professionalServices',
] as const satisfies readonly Dimension[];

/** The policy with every default; parse(overrides) for a configured one. */
export const defaultPolicy: Policy = PolicySchema.parse({});

/**
 * A value of the policy a center runs under. Centers started before a number moved into the policy carry a policy
 * without it; for those the default is the literal the code held before, so their rules do not change.
 */
export const policyValue = <K extends keyof Policy>(policy: Policy, key: K): Policy[K] => (policy as Partial<Policy>)[key] ?? defaultPolicy[key];

export function parsePolicy(input: unknown): Policy {
  return PolicySchema.parse(input ?? {});
}
