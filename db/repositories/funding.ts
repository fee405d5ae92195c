import type { Knex } from 'knex';
import { z } from 'zod';
import type { FundingRequest } from '../../machines/domain';
import type { DomainRecord } from '../../machines/records.types';
import {
  FundingDecisionUpdateSchema,
  FundingLedgerSchema,
  FundingRequestsSchema,
  type TFundingDecisionUpdate,
  type TFundingLedger,
  type TFundingLedgerInsert,
  type TFundingRequests,
  type TFundingRequestsInsert,
} from '../schemas';
import { TableName } from '../tables';
import { RecordConflictError, RecordNotReadyError } from './errors';
import type { FundingFilter, FundingRequestRecord, LedgerRecord, LedgerTotal } from './types';

type RecordOf<K extends DomainRecord['kind']> = Extract<DomainRecord, { kind: K }>;

/** A decision moves a request only while it is open (pending, or held while support is suspended); the rest are final. */
const UNDECIDED = ['pending', 'held'] as const;

const toRequest = (row: TFundingRequests): FundingRequestRecord => ({
  centerId: row.center_id,
  requestId: row.request_id,
  cycle: row.cycle,
  year: row.year,
  kind: row.kind,
  title: row.title,
  amountFen: row.amount_fen,
  request: row.request as FundingRequest,
  status: row.status,
  grantedFen: row.granted_fen,
  reason: row.reason,
  requestedAt: row.requested_at,
  requestedBy: row.requested_by,
  decidedAt: row.decided_at,
  decidedBy: row.decided_by,
  updatedSeq: row.updated_seq,
});

const toLedger = (row: TFundingLedger): LedgerRecord => ({
  centerId: row.center_id,
  cycle: row.cycle,
  year: row.year,
  requestId: row.request_id,
  kind: row.kind,
  amountFen: row.amount_fen,
  grantedAt: row.granted_at,
  grantedBy: row.granted_by,
});

/** SUM and COUNT come back as numbers from SQLite and as decimal strings from PostgreSQL. */
const TotalRowSchema = z.object({
  cycle: z.coerce.number().int(),
  year: z.coerce.number().int(),
  kind: FundingLedgerSchema.shape.kind,
  total_fen: z.coerce.number().int(),
  grants: z.coerce.number().int(),
});

/** Art. 13–16: yearly funding requests, their decisions and the ledger of grants. */
export function createFundingRepository(knex: Knex) {
  return {
    // ── reads ───────────────────────────────────────────────────────────────────────────────────────────────────
    /** Art. 13–15: a center's requests, of one cycle and/or year, in request order. */
    async fundingRequests(centerId: string, filter: FundingFilter = {}, tx?: Knex.Transaction): Promise<FundingRequestRecord[]> {
      const q = (tx ?? knex)(TableName.FundingRequests).where({ center_id: centerId }).orderBy(['cycle', 'year', 'requested_at', 'request_id']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      if (filter.year !== undefined) q.where({ year: filter.year });
      const rows: unknown[] = await q;
      return rows.map((r) => toRequest(FundingRequestsSchema.parse(r)));
    },

    /** Art. 16: the grants, of one cycle or of all, in the order they were made. */
    async ledger(centerId: string, filter: { cycle?: number } = {}, tx?: Knex.Transaction): Promise<LedgerRecord[]> {
      const q = (tx ?? knex)(TableName.FundingLedger).where({ center_id: centerId }).orderBy(['cycle', 'year', 'granted_at', 'request_id']);
      if (filter.cycle !== undefined) q.where({ cycle: filter.cycle });
      const rows: unknown[] = await q;
      return rows.map((r) => toLedger(FundingLedgerSchema.parse(r)));
    },

    /** Art. 16: money granted per cycle, year and kind of project. */
    async ledgerTotals(centerId: string, tx?: Knex.Transaction): Promise<LedgerTotal[]> {
      const rows: unknown[] = await (tx ?? knex)(TableName.FundingLedger)
        .where({ center_id: centerId })
        .select('cycle', 'year', 'kind')
        .sum({ total_fen: 'amount_fen' })
        .count({ grants: '*' })
        .groupBy(['cycle', 'year', 'kind'])
        .orderBy(['cycle', 'year', 'kind']);
      return rows.map((r) => {
        const t = TotalRowSchema.parse(r);
        return { cycle: t.cycle, year: t.year, kind: t.kind, totalFen: t.total_fen, grants: t.grants };
      });
    },

    // ── writes ──────────────────────────────────────────────────────────────────────────────────────────────────
    /** `seq` is the audit seq of the requesting transition: decisions must come after it. */
    async insertFundingRequest(r: RecordOf<'fundingRequest'>, seq: number, tx?: Knex.Transaction): Promise<void> {
      const row = {
        center_id: r.centerId,
        request_id: r.requestId,
        cycle: r.cycle,
        year: r.year,
        kind: r.request.kind,
        title: r.request.title,
        amount_fen: r.request.amountFen,
        request: JSON.stringify(r.request),
        status: 'pending',
        granted_fen: null,
        reason: null,
        requested_at: r.requestedAt,
        requested_by: r.requestedBy,
        decided_at: null,
        decided_by: null,
        updated_seq: seq,
      } satisfies TFundingRequestsInsert;
      FundingRequestsSchema.parse(row);
      await (tx ?? knex)(TableName.FundingRequests).insert(row).onConflict(['center_id', 'request_id']).ignore();
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
      const update = FundingDecisionUpdateSchema.parse({
        status: r.status,
        granted_fen: r.grantedFen,
        reason: r.reason,
        decided_at: r.decidedAt,
        decided_by: r.decidedBy,
        updated_seq: seq,
      } satisfies TFundingDecisionUpdate);

      const key = { center_id: r.centerId, request_id: r.requestId };
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
      if (update.granted_fen !== null && update.granted_fen > request.amount_fen) {
        throw new RecordConflictError(`a grant of ${update.granted_fen} fen exceeds the ${request.amount_fen} fen requested by ${r.requestId}`);
      }

      const changed = await db(TableName.FundingRequests).where(key).whereIn('status', UNDECIDED).where('updated_seq', '<=', seq).update(update);
      if (changed === 0 || update.status !== 'granted') return { decided: changed > 0, ledgerWritten: false };

      const ledgerRow = FundingLedgerSchema.parse({
        center_id: r.centerId,
        cycle: request.cycle,
        year: request.year,
        request_id: r.requestId,
        kind: request.kind,
        amount_fen: update.granted_fen as number,
        granted_at: r.decidedAt,
        granted_by: r.decidedBy,
      } satisfies TFundingLedgerInsert);
      const inserted: unknown[] = await db(TableName.FundingLedger)
        .insert(ledgerRow)
        .onConflict(['center_id', 'request_id'])
        .ignore()
        .returning('request_id');
      return { decided: true, ledgerWritten: inserted.length > 0 };
    },
  };
}
