import type { Knex } from 'knex';
import {
  DELIVERY_STATUSES,
  EVALUATION_KINDS,
  FUNDING_KINDS,
  GRADES,
  INCIDENT_CATEGORIES,
  SUMMARY_STATUSES,
  TIERS,
  type FundingStatus,
} from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * The five-year build cycle (Art. 6, 12–19): cycles, yearly funding and its ledger, annual summaries, the
 * notification outbox, evaluations with their expert reviews, and integrity incidents.
 * Same conventions as the initial migration: timestamps and documents of db/columns.ts, money in integer fen
 * (bigint: a grant may exceed the 2^31 fen of a 32-bit integer), center-scoped rows referencing centers(center_id).
 * Ids of requests, evaluations and incidents are unique per center only, so every key starts with center_id.
 */
const ID = 255;

/**
 * The funding statuses in the order this migration has always listed them (FUNDING_STATUSES lists `held` second):
 * the order is part of the CHECK constraint's text, which must stay as existing databases hold it.
 */
const FUNDING_STATUSES_AS_MIGRATED: FundingStatus[] = ['pending', 'granted', 'declined', 'cancelled', 'held'];

const centerId = (t: Knex.CreateTableBuilder) =>
  t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);

export async function up(knex: Knex): Promise<void> {
  /** Art. 6, 19: cycle 1 starts on approval; the next after an acceptance that passed. */
  await knex.schema.createTable(TableName.Cycles, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.integer('cycle').notNullable();
    t.string('tier', 1).nullable().checkIn([...TIERS]);
    c.timestamp('started_at').notNullable();
    c.timestamp('ends_at').notNullable();
    t.primary(['center_id', 'cycle']);
  });

  /** Art. 13–15: one row per request, its decision written onto it. */
  await knex.schema.createTable(TableName.FundingRequests, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('request_id', ID).notNullable();
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('kind', 16).notNullable().checkIn([...FUNDING_KINDS]);
    t.text('title').notNullable();
    t.bigInteger('amount_fen').notNullable();
    c.document('request').notNullable();
    t.string('status', 16).notNullable().defaultTo('pending').checkIn(FUNDING_STATUSES_AS_MIGRATED);
    t.bigInteger('granted_fen').nullable();
    t.text('reason').nullable();
    c.timestamp('requested_at').notNullable();
    t.string('requested_by', ID).notNullable();
    c.timestamp('decided_at').nullable();
    t.string('decided_by', ID).nullable();
    /** The audit seq of the last transition that moved the request (suspend and resume go back and forth). */
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'request_id']);
    t.index(['center_id', 'cycle', 'year']);
  });

  /**
   * Art. 16: the money. One row per grant, never two: the unique key is what makes a retried or replayed grant
   * harmless, and the foreign key keeps money from pointing at a request that does not exist.
   */
  await knex.schema.createTable(TableName.FundingLedger, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('request_id', ID).notNullable();
    t.string('kind', 16).notNullable().checkIn([...FUNDING_KINDS]);
    t.bigInteger('amount_fen').notNullable();
    c.timestamp('granted_at').notNullable();
    t.string('granted_by', ID).notNullable();
    t.unique(['center_id', 'request_id']);
    t.foreign(['center_id', 'request_id']).references(['center_id', 'request_id']).inTable(TableName.FundingRequests);
    t.index(['center_id', 'cycle', 'year']);
  });

  /** Art. 18: one summary per year of a cycle, upserted as it moves; updated_seq keeps late retries from rolling it back. */
  await knex.schema.createTable(TableName.AnnualSummaries, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('status', 16).notNullable().checkIn([...SUMMARY_STATUSES]);
    c.timestamp('opened_at').notNullable();
    c.timestamp('due_at').notNullable();
    c.document('summary').nullable();
    c.timestamp('submitted_at').nullable();
    t.integer('submissions').notNullable().defaultTo(0);
    t.boolean('overdue').notNullable().defaultTo(false);
    t.text('return_reason').nullable();
    c.timestamp('accepted_at').nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'cycle', 'year']);
  });

  /** The outbox of reminders, overdue notices and escalations (Art. 18: never silently dropped). */
  await knex.schema.createTable(TableName.Notifications, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('key', ID).notNullable();
    // The roles as they were (20261204000500_step_deadlines adds the expert's).
    t.string('recipient_role', 16).notNullable().checkIn(['university', 'commission']);
    // The kinds as they were (20261203000200_public_notice_notifications adds Art. 19's).
    t.string('notice', 16).notNullable().checkIn(['reminder', 'overdue', 'escalation']);
    t.text('subject').notNullable();
    c.timestamp('due_at').notNullable();
    c.timestamp('created_at').notNullable();
    t.string('status', 16).notNullable().defaultTo('pending').checkIn([...DELIVERY_STATUSES]);
    c.timestamp('delivered_at').nullable();
    t.unique(['center_id', 'key', 'notice']);
    t.index(['status']);
  });

  /** Art. 17–18: one row per evaluation (mid-term, acceptance, re-evaluation), upserted at each step. */
  await knex.schema.createTable(TableName.Evaluations, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('evaluation_id', ID).notNullable();
    t.string('kind', 16).notNullable().checkIn([...EVALUATION_KINDS]);
    t.integer('cycle').notNullable();
    t.string('step', 64).notNullable();
    c.timestamp('started_at').notNullable();
    c.document('self_evaluation').nullable();
    c.document('inspection').nullable();
    t.double('score').nullable();
    t.string('computed_grade', 16).nullable().checkIn([...GRADES]);
    t.string('grade', 16).nullable().checkIn([...GRADES]);
    t.text('override_reason').nullable();
    c.timestamp('graded_at').nullable();
    t.string('graded_by', ID).nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'evaluation_id']);
  });

  /** Art. 18: one expert's scores on the five dimensions; stage is the evaluation id. */
  await knex.schema.createTable(TableName.EvaluationReviews, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    c.document('scores').notNullable();
    t.double('weighted_score').notNullable();
    t.text('opinion').notNullable();
    c.timestamp('submitted_at').notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
  });

  /** Art. 12 */
  await knex.schema.createTable(TableName.IntegrityIncidents, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('incident_id', ID).notNullable();
    c.date('occurred_on').notNullable();
    t.string('category', 16).notNullable().checkIn([...INCIDENT_CATEGORIES]);
    t.text('description').notNullable();
    c.timestamp('recorded_at').notNullable();
    t.string('recorded_by', ID).notNullable();
    t.primary(['center_id', 'incident_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // The ledger before the requests it references; the rest reference only centers, which this migration leaves.
  for (const table of [
    TableName.IntegrityIncidents,
    TableName.EvaluationReviews,
    TableName.Evaluations,
    TableName.Notifications,
    TableName.AnnualSummaries,
    TableName.FundingLedger,
    TableName.FundingRequests,
    TableName.Cycles,
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
