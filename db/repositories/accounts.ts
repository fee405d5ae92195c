import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { BudgetLinesSchema, FinalAccountsSchema, rowOf, SpendingRowsSchema, type BudgetLineRecord, type FinalAccountsRecord, type SpendingRecord } from '../schemas';
import { TableName } from '../tables';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** Art. 16: the grants' budget lines, the spending recorded against them and the grants' final accounts. */
export function createAccountsRepository(knex: Knex) {
  return {
    async budgetLines(centerId: string, tx?: Knex.Transaction): Promise<BudgetLineRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.BudgetLines).where({ centerId }).orderBy(['cycle', 'year', 'requestId', 'line']);
      return rows.map((r) => BudgetLinesSchema.parse(r));
    },
    async spending(centerId: string, tx?: Knex.Transaction): Promise<SpendingRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.Spending).where({ centerId }).orderBy(['cycle', 'year', 'recordedAt', 'spendingId']);
      return rows.map((r) => SpendingRowsSchema.parse(r));
    },
    async finalAccounts(centerId: string, tx?: Knex.Transaction): Promise<FinalAccountsRecord[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.FinalAccounts).where({ centerId }).orderBy(['cycle', 'year', 'requestId']);
      return rows.map((r) => FinalAccountsSchema.parse(r));
    },

    /** A grant's lines, written once (a retry inserts nothing). */
    async insertBudgetLines(r: RecordOf<'budgetLines'>, tx?: Knex.Transaction): Promise<void> {
      const rows = r.lines.map((l) => rowOf(BudgetLinesSchema, { centerId: r.centerId, requestId: r.requestId, line: l.line, cycle: r.cycle, year: r.year, amountFen: l.amountFen, grantedAt: r.grantedAt }));
      await (tx ?? knex)(TableName.BudgetLines).insert(rows).onConflict(['centerId', 'requestId', 'line']).ignore();
    },
    /** One spending, written once. */
    async insertSpending(r: RecordOf<'spending'>, tx?: Knex.Transaction): Promise<void> {
      await (tx ?? knex)(TableName.Spending).insert(rowOf(SpendingRowsSchema, r)).onConflict(['centerId', 'spendingId']).ignore();
    },
    /** Upserted as the accounts move; a late retry of an older transition (a lower seq) changes nothing. */
    async upsertFinalAccounts(r: RecordOf<'finalAccounts'>, seq: number, tx?: Knex.Transaction): Promise<void> {
      const row: Record<string, unknown> = { ...rowOf(FinalAccountsSchema, r), updatedSeq: seq };
      const updates = Object.keys(row).filter((k) => k !== 'centerId' && k !== 'requestId');
      await (tx ?? knex)(TableName.FinalAccounts)
        .insert(row)
        .onConflict(['centerId', 'requestId'])
        .merge(updates)
        .where(`${TableName.FinalAccounts}.updatedSeq`, '<=', seq);
    },
  };
}
