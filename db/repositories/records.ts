import type { Knex } from 'knex';
import type { Application } from '../../machines/domain';
import type { DomainRecord } from '../../machines/records.types';
import {
  ApplicationsSchema,
  DecisionsSchema,
  EligibilityResultsSchema,
  ExpertAssignmentsSchema,
  ReviewsSchema,
  type TApplications,
  type TApplicationsInsert,
  type TDecisions,
  type TDecisionsInsert,
  type TEligibilityResults,
  type TEligibilityResultsInsert,
  type TExpertAssignments,
  type TExpertAssignmentsInsert,
  type TReviews,
  type TReviewsInsert,
} from '../schemas';
import { TableName } from '../tables';
import type { ApplicationRecord, AssignmentRecord, DecisionRecord, EligibilityRecord, ReviewRecord } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

const toApplication = (row: TApplications): ApplicationRecord => ({
  centerId: row.center_id,
  callId: row.call_id,
  universityId: row.university_id,
  version: row.version,
  application: row.application as Application,
  submittedAt: row.submitted_at,
});

const toEligibility = (row: TEligibilityResults): EligibilityRecord => ({
  centerId: row.center_id,
  version: row.version,
  condition: row.condition,
  key: row.condition_key,
  passed: row.passed,
  reason: row.reason,
  checkedAt: row.checked_at,
});

const toAssignment = (row: TExpertAssignments): AssignmentRecord => ({
  centerId: row.center_id,
  stage: row.stage,
  expert: { id: row.expert_id, name: row.expert_name, orgId: row.expert_org_id },
  assignedAt: row.assigned_at,
  assignedBy: row.assigned_by,
});

const toReview = (row: TReviews): ReviewRecord => ({
  centerId: row.center_id,
  stage: row.stage,
  expertId: row.expert_id,
  review: { score: row.score, recommendation: row.recommendation, opinion: row.opinion },
  submittedAt: row.submitted_at,
});

const toDecision = (row: TDecisions): DecisionRecord => ({
  centerId: row.center_id,
  outcome: row.outcome,
  reason: row.reason,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
});

/**
 * The center-scoped domain records. Every writer is idempotent by the table's natural key (insert, on conflict
 * do nothing): a record is written once, whatever the number of retries. Every row is validated by its table's
 * schema before it reaches SQL.
 */
export function createRecordsRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 8: every submitted version, oldest first. */
    async applications(centerId: string, tx?: Knex.Transaction): Promise<ApplicationRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Applications).where({ center_id: centerId }).orderBy('version');
      return rows.map((r) => toApplication(ApplicationsSchema.parse(r)));
    },

    /** Art. 8: the seven conditions' results, of one application version or (without `version`) of all. */
    async eligibility(centerId: string, version?: number, tx?: Knex.Transaction): Promise<EligibilityRecord[]> {
      const q = (tx ?? knex)(TableName.EligibilityResults).where({ center_id: centerId }).orderBy(['version', 'condition']);
      if (version !== undefined) q.where({ version });
      const rows: unknown[] = await q;
      return rows.map((r) => toEligibility(EligibilityResultsSchema.parse(r)));
    },

    /** Art. 9, 18: assigned experts, of one stage or of all. */
    async assignments(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<AssignmentRecord[]> {
      const q = (tx ?? knex)(TableName.ExpertAssignments).where({ center_id: centerId }).orderBy(['stage', 'assigned_at', 'expert_id']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => toAssignment(ExpertAssignmentsSchema.parse(r)));
    },

    /** Art. 9, 18: submitted reviews, of one stage or of all. */
    async reviews(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<ReviewRecord[]> {
      const q = (tx ?? knex)(TableName.Reviews).where({ center_id: centerId }).orderBy(['stage', 'submitted_at', 'expert_id']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => toReview(ReviewsSchema.parse(r)));
    },

    /** Art. 9: the decision on the application, if one was made. */
    async decision(centerId: string, tx?: Knex.Transaction): Promise<DecisionRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Decisions).where({ center_id: centerId }).first();
      return row === undefined ? undefined : toDecision(DecisionsSchema.parse(row));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    async insertApplication(r: RecordOf<'application'>, tx?: Knex.Transaction): Promise<void> {
      const row = {
        center_id: r.centerId,
        version: r.version,
        call_id: r.callId,
        university_id: r.universityId,
        application: JSON.stringify(r.application),
        submitted_at: r.submittedAt,
      } satisfies TApplicationsInsert;
      ApplicationsSchema.parse(row);
      await (tx ?? knex)(TableName.Applications).insert(row).onConflict(['center_id', 'version']).ignore();
    },

    /** One row per condition (seven for Art. 8). */
    async insertEligibility(r: RecordOf<'eligibility'>, tx?: Knex.Transaction): Promise<void> {
      if (r.results.length === 0) return;
      const rows = r.results.map((c) =>
        EligibilityResultsSchema.parse({
          center_id: r.centerId,
          version: r.version,
          condition: c.condition,
          condition_key: c.key,
          passed: c.passed,
          reason: c.reason,
          checked_at: r.checkedAt,
        } satisfies TEligibilityResultsInsert),
      );
      await (tx ?? knex)(TableName.EligibilityResults).insert(rows).onConflict(['center_id', 'version', 'condition']).ignore();
    },

    /** One row per expert. */
    async insertExpertAssignment(r: RecordOf<'expertAssignment'>, tx?: Knex.Transaction): Promise<void> {
      if (r.experts.length === 0) return;
      const rows = r.experts.map((e) =>
        ExpertAssignmentsSchema.parse({
          center_id: r.centerId,
          stage: r.stage,
          expert_id: e.id,
          expert_name: e.name,
          expert_org_id: e.orgId,
          assigned_at: r.assignedAt,
          assigned_by: r.assignedBy,
        } satisfies TExpertAssignmentsInsert),
      );
      await (tx ?? knex)(TableName.ExpertAssignments).insert(rows).onConflict(['center_id', 'stage', 'expert_id']).ignore();
    },

    async insertReview(r: RecordOf<'review'>, tx?: Knex.Transaction): Promise<void> {
      const row = ReviewsSchema.parse({
        center_id: r.centerId,
        stage: r.stage,
        expert_id: r.expertId,
        score: r.review.score,
        recommendation: r.review.recommendation,
        opinion: r.review.opinion,
        submitted_at: r.submittedAt,
      } satisfies TReviewsInsert);
      await (tx ?? knex)(TableName.Reviews).insert(row).onConflict(['center_id', 'stage', 'expert_id']).ignore();
    },

    async insertDecision(r: RecordOf<'decision'>, tx?: Knex.Transaction): Promise<void> {
      const row = DecisionsSchema.parse({
        center_id: r.centerId,
        outcome: r.outcome,
        reason: r.reason,
        decided_at: r.decidedAt,
        decided_by: r.decidedBy,
      } satisfies TDecisionsInsert);
      await (tx ?? knex)(TableName.Decisions).insert(row).onConflict('center_id').ignore();
    },
  };
}
