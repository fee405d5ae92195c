import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import {
  EvaluationRecordSchema,
  EvaluationReviewsSchema,
  EvaluationsSchema,
  IncidentRecordSchema,
  IntegrityIncidentsSchema,
  rowOf,
  type EvaluationRecord,
  type EvaluationReviewRecord,
  type IncidentRecord,
} from '../schemas';
import { TableName } from '../tables';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** Evaluations and their expert reviews (Art. 17–18), and the integrity incidents shown to evaluators (Art. 12). */
export function createEvaluationsRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 18: a center's evaluations, across cycles, in the order they started. */
    async evaluations(centerId: string, tx?: Knex.Transaction): Promise<EvaluationRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Evaluations).where({ centerId }).orderBy(['cycle', 'startedAt', 'evaluationId']);
      return rows.map((r) => EvaluationRecordSchema.parse(r));
    },

    /** Art. 18: experts' scores, of one evaluation (stage = its id) or of all. */
    async evaluationReviews(centerId: string, stage?: string, tx?: Knex.Transaction): Promise<EvaluationReviewRecord[]> {
      const q = (tx ?? knex)(TableName.EvaluationReviews).where({ centerId }).orderBy(['stage', 'submittedAt', 'expertId']);
      if (stage !== undefined) q.where({ stage });
      const rows: unknown[] = await q;
      return rows.map((r) => EvaluationReviewsSchema.parse(r));
    },

    /** Art. 12: integrity incidents, oldest first. */
    async incidents(centerId: string, tx?: Knex.Transaction): Promise<IncidentRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.IntegrityIncidents).where({ centerId }).orderBy(['occurredOn', 'recordedAt', 'incidentId']);
      return rows.map((r) => IncidentRecordSchema.parse(r));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /**
     * Inserts or updates the evaluation as of audit `seq`; a row already at a later seq is left alone (a late
     * retry of an older step must not roll it back; the audit gate keeps a transition from running twice, so an
     * equal seq is a later record of the same transition). Returns whether the row was written.
     */
    async upsertEvaluation(r: RecordOf<'evaluation'>, seq: number, tx?: Knex.Transaction): Promise<boolean> {
      const row = rowOf(EvaluationsSchema, { ...r, kind: r.evaluationKind, updatedSeq: seq });
      const { centerId: _c, evaluationId: _e, ...updates } = row;
      const written: unknown[] = await (tx ?? knex)(TableName.Evaluations)
        .insert(row)
        .onConflict(['centerId', 'evaluationId'])
        .merge(Object.keys(updates))
        .where(`${TableName.Evaluations}.updatedSeq`, '<=', seq)
        .returning('centerId');
      return written.length > 0;
    },

    async insertEvaluationReview(r: RecordOf<'evaluationReview'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.EvaluationReviews).insert(rowOf(EvaluationReviewsSchema, r)).onConflict(['centerId', 'stage', 'expertId']).ignore();
    },

    async insertIntegrityIncident(r: RecordOf<'integrityIncident'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.IntegrityIncidents)
        // Incidents of centers recorded before severities existed (a retried transition of an older run) are minor.
        .insert(rowOf(IntegrityIncidentsSchema, { ...r, ...r.incident, severity: r.incident.severity ?? 'minor' }))
        .onConflict(['centerId', 'incidentId'])
        .ignore();
    },
  };
}
