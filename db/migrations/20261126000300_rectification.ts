import type { Knex } from 'knex';
import { GRADES, RECTIFICATION_STATUSES } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * Art. 19, after an unqualified grade: the public notice, the rectification it opens (deadline, extensions, the
 * university's report, how it closed) and the end of support. Same conventions as the earlier migrations:
 * timestamps and documents of db/columns.ts, center-scoped rows referencing centers(center_id). Notice ids are unique
 * per center only, so every key starts with center_id.
 */
const ID = 255;

const centerId = (t: Knex.CreateTableBuilder) =>
  t.string('center_id', ID).notNullable().references('center_id').inTable(TableName.Centers);

export async function up(knex: Knex): Promise<void> {
  /** Art. 19: the public notice of an unqualified grade, written once; anyone may list them by publication date. */
  await knex.schema.createTable(TableName.Notices, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('notice_id', ID).notNullable();
    t.string('evaluation_id', ID).notNullable();
    t.string('grade', 16).notNullable().checkIn([...GRADES]);
    t.text('reasons').notNullable();
    c.timestamp('published_at').notNullable();
    t.primary(['center_id', 'notice_id']);
    t.index(['published_at']);
  });

  /**
   * Art. 19: the rectification a notice opens, upserted as it moves (extended, reported, closed); updated_seq keeps
   * a late retry of an older transition from rolling it back. It references its notice: no rectification without one.
   */
  await knex.schema.createTable(TableName.Rectifications, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.string('notice_id', ID).notNullable();
    t.string('status', 16).notNullable().checkIn([...RECTIFICATION_STATUSES]);
    c.timestamp('due_at').notNullable();
    /** JSON array of { from, to, reason, at, by }, oldest first. */
    c.document('extensions').notNullable();
    t.text('report').nullable();
    c.timestamp('report_submitted_at').nullable();
    c.timestamp('closed_at').nullable();
    t.integer('updated_seq').notNullable();
    t.primary(['center_id', 'notice_id']);
    t.foreign(['center_id', 'notice_id']).references(['center_id', 'notice_id']).inTable(TableName.Notices);
  });

  /** Art. 19: support stopped — one row per center, the record closed with its reason and date. */
  await knex.schema.createTable(TableName.SupportStops, (t) => {
    const c = columns(knex, t);
    centerId(t);
    t.text('reason').notNullable();
    c.timestamp('stopped_at').notNullable();
    t.primary(['center_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Rectifications before the notices they reference; the rest reference only centers, which this migration leaves.
  for (const table of [TableName.SupportStops, TableName.Rectifications, TableName.Notices]) {
    await knex.schema.dropTableIfExists(table);
  }
}
