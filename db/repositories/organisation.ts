import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { OrganisationChangesSchema, type TOrganisationChangesInsert } from '../schemas';
import { TableName } from '../tables';

type OrganisationChange = Extract<DomainRecord, { kind: 'organisationChange' }>;
export type OrganisationChangeRecord = Omit<OrganisationChange, 'kind'>;

/** Art. 6, 8(7): director and staff changes, oldest first. */
export function createOrganisationRepository(knex: Knex) {
  return {
    async organisationChanges(centerId: string, tx?: Knex.Transaction): Promise<OrganisationChangeRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.OrganisationChanges).where({ center_id: centerId }).orderBy(['recorded_at', 'change_id']);
      return rows.map((raw) => {
        const r = OrganisationChangesSchema.parse(raw);
        return {
          centerId: r.center_id,
          changeId: r.change_id,
          change: r.change,
          details: r.details as OrganisationChange['details'],
          effectiveOn: r.effective_on,
          reason: r.reason,
          belowStaffMinimum: r.below_staff_minimum,
          recordedAt: r.recorded_at,
          recordedBy: r.recorded_by,
        };
      });
    },

    async insertOrganisationChange(r: OrganisationChange, tx?: Knex.Transaction): Promise<void> {
      const row = OrganisationChangesSchema.parse({
        center_id: r.centerId,
        change_id: r.changeId,
        change: r.change,
        details: JSON.stringify(r.details),
        effective_on: r.effectiveOn,
        reason: r.reason,
        below_staff_minimum: r.belowStaffMinimum,
        recorded_at: r.recordedAt,
        recorded_by: r.recordedBy,
      } satisfies TOrganisationChangesInsert);
      await (tx ?? knex)(TableName.OrganisationChanges)
        .insert({ ...row, details: JSON.stringify(row.details) })
        .onConflict(['center_id', 'change_id'])
        .ignore();
    },
  };
}
