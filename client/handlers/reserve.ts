/** Op. 4(4), Art. 15: the results reserve and patent pool — what recording a result or a transfer shows; `reserve list`. */
import type { ReserveResultRecord } from '../../db/repositories';
import type { CenterView } from '../../machines/view';
import type { CommandContext, Output } from '../commands';
import { money, section, table, time } from '../format';
import { centerIdFromDatabase } from './read';
import { output, type Renders } from './send';

type ReserveRow = Pick<ReserveResultRecord, 'resultId' | 'resultKind' | 'title' | 'valueFen' | 'status' | 'requestId' | 'transferMode' | 'transferredOn' | 'counterparty' | 'contractAmountFen'>;

export function reserveTable(rows: readonly ReserveRow[], empty = '(the reserve is empty: add results with `centers reserve add`)'): string {
  return table(
    ['RESULT', 'KIND', 'TITLE', 'VALUE', 'STATUS', 'REQUEST', 'TRANSFER', 'ON', 'TO', 'CONTRACT'],
    rows.map((r) => [r.resultId, r.resultKind, r.title, money(r.valueFen), r.status, r.requestId, r.transferMode, r.transferredOn, r.counterparty, money(r.contractAmountFen)]),
    empty,
  );
}

/** The reserve as the statechart holds it, in the table's shape. */
const rowsOfView = (reserve: CenterView['reserve']): ReserveRow[] =>
  reserve.map((r) => ({
    resultId: r.result.resultId,
    resultKind: r.result.kind,
    title: r.result.title,
    valueFen: r.result.valueFen,
    status: r.status,
    requestId: r.requestId,
    transferMode: r.transfer?.mode ?? null,
    transferredOn: r.transfer?.transferredOn ?? null,
    counterparty: r.transfer?.counterparty ?? null,
    contractAmountFen: r.transfer?.contractAmountFen ?? null,
  }));

export const reserveRenders: Renders = {
  RECORD_RESULT: (sent, { result }) =>
    output(sent, (view) => [`Result ${result.resultId} is in the reserve (${result.kind}, ${money(result.valueFen)}).`, section('Results reserve (Op. 4(4))', reserveTable(rowsOfView(view.reserve)))]),
  RECORD_TRANSFER: (sent, { resultId, transfer }) =>
    output(sent, (view) => [
      `Result ${resultId} transferred by ${transfer.mode} to ${transfer.counterparty} on ${transfer.transferredOn}, ${money(transfer.contractAmountFen)}.`,
      section('Results reserve (Op. 4(4))', reserveTable(rowsOfView(view.reserve))),
    ]),
};

/** From the database: the center's results reserve, with totals of value and of transfers by way. */
export async function listReserveCommand(ctx: CommandContext): Promise<Output> {
  let centerId: string, results: ReserveResultRecord[];
  if (ctx.services.api) {
    ({ centerId, results } = await ctx.services.api.request('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/reserve`));
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    results = await repos.reserveResults(centerId);
  }
  const inReserve = results.filter((r) => r.status !== 'transferred');
  const transferred = results.filter((r) => r.status === 'transferred');
  const valueFen = inReserve.reduce((sum, r) => sum + r.valueFen, 0);
  const contractFen = transferred.reduce((sum, r) => sum + (r.contractAmountFen ?? 0), 0);
  return {
    data: { centerId, results, inReserve: inReserve.length, valueFen, transferred: transferred.length, contractFen },
    text: [
      `Results reserve of ${centerId} (Op. 4(4)): ${inReserve.length} result(s) held, worth ${money(valueFen)}; ${transferred.length} transferred for ${money(contractFen)}.`,
      section(results.length ? `Results (last change ${time(results.map((r) => r.updatedAt).sort().at(-1))})` : 'Results', reserveTable(results)),
    ].join('\n\n'),
  };
}
