/**
 * `centers round open|submit|score|show|decide` (Art. 13 择优, 14–15): yearly funding rounds, ranked across centers.
 * open, submit and score are the round's commands of the command table (sendToRound, from handlers/table.ts); show
 * and decide are operators' tools built on them that talk to Temporal directly (the round's workflow), the center
 * commands decide sends are the ordinary GRANT_FUNDING and DECLINE_FUNDING.
 */
import fs from 'node:fs';
import { commandUrl } from '../../api/paths';
import type { FundingRoundStatus } from '../../contract';
import type { RoundCommandType } from '../../machines/commands';
import { defaultPolicy } from '../../machines/policy';
import { rankRound, RoundDecisionError } from '../../machines/funding-rounds';
import { DEFAULT_COMMISSION_ACTOR } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { decideRound, getRound, parseRoundDeparture, roundCsv, sendRoundCommand, type RoundDecision } from '../funding-rounds';
import { fields, money, section, table, time } from '../format';
import { ACTOR_EXAMPLES } from '../options';
import { actorAndId, idempotencyKeyFor, str, temporalFor, type Send } from './send';

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

export function roundText(s: FundingRoundStatus): string {
  const ranking = rankRound(s);
  return [
    fields([
      ['Round', `${s.round.roundId}: ${s.round.title} (${s.round.year})`],
      ['Window', `${time(s.round.opensAt)} – ${time(s.round.closesAt)} (${s.status})`],
      ['Promotion budget', `${money(s.round.budgetFen.promotion)}, committed ${money(s.committedFen.promotion)}`],
      ['Guidance budget', `${money(s.round.budgetFen.guidance)}, committed ${money(s.committedFen.guidance)}`],
    ]),
    ...(['promotion', 'guidance'] as const).map((kind) =>
      section(
        `Ranking of ${kind} requests (Art. ${kind === 'promotion' ? '13–14' : '13, 15'})`,
        table(
          ['RANK', 'CENTER', 'REQUEST', 'SCORE', 'EXPERTS', 'REQUESTED', 'DECISION', 'GRANTED', 'DEPARTURE'],
          ranking[kind].map((r) => {
            const d = s.decisions[r.key];
            return [r.rank, r.centerId, r.requestId, r.score, r.experts, money(r.amountFen), d?.verdict ?? 'pending', d ? money(d.amountFen) : null, d?.departure ? 'yes' : ''];
          }),
          `No ${kind} request in this round.`,
        ),
      ),
    ),
    ...(Object.keys(s.decisions).length ? [section('Reasons recorded', Object.entries(s.decisions).map(([k, d]) => `${k}: ${d.reason}`).join('\n'))] : []),
  ].join('\n\n');
}

/**
 * Sends a round's command (machines/stages/rounds.ts: `round open`, `round submit`, `round score`), its payload
 * already checked against the table's schema (handlers/table.ts): through the API when one is configured (the
 * caller's identity is the actor), else to the round's workflow directly as --as.
 */
export async function sendToRound(ctx: CommandContext, type: RoundCommandType, payload: unknown, s: Pick<Send<never>, 'command' | 'defaultActor' | 'actorExample'>): Promise<Output> {
  const roundId = type === 'OPEN_ROUND' ? null : ctx.positionals[0]!;
  const api = ctx.services.api;
  if (api) {
    ctx.warn(`Sending ${type} to ${roundId ? `round ${roundId}` : 'the funding rounds'} through ${api.url}…`);
    const status = await api.request<FundingRoundStatus>('POST', commandUrl(type, roundId), { body: payload, idempotencyKey: idempotencyKeyFor(ctx) });
    return { data: status, text: roundText(status) };
  }
  const { actor, commandId } = actorAndId(ctx, s);
  // The scores are an expert's: the commission names whose it records.
  if (type === 'SCORE_IN_ROUND' && actor.role !== 'expert' && (payload as { expertId?: string }).expertId === undefined) {
    throw new UsageError(`--expert: name the expert whose scores the ${actor.role} records (an expert's own are recorded as --as expert:ID).`, s.command);
  }
  const t = await temporalFor(ctx);
  const status = await sendRoundCommand(t.ops, type, roundId, payload, actor, commandId);
  return { data: status, text: roundText(status) };
}

export async function showRoundCommand(ctx: CommandContext): Promise<Output> {
  const [roundId] = ctx.positionals as [string];
  const t = await temporalFor(ctx);
  const s = await getRound(t.ops, roundId);
  const csv = str(ctx.values.csv);
  if (csv) {
    fs.writeFileSync(csv, roundCsv(s));
    ctx.warn(`Wrote ${csv}`);
  }
  return { data: s, text: roundText(s) };
}

export function decisionText(d: RoundDecision): string {
  return [
    section(
      `Decision of round ${d.roundId} (Art. 13 择优)`,
      table(
        ['KIND', 'RANK', 'REQUEST', 'SCORE', 'REQUESTED', 'DECISION', 'DEPARTURE', 'RESULT'],
        d.plan.map((p) => {
          const o = d.outcomes.find((x) => x.key === p.key);
          const result = !o ? null : o.outcome === 'refused' ? `refused (${o.refusal!.reason}): ${o.refusal!.message}` : o.outcome;
          return [p.kind, p.rank, p.key, p.score, money(p.amountFen), o?.verdict ?? p.verdict, p.departure ? 'yes' : '', result];
        }),
        'No request in this round.',
      ),
    ),
    roundText(d.round),
  ].join('\n\n');
}

export async function decideRoundCommand(ctx: CommandContext): Promise<Output> {
  const [roundId] = ctx.positionals as [string];
  const departures = list(ctx.values.depart).map((e) => {
    try {
      return parseRoundDeparture(e);
    } catch (err) {
      throw new UsageError((err as Error).message, 'round decide');
    }
  });
  const { actor } = actorAndId(ctx, { command: 'round decide', defaultActor: DEFAULT_COMMISSION_ACTOR, actorExample: ACTOR_EXAMPLES.commission });
  const t = await temporalFor(ctx);
  ctx.warn(`Deciding round ${roundId}: ranking its requests…`);
  let d: RoundDecision;
  try {
    d = await decideRound(t.ops, roundId, actor, {
      departures,
      minReasonLength: defaultPolicy.minReasonLength,
      progress: (o) => ctx.warn(`  ${o.key}: ${o.verdict} ${o.outcome}${o.refusal ? ` (${o.refusal.reason}: ${o.refusal.message})` : ''}`),
    });
  } catch (err) {
    if (err instanceof RoundDecisionError) throw new UsageError(err.message, 'round decide');
    throw err;
  }
  const refused = d.outcomes.filter((o) => o.outcome === 'refused' && o.verdict === 'grant').length;
  return { data: d, text: decisionText(d), ...(refused ? { exitCode: 3 } : {}) };
}
