/**
 * Art. 16: spending and final accounts — what recording spending or deciding final accounts shows once sent, and
 * `accounts show`: a center's money (granted, spent, unspent per grant and line) as a table and as CSV.
 */
import fs from 'node:fs';
import type { CenterAccounts } from '../../db/repositories';
import type { CenterView } from '../../machines/view';
import type { CommandContext, Output } from '../commands';
import { money, section, table } from '../format';
import { centerIdFromDatabase } from './read';
import { output, str, type Renders } from './send';

/** Every line of every grant, and the totals: the CSV's rows (amounts in exact fen). */
export const ACCOUNTS_CSV_HEADERS = ['center', 'request', 'cycle', 'year', 'kind', 'line', 'granted_fen', 'spent_fen', 'unspent_fen', 'final_accounts'] as const;

export function accountsCsv(centerId: string, a: CenterAccounts): string {
  const quote = (c: string | number) => (typeof c === 'number' || !/[",\n\r]/.test(c) ? String(c) : `"${c.replace(/"/g, '""')}"`);
  const rows: (string | number)[][] = a.grants.flatMap((g) => [
    ...g.lines.map((l) => [centerId, g.requestId, g.cycle, g.year, g.kind, l.line, l.grantedFen, l.spentFen, l.unspentFen, g.finalAccounts?.status ?? '']),
    [centerId, g.requestId, g.cycle, g.year, g.kind, 'ALL', g.grantedFen, g.spentFen, g.unspentFen, g.finalAccounts?.status ?? ''],
  ]);
  rows.push([centerId, 'ALL', '', '', '', 'ALL', a.grantedFen, a.spentFen, a.unspentFen, '']);
  return `${[ACCOUNTS_CSV_HEADERS.join(','), ...rows.map((r) => r.map(quote).join(','))].join('\r\n')}\r\n`;
}

/** The money table: one row per grant and line, a row for each grant's totals. */
export function accountsTable(a: Pick<CenterAccounts, 'grants'>, empty = '(no grants yet)'): string {
  return table(
    ['REQUEST', 'CYCLE', 'YEAR', 'KIND', 'LINE', 'GRANTED', 'SPENT', 'UNSPENT', 'FINAL ACCOUNTS'],
    a.grants.flatMap((g) => [
      ...g.lines.map((l) => [g.requestId, g.cycle, g.year, g.kind, l.line, money(l.grantedFen), money(l.spentFen), money(l.unspentFen), null]),
      [g.requestId, g.cycle, g.year, g.kind, 'ALL', money(g.grantedFen), money(g.spentFen), money(g.unspentFen), g.finalAccounts ? `${g.finalAccounts.status}${g.finalAccounts.reason ? `: ${g.finalAccounts.reason}` : ''}` : 'not submitted'],
    ]),
    empty,
  );
}

/** The spending as recorded. */
export function spendingTable(spending: readonly { spendingId: string; requestId: string; line: string; amountFen: number; spentOn: string; description: string }[]): string {
  return table(['SPENDING', 'REQUEST', 'LINE', 'AMOUNT', 'ON', 'FOR'], spending.map((s) => [s.spendingId, s.requestId, s.line, money(s.amountFen), s.spentOn, s.description]), '(no spending recorded)');
}

/** The final accounts as the statechart holds them, for one grant. */
const accountsOfView = (view: CenterView, requestId: string): string => {
  const a = view.finalAccounts.find((x) => x.requestId === requestId);
  if (!a) return '(not submitted)';
  return table(
    ['LINE', 'GRANTED', 'SPENT', 'UNSPENT'],
    [...a.lines.map((l) => [l.line, money(l.grantedFen), money(l.spentFen), money(l.unspentFen)]), ['ALL', money(a.grantedFen), money(a.spentFen), money(a.unspentFen)]],
  );
};

export const accountsRenders: Renders = {
  RECORD_SPENDING: (sent, { requestId, line, amountFen, spentOn }) =>
    output(sent, (view) => [
      `Recorded ${money(amountFen)} spent on ${spentOn} against line ${line} of grant ${requestId} (Art. 16).`,
      section(`Spending of ${requestId}`, spendingTable(view.spending.filter((s) => s.requestId === requestId))),
    ]),
  SUBMIT_FINAL_ACCOUNTS: (sent, { requestId }) =>
    output(sent, (view) => [
      `The final accounts of ${requestId} are submitted; the commission accepts them (centers accounts accept) or returns them with a reason.`,
      section(`Final accounts of ${requestId} (Art. 16)`, accountsOfView(view, requestId)),
    ]),
  ACCEPT_FINAL_ACCOUNTS: (sent, { requestId }) => output(sent, (view) => [`The final accounts of ${requestId} are accepted.`, section(`Final accounts of ${requestId} (Art. 16)`, accountsOfView(view, requestId))]),
  RETURN_FINAL_ACCOUNTS: (sent, { requestId, reason }) => output(sent, () => [`The final accounts of ${requestId} are returned: ${reason}`]),
};

/** From the database: a center's money per grant and line (Art. 16); --csv writes every line. */
export async function showAccountsCommand(ctx: CommandContext): Promise<Output> {
  let centerId: string, accounts: CenterAccounts;
  if (ctx.services.api) {
    ({ centerId, ...accounts } = await ctx.services.api.request<CenterAccounts & { centerId: string }>('GET', `/centers/${encodeURIComponent(ctx.positionals[0])}/accounts`));
  } else {
    const repos = await ctx.services.repos();
    centerId = await centerIdFromDatabase(repos, ctx.positionals[0]);
    accounts = await repos.centerAccounts(centerId);
  }
  const csv = str(ctx.values.csv);
  if (csv) {
    fs.writeFileSync(csv, accountsCsv(centerId, accounts));
    ctx.warn(`Wrote ${csv}`);
  }
  const spending = accounts.grants.flatMap((g) => g.spending);
  return {
    data: { centerId, ...accounts },
    text: [
      `Money of ${centerId} (Art. 16): granted ${money(accounts.grantedFen)}, spent ${money(accounts.spentFen)}, unspent ${money(accounts.unspentFen)}.`,
      section('Grants by budget line', accountsTable(accounts)),
      section('Spending', spendingTable(spending)),
    ].join('\n\n'),
  };
}
