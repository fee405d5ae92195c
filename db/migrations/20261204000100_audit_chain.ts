import type { Knex } from 'knex';
import { auditRowHash, GENESIS, type ChainedContent } from '../audit-chain';
import { TableName } from '../tables';

/**
 * Issue 15 item 2: the audit log becomes a hash chain per center (db/audit-chain.ts). The two columns are nullable
 * so SQLite adds them without rebuilding the table; the rows already there are chained here, center by center in
 * seq order, so a database migrated with history verifies clean; every row written after carries both.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.AuditLog, (t) => {
    t.string('prev_hash', 64).nullable();
    t.string('hash', 64).nullable();
  });
  // The migration may run with or without the camelCase mapping (db/knex.ts): read each column under either name.
  const col = (row: Record<string, unknown>, snake: string): unknown => (snake in row ? row[snake] : row[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]);
  const rows: Record<string, unknown>[] = await knex(TableName.AuditLog).select().orderBy([{ column: 'center_id' }, { column: 'seq' }]);
  let center: unknown = undefined;
  let prev = GENESIS;
  for (const row of rows) {
    if (col(row, 'center_id') !== center) [center, prev] = [col(row, 'center_id'), GENESIS];
    const at = col(row, 'at');
    const hash = auditRowHash(prev, {
      centerId: String(col(row, 'center_id')),
      cycle: Number(col(row, 'cycle')),
      seq: Number(col(row, 'seq')),
      fromState: String(col(row, 'from_state')),
      event: String(col(row, 'event')),
      toState: String(col(row, 'to_state')),
      actorId: String(col(row, 'actor_id')),
      actorRole: col(row, 'actor_role') as ChainedContent['actorRole'],
      actorOrgId: (col(row, 'actor_org_id') as string | null) ?? null,
      commandId: (col(row, 'command_id') as string | null) ?? null,
      at: at instanceof Date ? at.toISOString() : String(at),
    });
    await knex(TableName.AuditLog).where('id', col(row, 'id') as number).update({ prev_hash: prev, hash });
    prev = hash;
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable(TableName.AuditLog, (t) => {
    t.dropColumn('hash');
    t.dropColumn('prev_hash');
  });
}
