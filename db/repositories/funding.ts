import type { Knex } from 'knex';
import type { DomainRecord } from '../../machines/records.types';
import type { FundingStatus } from '../../machines/vocabulary';
import {
  FundingDecisionUpdateSchema,
  FundingLedgerSchema,
  FundingRequestsSchema,
  LedgerTotalSchema,
  rowOf,
  type FundingRequestRecord,
  type LedgerRecord,
  type LedgerTotal,
} from '../schemas';
import { TableName } from '../tables';
import { RecordConflictError, RecordNotReadyError } from './errors';
import type { FundingFilter } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** A decision moves a request only while it is open (pending, or held while support is suspended); the rest are final. */
const UNDECIDED = ['pending', 'held'] as const satisfies readonly FundingStatus[];

/** Art. 13–16: yearly funding requests, their decisions and the ledger of grants. */
export function createFundingRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 13–15: a center's requests, of one cycle and/or year, in request order. */
    async fundingRequests(centerId: string, filter: FundingFilter = {}, tx?: Knex.Transaction): Promise<FundingRequestRecord[]> {
      const q = (tx ?? knex)(TableName.FundingRequests).where({ centerId }).orderBy(['cycle', 'year', 'requestedAt', 'requestId']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      if (filter.year !== undefined) q.where({ year: filter.year });
      const rows: unknown[] = await q;
      return rows.map((r) => FundingRequestsSchema.parse(r));
    },

    /** Art. 16: the grants, of one cycle or of all, in the order they were made. */
    async ledger(centerId: string, filter: { cycle?: number } = {}, tx?: Knex.Transaction): Promise<LedgerRecord[]> {
      const q = (tx ?? knex)(TableName.FundingLedger).where({ centerId }).orderBy(['cycle', 'year', 'grantedAt', 'requestId']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      const rows: unknown[] = await q;
      return rows.map((r) => FundingLedgerSchema.parse(r));
    },

    /** Art. 16: money granted per cycle, year and kind of project. */
    async ledgerTotals(centerId: string, tx?: Knex.Transaction): Promise<LedgerTotal[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.FundingLedger)
        .where({ centerId })
        .select('cycle', 'year', 'kind')
        .sum({ totalFen: 'amountFen' })
        .count({ grants: '*' })
        .groupBy(['cycle', 'year', 'kind'])
        .orderBy(['cycle', 'year', 'kind']);
      return rows.map((r) => LedgerTotalSchema.parse(r));
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /** `seq` is the audit seq of the requesting transition: decisions must come after it. */
    async insertFundingRequest(r: RecordOf<'fundingRequest'>, seq: number, tx?: Knex.Transaction): Promise<void> {
      const row = rowOf(FundingRequestsSchema, {
        ...r,
        kind: r.request.kind,
        title: r.request.title,
        amountFen: r.request.amountFen,
        status: 'pending',
        grantedFen: null,
        reason: null,
        decidedAt: null,
        decidedBy: null,
        updatedSeq: seq,
      });
      await (tx ?? knex)(TableName.FundingRequests).insert(row).onConflict(['centerId', 'requestId']).ignore();
    },

    /**
     * Writes a decision of audit `seq` onto its request and, for a grant, the ledger row (Art. 16) — in the
     * caller's transaction.
     *
     * The request moves only while undecided (pending or held) and only forward in audit order (updated_seq <= seq; the
     * audit gate already keeps a transition from running twice, so equal means a later record of the same one):
     * a grant, decline or cancellation is final, and a late retry of an older `held` never undoes a newer resume
     * (`pending`) or grant. The ledger row is written only by the decision that actually granted the request, and
     * its unique key makes a second one impossible even then. Throws RecordNotReadyError when the request row is missing (its transition is
     * not persisted yet) and RecordConflictError when the decision contradicts it (another cycle, year or kind,
     * or more money than requested).
     */
    async decideFunding(r: RecordOf<'fundingDecision'>, seq: number, tx?: Knex.Transaction): Promise<{ decided: boolean; ledgerWritten: boolean }> {
      const db = tx ?? knex;
      const update = FundingDecisionUpdateSchema.parse({ ...r, updatedSeq: seq });

      const key = { centerId: r.centerId, requestId: r.requestId };
      const found: unknown = await db(TableName.FundingRequests).where(key).first();
      if (found === undefined) {
        throw new RecordNotReadyError(`funding request ${r.requestId} of center ${r.centerId} is not persisted yet, so it cannot be ${r.status}`);
      }
      const request = FundingRequestsSchema.parse(found);
      if (request.cycle !== r.cycle || request.year !== r.year || request.kind !== r.fundingKind) {
        throw new RecordConflictError(
          `funding request ${r.requestId} is ${request.kind} of cycle ${request.cycle} year ${request.year}, not ${r.fundingKind} of cycle ${r.cycle} year ${r.year}`,
        );
      }
      if (update.grantedFen !== null && update.grantedFen > request.amountFen) {
        throw new RecordConflictError(`a grant of ${update.grantedFen} fen exceeds the ${request.amountFen} fen requested by ${r.requestId}`);
      }

      const changed = await db(TableName.FundingRequests).where(key).whereIn('status', UNDECIDED).where('updatedSeq', '<=', seq).update(update);
      if (changed === 0 || update.status !== 'granted') return { decided: changed > 0, ledgerWritten: false };

      const ledgerRow = rowOf(FundingLedgerSchema, { ...request, amountFen: update.grantedFen as number, grantedAt: r.decidedAt, grantedBy: r.decidedBy });
      const inserted: unknown[] = await db(TableName.FundingLedger).insert(ledgerRow).onConflict(['centerId', 'requestId']).ignore().returning('requestId');
      return { decided: true, ledgerWritten: inserted.length > 0 };
    },
  };
}
