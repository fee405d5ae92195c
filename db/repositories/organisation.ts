import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { OrganisationChangesSchema, rowOf, type OrganisationChangeRecord } from '../schemas';
import { TableName } from '../tables';

/** Art. 6, 8(7): director and staff changes, oldest first. */
export function createOrganisationRepository(knex: Knex) {
  return {
    async organisationChanges(centerId: string, tx?: Knex.Transaction): Promise<OrganisationChangeRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.OrganisationChanges).where({ centerId }).orderBy(['recordedAt', 'changeId']);
      return rows.map((r) => OrganisationChangesSchema.parse(r));
    },

    async insertOrganisationChange(r: Extract<DomainRecord, { kind: 'organisationChange' }>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.OrganisationChanges).insert(rowOf(OrganisationChangesSchema, r)).onConflict(['centerId', 'changeId']).ignore();
    },
  };
}
