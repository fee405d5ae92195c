/** Art. 13–16: what a funding request, grant or decline shows once sent; the ledger (`funding list`). */
import type { FundingRequestRecord, LedgerRecord, LedgerTotal } from '../../db/repositories';
import { parseWholeNumber } from '../args';
import type { CommandContext, Output } from '../commands';
import { money, section } from '../format';
import { centerIdFromDatabase } from './read';
import { fundingTable, ledgerTotalsTable } from './build-views';
import { output, str, type Renders } from './send';

export const fundingRenders: Renders = {
  REQUEST_FUNDING: (sent) => {
    // The statechart numbers requests per cycle and year (c1-y1-f1); the new one is the latest of this transition.
    const entry = sent.view?.funding.filter((f) => f.requestedAt === sent.result.at).at(-1) ?? null;
    return output(
      sent,
      (view) => [
        ...(entry
          ? [
              `Request ${entry.requestId}: ${entry.request.kind} project "${entry.request.title}", ${money(entry.request.amountFen)}, for build year ${entry.year} of cycle ${entry.cycle}.\n` +
                `The commission decides with \`centers funding grant ${view.centerId} --request ${entry.requestId} --amount-fen N\` or \`centers funding decline …\`.`,
            ]
          : []),
        section('Funding requests (Art. 13–16)', fundingTable(view.funding)),
      ],
      { requestId: entry?.requestId ?? null },
    );
  },
  GRANT_FUNDING: (sent, { requestId, amountFen }) =>
    output(sent, (view) => [
      `Granted ${money(amountFen)} on request ${requestId}; the grant is written to the funding ledger (Art. 16).`,
      section('Funding requests (Art. 13–16)', fundingTable(view.funding.filter((f) => f.requestId === requestId))),
    ]),
  DECLINE_FUNDING: (sent, { requestId }) =>
    output(sent, (view) => [section('Funding requests (Art. 13–16)', fundingTable(view.funding.filter((f) => f.requestId === requestId)))]),
};

/** From the database: the requests as decided, and the money per cycle, year and kind (Art. 16). */
export async function listFundingCommand(ctx: CommandContext): Promise<Output> {
  const cycle = parseWholeNumber(str(ctx.values.cycle), '--cycle');
  const year = parseWholeNumber(str(ctx.values.year), '--year');
  const filter = { ...(cycle === undefined ? {} : { cycle }), ...(year === undefined ? {} : { year }) };
  const inScope = (r: { cycle: number; year: number }) => (cycle === undefined || r.cycle === cycle) && (year === undefined || r.year === year);
  let centerId: string, requests: FundingRequestRecord[], ledger: LedgerRecord[], allTotals: LedgerTotal[];
  if (ctx.services.api) {
    let all: FundingRequestRecord[];
    ({ centerId, requests: all, ledger, totals: allTotals } = await ctx.services.api.request('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/funding`));
    requests = all.filter(inScope);
    ledger = ledger.filter((l) => cycle === undefined || l.cycle === cycle);
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    [requests, ledger, allTotals] = await Promise.all([repos.fundingRequests(centerId, filter), repos.ledger(centerId, cycle === undefined ? {} : { cycle }), repos.ledgerTotals(centerId)]);
  }
  const totals = allTotals.filter(inScope);
  const grantedFen = totals.reduce((sum, t) => sum + t.totalFen, 0);
  const requestedFen = requests.reduce((sum, r) => sum + r.amountFen, 0);
  const scope = [cycle === undefined ? null : `cycle ${cycle}`, year === undefined ? null : `year ${year}`].filter(Boolean).join(', ');
  return {
    data: { centerId, filter, requests, ledger: ledger.filter((l) => year === undefined || l.year === year), totals, requestedFen, grantedFen },
    text: [
      `Funding of ${centerId}${scope ? ` (${scope})` : ''}: ${requests.length} request(s), ${money(requestedFen)} requested, ${money(grantedFen)} granted.`,
      section('Requests (Art. 13–15)', fundingTable(requests)),
      section('Granted, per year and kind (Art. 16 ledger)', ledgerTotalsTable(totals)),
    ].join('\n\n'),
  };
}
