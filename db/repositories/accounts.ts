import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import { accountLines, grantLines, type AccountLine } from '../../machines/stages/accounts';
import type { FundingKind } from '../../machines/vocabulary';
import { BudgetLinesSchema, FinalAccountsSchema, FundingLedgerSchema, rowOf, SpendingRowsSchema, type BudgetLineRecord, type FinalAccountsRecord, type SpendingRecord } from '../schemas';
import { TableName } from '../tables';

/** Art. 16: one grant's money — its lines granted, spent and unspent, its spending and its final accounts. */
export interface GrantAccounts {
  requestId: string;
  cycle: number;
  year: number;
  kind: FundingKind;
  grantedAt: string;
  lines: AccountLine[];
  grantedFen: number;
  spentFen: number;
  unspentFen: number;
  spending: SpendingRecord[];
  finalAccounts: FinalAccountsRecord | null;
}
/** Art. 16: a center's money, grant by grant, and in all. */
export interface CenterAccounts {
  grants: GrantAccounts[];
  grantedFen: number;
  spentFen: number;
  unspentFen: number;
}

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** Art. 16: the grants' budget lines, the spending recorded against them and the grants' final accounts. */
export function createAccountsRepository(knex: Knex) {
  const budgetLines = async (centerId: string, tx?: Knex.Transaction): Promise<BudgetLineRecord[]> => {
    const rows: unknown[] = await (tx ?? knex)(TableName.BudgetLines).where({ centerId }).orderBy(['cycle', 'year', 'requestId', 'line']);
    return rows.map((r) => BudgetLinesSchema.parse(r));
  };
  const spending = async (centerId: string, tx?: Knex.Transaction): Promise<SpendingRecord[]> => {
    const rows: unknown[] = await (tx ?? knex)(TableName.Spending).where({ centerId }).orderBy(['cycle', 'year', 'recordedAt', 'spendingId']);
    return rows.map((r) => SpendingRowsSchema.parse(r));
  };
  const finalAccounts = async (centerId: string, tx?: Knex.Transaction): Promise<FinalAccountsRecord[]> => {
    const rows: unknown[] = await (tx ?? knex)(TableName.FinalAccounts).where({ centerId }).orderBy(['cycle', 'year', 'requestId']);
    return rows.map((r) => FinalAccountsSchema.parse(r));
  };
  return {
    budgetLines,
    spending,
    finalAccounts,

    /**
     * Art. 16: a center's money from the database — every grant of the ledger with its lines (a grant made before
     * lines: one, unallocated, of its ledger amount), granted, spent and unspent per line (machines/stages/accounts.ts
     * accountLines, as the final accounts compute them), its spending and its final accounts.
     */
    async centerAccounts(centerId: string, tx?: Knex.Transaction): Promise<CenterAccounts> {
      const db = tx ?? knex;
      const ledger = ((await db(TableName.FundingLedger).where({ centerId }).orderBy(['cycle', 'year', 'grantedAt', 'requestId'])) as unknown[]).map((r) => FundingLedgerSchema.parse(r));
      const [lines, spendings, accounts] = [await budgetLines(centerId, tx), await spending(centerId, tx), await finalAccounts(centerId, tx)];
      const grants = ledger.map((g): GrantAccounts => {
        const own = lines.filter((l) => l.requestId === g.requestId);
        const spent = spendings.filter((s) => s.requestId === g.requestId);
        return {
          requestId: g.requestId,
          cycle: g.cycle,
          year: g.year,
          kind: g.kind,
          grantedAt: g.grantedAt,
          ...accountLines(grantLines({ grantedFen: g.amountFen, budgetLines: own }), spent),
          spending: spent,
          finalAccounts: accounts.find((a) => a.requestId === g.requestId) ?? null,
        };
      });
      const total = (k: 'grantedFen' | 'spentFen' | 'unspentFen') => grants.reduce((sum, g) => sum + g[k], 0);
      return { grants, grantedFen: total('grantedFen'), spentFen: total('spentFen'), unspentFen: total('unspentFen') };
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
