import type { Knex } from 'knex';
import {
  DELIVERY_STATUSES,
  EVALUATION_KINDS,
  FUNDING_KINDS,
  GRADES,
  INCIDENT_CATEGORIES,
  NOTIFICATION_NOTICES,
  NOTIFICATION_RECIPIENTS,
  SUMMARY_STATUSES,
  TIERS,
  type FundingStatus,
} from '../../machines/vocabulary';
import { TableName } from '../tables';

/**
 * The five-year build cycle (Art. 6, 12–19): cycles, yearly funding and its ledger, annual summaries, the
 * notification outbox, evaluations with their expert reviews, and integrity incidents.
 * Same conventions as the initial migration: ISO-8601 text timestamps, JSON as text, money in integer fen
 * (bigint: a grant may exceed the 2^31 fen of a 32-bit integer), center-scoped rows referencing centers(center_id).
 * Ids of requests, evaluations and incidents are unique per center only, so every key starts with center_id.
 */
const ID = 255;
const TS = 40;

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
    centerId(t);
    t.integer('cycle').notNullable();
    t.string('tier', 1).nullable().checkIn([...TIERS]);
    t.string('started_at', TS).notNullable();
    t.string('ends_at', TS).notNullable();
    t.primary(['center_id', 'cycle']);
  });

  /** Art. 13–15: one row per request, its decision written onto it. */
  await knex.schema.createTable(TableName.FundingRequests, (t) => {
    centerId(t);
    t.string('request_id', ID).notNullable();
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('kind', 16).notNullable().checkIn([...FUNDING_KINDS]);
    t.text('title').notNullable();
    t.bigInteger('amount_fen').notNullable();
    t.text('request').notNullable();
    t.string('status', 16).notNullable().defaultTo('pending').checkIn(FUNDING_STATUSES_AS_MIGRATED);
    t.bigInteger('granted_fen').nullable();
    t.text('reason').nullable();
    t.string('requested_at', TS).notNullable();
    t.string('requested_by', ID).notNullable();
    t.string('decided_at', TS).nullable();
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
    centerId(t);
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('request_id', ID).notNullable();
    t.string('kind', 16).notNullable().checkIn([...FUNDING_KINDS]);
    t.bigInteger('amount_fen').notNullable();
    t.string('granted_at', TS).notNullable();
    t.string('granted_by', ID).notNullable();
    t.unique(['center_id', 'request_id']);
    t.foreign(['center_id', 'request_id']).references(['center_id', 'request_id']).inTable(TableName.FundingRequests);
    t.index(['center_id', 'cycle', 'year']);
  });

  /** Art. 18: one summary per year of a cycle, upserted as it moves; updated_seq keeps late retries from rolling it back. */
  await knex.schema.createTable(TableName.AnnualSummaries, (t) => {
    centerId(t);
    t.integer('cycle').notNullable();
    t.integer('year').notNullable();
    t.string('status', 16).notNullable().checkIn([...SUMMARY_STATUSES]);
    t.string('opened_at', TS).notNullable();
    t.string('due_at', TS).notNullable();
    t.text('summary').nullable();
    t.string('submitted_at', TS).nullable();
    t.integer('submissions').notNullable().defaultTo(0);
    t.boolean('overdue').notNullable().defaultTo(false);
    t.text('return_reason').nullable();
    t.string('accepted_at', TS).nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'cycle', 'year']);
  });

  /** The outbox of reminders, overdue notices and escalations (Art. 18: never silently dropped). */
  await knex.schema.createTable(TableName.Notifications, (t) => {
    centerId(t);
    t.string('key', ID).notNullable();
    t.string('recipient_role', 16).notNullable().checkIn([...NOTIFICATION_RECIPIENTS]);
    t.string('notice', 16).notNullable().checkIn([...NOTIFICATION_NOTICES]);
    t.text('subject').notNullable();
    t.string('due_at', TS).notNullable();
    t.string('created_at', TS).notNullable();
    t.string('status', 16).notNullable().defaultTo('pending').checkIn([...DELIVERY_STATUSES]);
    t.string('delivered_at', TS).nullable();
    t.unique(['center_id', 'key', 'notice']);
    t.index(['status']);
  });

  /** Art. 17–18: one row per evaluation (mid-term, acceptance, re-evaluation), upserted at each step. */
  await knex.schema.createTable(TableName.Evaluations, (t) => {
    centerId(t);
    t.string('evaluation_id', ID).notNullable();
    t.string('kind', 16).notNullable().checkIn([...EVALUATION_KINDS]);
    t.integer('cycle').notNullable();
    t.string('step', 64).notNullable();
    t.string('started_at', TS).notNullable();
    t.text('self_evaluation').nullable();
    t.text('inspection').nullable();
    t.double('score').nullable();
    t.string('computed_grade', 16).nullable().checkIn([...GRADES]);
    t.string('grade', 16).nullable().checkIn([...GRADES]);
    t.text('override_reason').nullable();
    t.string('graded_at', TS).nullable();
    t.string('graded_by', ID).nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'evaluation_id']);
  });

  /** Art. 18: one expert's scores on the five dimensions; stage is the evaluation id. */
  await knex.schema.createTable(TableName.EvaluationReviews, (t) => {
    centerId(t);
    t.string('stage', 64).notNullable();
    t.string('expert_id', ID).notNullable();
    t.text('scores').notNullable();
    t.double('weighted_score').notNullable();
    t.text('opinion').notNullable();
    t.string('submitted_at', TS).notNullable();
    t.primary(['center_id', 'stage', 'expert_id']);
  });

  /** Art. 12 */
  await knex.schema.createTable(TableName.IntegrityIncidents, (t) => {
    centerId(t);
    t.string('incident_id', ID).notNullable();
    t.string('occurred_on', TS).notNullable();
    t.string('category', 16).notNullable().checkIn([...INCIDENT_CATEGORIES]);
    t.text('description').notNullable();
    t.string('recorded_at', TS).notNullable();
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
