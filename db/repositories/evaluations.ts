import type { Knex } from 'knex';
import type { DimensionScores } from '../../machines/domain';
import type { DomainRecord } from '../../machines/records.types';
import {
  EvaluationReviewsSchema,
  EvaluationsSchema,
  IntegrityIncidentsSchema,
  type TEvaluationReviews,
  type TEvaluationReviewsInsert,
  type TEvaluations,
  type TEvaluationsInsert,
  type TIntegrityIncidents,
  type TIntegrityIncidentsInsert,
} from '../schemas';
import { TableName } from '../tables';
import type { EvaluationRecord, EvaluationReviewRecord, IncidentRecord } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;
type Evaluation = RecordOf<'evaluation'>;

const toEvaluation = (row: TEvaluations): EvaluationRecord => ({
  centerId: row.center_id,
  evaluationId: row.evaluation_id,
  evaluationKind: row.kind,
  cycle: row.cycle,
  step: row.step,
  startedAt: row.started_at,
  selfEvaluation: row.self_evaluation as Evaluation['selfEvaluation'],
  inspection: row.inspection as Evaluation['inspection'],
  score: row.score,
  computedGrade: row.computed_grade,
  grade: row.grade,
  overrideReason: row.override_reason,
  gradedAt: row.graded_at,
  gradedBy: row.graded_by,
  updatedSeq: row.updated_seq,
});

const toReview = (row: TEvaluationReviews): EvaluationReviewRecord => ({
  centerId: row.center_id,
  stage: row.stage,
  expertId: row.expert_id,
  scores: row.scores as DimensionScores,
  weightedScore: row.weighted_score,
  opinion: row.opinion,
  submittedAt: row.submitted_at,
});

const toIncident = (row: TIntegrityIncidents): IncidentRecord => ({
  centerId: row.center_id,
  incidentId: row.incident_id,
  incident: { occurredOn: row.occurred_on, category: row.category, description: row.description },
  recordedAt: row.recorded_at,
  recordedBy: row.recorded_by,
});

/** Evaluations and their expert reviews (Art. 17–18), and the integrity incidents shown to evaluators (Art. 12). */
export function createEvaluationsRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 18: a center's evaluations, across cycles, in the order they started. */
    async evaluations(centerId: string, tx?: Knex.Transaction): Promise<EvaluationRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Evaluations).where({ center_id: centerId }).orderBy(['cycle', 'started_at', 'evaluation_id']);
      return rows.map((r) => toEvaluation(EvaluationsSchema.parse(r)));
    },

    /** Art. 18: experts' scores, of one evaluation (stage = its id) or of all. */
    async evaluationReviews(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<EvaluationReviewRecord[]> {
      const q = (tx ?? knex)(TableName.EvaluationReviews).where({ center_id: centerId }).orderBy(['stage', 'submitted_at', 'expert_id']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => toReview(EvaluationReviewsSchema.parse(r)));
    },

    /** Art. 12: integrity incidents, oldest first. */
    async incidents(centerId: string, tx?: Knex.Transaction): Promise<IncidentRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.IntegrityIncidents).where({ center_id: centerId }).orderBy(['occurred_on', 'recorded_at', 'incident_id']);
      return rows.map((r) => toIncident(IntegrityIncidentsSchema.parse(r)));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /**
     * Inserts or updates the evaluation as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older step must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written.
     */
    async upsertEvaluation(r: Evaluation, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = {
        center_id: r.centerId,
        evaluation_id: r.evaluationId,
        kind: r.evaluationKind,
        cycle: r.cycle,
        step: r.step,
        started_at: r.startedAt,
        self_evaluation: r.selfEvaluation === null ? null : JSON.stringify(r.selfEvaluation),
        inspection: r.inspection === null ? null : JSON.stringify(r.inspection),
        score: r.score,
        computed_grade: r.computedGrade,
        grade: r.grade,
        override_reason: r.overrideReason,
        graded_at: r.gradedAt,
        graded_by: r.gradedBy,
        updated_seq: seq,
      } satisfies TEvaluationsInsert;
      EvaluationsSchema.parse(row);
      const { center_id: _c, evaluation_id: _e, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Evaluations)
        .insert(row)
        .onConflict(['center_id', 'evaluation_id'])
        .merge(Object.keys(updates))
        .where(`${TableName.Evaluations}.updated_seq`, '<=', seq)
        .returning('center_id');
      return written.length > 0;
    },

    async insertEvaluationReview(r: RecordOf<'evaluationReview'>, tx?: Knex.Transaction): Promise<void> {
      const row = {
        center_id: r.centerId,
        stage: r.stage,
        expert_id: r.expertId,
        scores: JSON.stringify(r.scores),
        weighted_score: r.weightedScore,
        opinion: r.opinion,
        submitted_at: r.submittedAt,
      } satisfies TEvaluationReviewsInsert;
      EvaluationReviewsSchema.parse(row);
      await (tx ?? knex)(TableName.EvaluationReviews).insert(row).onConflict(['center_id', 'stage', 'expert_id']).ignore();
    },

    async insertIntegrityIncident(r: RecordOf<'integrityIncident'>, tx?: Knex.Transaction): Promise<void> {
      const row = IntegrityIncidentsSchema.parse({
        center_id: r.centerId,
        incident_id: r.incidentId,
        occurred_on: r.incident.occurredOn,
        category: r.incident.category,
        description: r.incident.description,
        recorded_at: r.recordedAt,
        recorded_by: r.recordedBy,
      } satisfies TIntegrityIncidentsInsert);
      await (tx ?? knex)(TableName.IntegrityIncidents).insert(row).onConflict(['center_id', 'incident_id']).ignore();
    },
  };
}
