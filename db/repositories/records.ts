import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import {
  ApplicationsSchema,
  AssignmentRecordSchema,
  DecisionsSchema,
  EligibilityRecordSchema,
  EligibilityResultsSchema,
  ExpertAssignmentsSchema,
  ReviewRecordSchema,
  ReviewsSchema,
  rowOf,
  type ApplicationRecord,
  type AssignmentRecord,
  type DecisionRecord,
  type EligibilityRecord,
  type ReviewRecord,
} from '../schemas';
import { TableName } from '../tables';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

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
      const rows: unknown[] = await (tx ?? knex)(TableName.Applications).where({ centerId }).orderBy('version');
      return rows.map((r) => ApplicationsSchema.parse(r));
    },

    /** Art. 8: the seven conditions' results, of one application version or (without `version`) of all. */
    async eligibility(centerId: string, version?: number, tx?: Knex.Transaction): Promise<EligibilityRecord[]> {
      const q = (tx ?? knex)(TableName.EligibilityResults).where({ centerId }).orderBy(['version', 'condition']);
      if (version !== undefined) q.where({ version });
      const rows: unknown[] = await q;
      return rows.map((r) => EligibilityRecordSchema.parse(r));
    },

    /** Art. 9, 18: assigned experts, of one stage or of all. */
    async assignments(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<AssignmentRecord[]> {
      const q = (tx ?? knex)(TableName.ExpertAssignments).where({ centerId }).orderBy(['stage', 'assignedAt', 'expertId']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => AssignmentRecordSchema.parse(r));
    },

    /** The centers an expert was assigned to, at any stage (Art. 9, 18): what an expert may read. */
    async assignedCenters(expertId: string, tx?: Knex.Transaction): Promise<string[]> {
      const rows: { centerId: string }[] = await (tx ?? knex)(TableName.ExpertAssignments).distinct('centerId').where({ expertId }).orderBy('centerId');
      return rows.map((r) => r.centerId);
    },

    /** Art. 9, 18: submitted reviews, of one stage or of all. */
    async reviews(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<ReviewRecord[]> {
      const q = (tx ?? knex)(TableName.Reviews).where({ centerId }).orderBy(['stage', 'submittedAt', 'expertId']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => ReviewRecordSchema.parse(r));
    },

    /** Art. 9: the decision on the application, if one was made. */
    async decision(centerId: string, tx?: Knex.Transaction): Promise<DecisionRecord | undefined> {
      const row: unknown = await (tx ?? knex)(TableName.Decisions).where({ centerId }).first();
      return row === undefined ? undefined : DecisionsSchema.parse(row);
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    async insertApplication(r: RecordOf<'application'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Applications).insert(rowOf(ApplicationsSchema, r)).onConflict(['centerId', 'version']).ignore();
    },

    /** One row per condition (seven for Art. 8). */
    async insertEligibility(r: RecordOf<'eligibility'>, tx?: Knex.Transaction): Promise<void> {
      if (r.results.length === 0) return;
      const rows = r.results.map((c) => rowOf(EligibilityResultsSchema, { ...r, ...c, conditionKey: c.key }));
      await (tx ?? knex)(TableName.EligibilityResults).insert(rows).onConflict(['centerId', 'version', 'condition']).ignore();
    },

    /** One row per expert. */
    async insertExpertAssignment(r: RecordOf<'expertAssignment'>, tx?: Knex.Transaction): Promise<void> {
      if (r.experts.length === 0) return;
      const rows = r.experts.map((e) => rowOf(ExpertAssignmentsSchema, { ...r, expertId: e.id, expertName: e.name, expertOrgId: e.orgId }));
      await (tx ?? knex)(TableName.ExpertAssignments).insert(rows).onConflict(['centerId', 'stage', 'expertId']).ignore();
    },

    async insertReview(r: RecordOf<'review'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Reviews).insert(rowOf(ReviewsSchema, { ...r, ...r.review, scores: r.review.scores ?? null })).onConflict(['centerId', 'stage', 'expertId']).ignore();
    },

    async insertDecision(r: RecordOf<'decision'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Decisions).insert(rowOf(DecisionsSchema, r)).onConflict('centerId').ignore();
    },
  };
}
