import type { Knex } from 'knex';
import * as initial from './20261126000100_initial';
import * as buildCycle from './20261126000200_build_cycle';
import * as rectification from './20261126000300_rectification';
import * as organisationChanges from './20261126000400_organisation_changes';
import * as identities from './20261202000100_identities';
import * as notificationClaims from './20261202000200_notification_claims';
import * as incidentSeverity from './20261202000300_incident_severity';
import * as userEmail from './20261203000100_user_email';
import * as publicNoticeNotifications from './20261203000200_public_notice_notifications';
import * as reviewScores from './20261203000300_review_scores';
import * as evidenceFiles from './20261203001000_evidence_files';
import * as resultsReserve from './20261203007000_results_reserve';
import * as auditChain from './20261204000100_audit_chain';
import * as spendingAccounts from './20261204000200_spending_accounts';
import * as stepDeadlines from './20261204000500_step_deadlines';

/**
 * Every migration, in order, imported explicitly. knex's file-system loader guesses at extensions and uses
 * require(), which breaks under TS + ESM (tsx, vitest, a bundled worker); an explicit list loads the same
 * everywhere. Add a new migration by creating `<yyyymmddhhmmss>_<name>.ts` and appending it here.
 *
 * Names carry no extension, so the rows knex writes to knex_migrations do not depend on whether the code
 * runs as .ts or compiled .js.
 */
export interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const migrations: readonly NamedMigration[] = [
  { name: '20261126000100_initial', migration: initial },
  { name: '20261126000200_build_cycle', migration: buildCycle },
  { name: '20261126000300_rectification', migration: rectification },
  { name: '20261126000400_organisation_changes', migration: organisationChanges },
  { name: '20261202000100_identities', migration: identities },
  { name: '20261202000200_notification_claims', migration: notificationClaims },
  { name: '20261202000300_incident_severity', migration: incidentSeverity },
  { name: '20261203000100_user_email', migration: userEmail },
  { name: '20261203000200_public_notice_notifications', migration: publicNoticeNotifications },
  { name: '20261203000300_review_scores', migration: reviewScores },
  { name: '20261203001000_evidence_files', migration: evidenceFiles },
  { name: '20261203007000_results_reserve', migration: resultsReserve },
  { name: '20261204000100_audit_chain', migration: auditChain },
  { name: '20261204000200_spending_accounts', migration: spendingAccounts },
  { name: '20261204000500_step_deadlines', migration: stepDeadlines },
];

/** The knex MigrationSource over the list above. */
export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.migration,
};
