import type { Knex } from 'knex';
import { mapsColumnNames } from '../knex';
import { createAuditRepository } from './audit';
import { createCallsRepository } from './calls';
import { createCentersRepository } from './centers';
import { createCyclesRepository } from './cycles';
import { createEvaluationsRepository } from './evaluations';
import { createFundingRepository } from './funding';
import { createRecordsRepository } from './records';
import { createReportsRepository } from './reports';
import { createRectificationsRepository } from './rectifications';
import { createOrganisationRepository } from './organisation';
import { createEvidenceRepository } from './evidence';
import { createReserveRepository } from './reserve';
import { createAccountsRepository } from './accounts';

export type * from './types';
export type { MonitoringReport, ReportFilter, ReportYear, UniversityReport } from './reports';
export type { CenterAccounts, GrantAccounts } from './accounts';
export { RecordConflictError, RecordNotReadyError } from './errors';

/**
 * Data access for the CLI, the activities and the tests. Every function takes an optional transaction last
 * (house style), so the activities can compose writes into one transaction. `knex` must map column names (one
 * made by createKnex, db/knex.ts): the repositories speak camelCase.
 */
export function createRepositories(knex: Knex) {
  if (!mapsColumnNames(knex)) {
    throw new Error('createRepositories needs a knex that maps column names: make it with createKnex (db/knex.ts), or add columnNameMapping to its config');
  }
  return {
    ...createCentersRepository(knex),
    ...createCallsRepository(knex),
    ...createAuditRepository(knex),
    ...createRecordsRepository(knex),
    ...createCyclesRepository(knex),
    ...createFundingRepository(knex),
    ...createEvaluationsRepository(knex),
    ...createRectificationsRepository(knex),
    ...createOrganisationRepository(knex),
    ...createReserveRepository(knex),
    ...createAccountsRepository(knex),
    ...createReportsRepository(knex),
    ...createEvidenceRepository(knex),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
