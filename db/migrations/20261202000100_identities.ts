import type { Knex } from 'knex';
import { ROLES, USER_STATUSES } from '../../machines/vocabulary';
import { columns } from '../columns';
import { TableName } from '../tables';

/**
 * SPEC §4 "HTTP API": every person known to the service, and what they authenticate with. The caller's identity is
 * the actor of every command, so a user carries exactly what an actor does: id, role, organisation.
 *
 * No secret is stored. An API token's secret and a session's cookie and CSRF token are 32 random bytes: their sha256
 * is stored (a high-entropy secret needs no slow hash, and a lookup by hash stays one index probe). A password is
 * low-entropy: it is stored as an argon2id hash (api/identities.ts).
 */
const ID = 255;
const SHA256_HEX = 64;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TableName.Users, (t) => {
    const c = columns(knex, t);
    t.string('id', ID).notNullable().primary();
    t.text('name').notNullable();
    t.string('role', 16).notNullable().checkIn([...ROLES]);
    t.string('org_id', ID).nullable();
    t.boolean('admin').notNullable().defaultTo(false);
    t.string('status', 16).notNullable().checkIn([...USER_STATUSES]);
    t.text('password_hash').nullable();
    c.timestamp('created_at').notNullable();
    c.timestamp('updated_at').notNullable();
    // §3a: a university or expert actor is bound to its organisation; only the commission administers.
    t.check(`?? not in ('university', 'expert') or ?? is not null`, ['role', 'org_id'], 'users_org_required');
    t.check(`?? = 'commission' or not ??`, ['role', 'admin'], 'users_admin_commission_only');
    t.index(['role']);
  });

  await knex.schema.createTable(TableName.ApiTokens, (t) => {
    const c = columns(knex, t);
    t.string('id', 32).notNullable().primary();
    t.string('user_id', ID).notNullable().references('id').inTable(TableName.Users);
    t.string('secret_hash', SHA256_HEX).notNullable();
    t.text('label').nullable();
    c.timestamp('created_at').notNullable();
    c.timestamp('expires_at').notNullable();
    c.timestamp('revoked_at').nullable();
    c.timestamp('last_used_at').nullable();
    t.index(['user_id']);
  });

  await knex.schema.createTable(TableName.Sessions, (t) => {
    const c = columns(knex, t);
    t.string('id_hash', SHA256_HEX).notNullable().primary();
    t.string('user_id', ID).notNullable().references('id').inTable(TableName.Users);
    t.string('csrf_hash', SHA256_HEX).notNullable();
    c.timestamp('created_at').notNullable();
    c.timestamp('expires_at').notNullable();
    c.timestamp('revoked_at').nullable();
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TableName.Sessions);
  await knex.schema.dropTable(TableName.ApiTokens);
  await knex.schema.dropTable(TableName.Users);
}
