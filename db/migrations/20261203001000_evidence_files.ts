import type { Knex } from 'knex';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Evidence files (issue 14 item 3): one row per file a command carried — the documents of an application (Art. 8),
 * a funding request's external opinions (Art. 15), a summary, a self-evaluation, an inspection (Art. 18) or a
 * rectification report (Art. 19). The file itself lives in the content store (evidence/store.ts), named by its
 * SHA-256; the row says which record and which command it belongs to, so a read is authorised like that record and
 * `audit reconcile` checks the stored file against the hash. Append-only: one row per (center, command, file).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.EvidenceFiles, (t) => {
    const c = columns(knex, t);
    t.string('center_id', 255).notNullable().references('center_id').inTable(TableName.Centers);
    /** The audit sequence number of the transition that attached it. */
    t.integer('seq').notNullable();
    t.string('sha256', 64).notNullable();
    /** The record it belongs to: application (key v<version>), fundingRequest, annualSummary, evaluation, rectification. */
    t.string('owner_kind', 32).notNullable();
    t.string('owner_key', 255).notNullable();
    t.string('command', 64).notNullable();
    t.string('command_id', 255).nullable();
    t.string('name', 255).notNullable();
    t.string('media_type', 255).notNullable();
    t.bigInteger('size_bytes').notNullable();
    c.timestamp('attached_at').notNullable();
    t.string('attached_by', 255).notNullable();
    t.primary(['center_id', 'seq', 'sha256']);
    t.index(['center_id', 'sha256']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TableName.EvidenceFiles);
}
