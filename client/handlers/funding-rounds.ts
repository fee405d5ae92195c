/**
 * `centers round open|submit|score|show|decide` (Art. 13 择优, 14–15): yearly funding rounds, ranked across centers.
 * Operators' tools: they talk to Temporal directly (the round's workflow), the center commands they send are the
 * ordinary GRANT_FUNDING and DECLINE_FUNDING.
 */
import fs from 'node:fs';
import type { FundingRoundStatus } from '../../contract';
import { defaultPolicy } from '../../machines/policy';
import { rankRound, RoundDecisionError } from '../../machines/funding-rounds';
import { DEFAULT_COMMISSION_ACTOR, readJson } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { decideRound, getRound, openRound, parseRoundDeparture, roundCsv, scoreInRound, submitToRoundFromCenter, type RoundDecision } from '../funding-rounds';
import { fields, money, section, table, time } from '../format';
import { ACTOR_EXAMPLES } from '../options';
import { actorAndId, str, temporalFor } from './send';

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

export async function openRoundCommand(ctx: CommandContext): Promise<Output> {
  const file = str(ctx.values.file)!;
  const { actor, commandId } = actorAndId(ctx, { command: 'round open', defaultActor: DEFAULT_COMMISSION_ACTOR, actorExample: ACTOR_EXAMPLES.commission });
  const t = await temporalFor(ctx);
  const s = await openRound(t.ops, readJson(file), actor, commandId);
  return { data: s, text: roundText(s) };
}

export async function submitToRoundCommand(ctx: CommandContext): Promise<Output> {
  const [roundId, center] = ctx.positionals as [string, string];
  const { actor } = actorAndId(ctx, { command: 'round submit', defaultActor: null, actorExample: `${ACTOR_EXAMPLES.university} or ${ACTOR_EXAMPLES.commission}` });
  const t = await temporalFor(ctx);
  const s = await submitToRoundFromCenter(t.ops, roundId, center, str(ctx.values.request)!, actor);
  return { data: s, text: roundText(s) };
}

export async function scoreInRoundCommand(ctx: CommandContext): Promise<Output> {
  const [roundId] = ctx.positionals as [string];
  const { actor } = actorAndId(ctx, { command: 'round score', defaultActor: null, actorExample: `${ACTOR_EXAMPLES.expert} or ${ACTOR_EXAMPLES.commission}` });
  const scores = readJson(str(ctx.values.file)!);
  if (typeof scores !== 'object' || scores === null || Array.isArray(scores)) throw new UsageError('--file: the scores are a JSON object { dimension: 0–100 } of the kind\'s rubric (policy roundRubrics).', 'round score');
  const t = await temporalFor(ctx);
  const s = await scoreInRound(t.ops, roundId, str(ctx.values.request)!, str(ctx.values.expert) ?? actor.id, scores as Record<string, number>, actor);
  return { data: s, text: roundText(s) };
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
