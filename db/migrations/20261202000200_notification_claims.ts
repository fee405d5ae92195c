import type { Knex } from 'knex';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Several workers on one task queue (docs/operations.md "Several workers"): the outbox's delivery state lives in the
 * database, not in a worker's memory. A deliverer first claims a pending notice (claimed_by, claimed_at: one atomic
 * UPDATE … WHERE status = 'pending' AND the notice is unclaimed or its claim is older than the claim timeout), then
 * sends it, then marks it delivered. A pending row with a fresh claim is being delivered; a claim left by a worker
 * killed mid-delivery expires and the notice is claimed again (activities/outbox.ts).
 *
 * Columns only: the status keeps its two values (pending, delivered) and its CHECK constraint, so SQLite needs no
 * table rebuild.
 */
const ID = 255;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Notifications, (t) => {
    const c = columns(knex, t);
    /** Who holds the claim: host, process and one delivery run (not a worker's name: two runs of one worker differ). */
    t.string('claimed_by', ID).nullable();
    c.timestamp('claimed_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.Notifications, (t) => {
    t.dropColumn('claimed_at');
    t.dropColumn('claimed_by');
  });
}
