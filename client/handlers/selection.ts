/** `centers call decide <callId>` (Art. 9 择优批复立项): rank a call's applicants and decide them within the quota. */
import { commandUrl } from '../../api/paths';
import type { CallStatus, CenterView, CommandResult } from '../../contract';
import { defaultPolicy } from '../../machines/policy';
import { DecisionError } from '../../machines/stages/selection';
import { DEFAULT_COMMISSION_ACTOR } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { fields, section, table } from '../format';
import { getCall, sendCenterCommand, showCenter } from '../operations';
import { decideCall, parseDeparture, type CallDecision, type DecideIo } from '../selection';
import { actorAndId, idempotencyKeyFor, temporalFor } from './send';
import { ACTOR_EXAMPLES } from '../options';
import { CommandSchema } from '../../machines/commands';

async function ioFor(ctx: CommandContext): Promise<DecideIo> {
  const api = ctx.services.api;
  if (api) {
    idempotencyKeyFor(ctx); // refuses --as through the API
    return {
      call: (callId) => api.request<CallStatus>('GET', `/calls/${encodeURIComponent(callId)}`),
      center: (centerId) => api.request<CenterView>('GET', `/centers/${encodeURIComponent(centerId)}`),
      send: (centerId, type, payload, commandId) => api.request<CommandResult>('POST', commandUrl(type, centerId), { body: payload, idempotencyKey: commandId }),
    };
  }
  const { actor } = actorAndId(ctx, { command: 'call decide', defaultActor: DEFAULT_COMMISSION_ACTOR, actorExample: ACTOR_EXAMPLES.commission });
  const t = await temporalFor(ctx);
  return {
    call: (callId) => getCall(t.ops, callId),
    center: (centerId) => showCenter(t.ops, centerId),
    send: (centerId, type, payload, commandId) => sendCenterCommand(t.ops, centerId, CommandSchema.parse({ commandId, actor, type, payload })),
  };
}

export function decisionText(d: CallDecision): string {
  const outcome = new Map(d.decisions.map((x) => [x.centerId, x]));
  return [
    fields([
      ['Call', d.callId],
      ['Quota', `${d.quota} (${d.approvedBefore} approved before this decision)`],
      ['Holding', d.holding],
    ]),
    section(
      'Ranking (Art. 9)',
      table(
        ['RANK', 'CENTER', 'SCORE', 'SPREAD', 'APPROVE/REJECT', 'DECISION', 'DEPARTURE', 'RESULT'],
        d.ranking.map((r) => {
          const o = outcome.get(r.centerId);
          const result = !o ? null : o.outcome === 'refused' ? `refused (${o.refusal!.reason}): ${o.refusal!.message}` : `${o.outcome} → ${o.state}`;
          return [r.rank, r.centerId, r.panel.score, r.panel.spread, `${r.panel.approve}/${r.panel.reject}`, r.verdict, r.departure ? 'yes' : '', result];
        }),
        'No applicant awaits a decision.',
      ),
    ),
    // The reasons in full: each is what the center's decision records.
    ...(d.ranking.some((r) => r.reason) ? [section('Reasons recorded', d.ranking.filter((r) => r.reason).map((r) => `${r.centerId}: ${r.reason}`).join('\n'))] : []),
    ...(d.others.length ? [section('Not awaiting a decision', table(['CENTER', 'STATE'], d.others.map((o) => [o.centerId, o.state])))] : []),
  ].join('\n\n');
}

export async function decideCallCommand(ctx: CommandContext): Promise<Output> {
  const [callId] = ctx.positionals;
  const raw = ctx.values.except as unknown as string[] | string | undefined;
  const departures = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((e) => {
    try {
      return parseDeparture(e);
    } catch (err) {
      throw new UsageError((err as Error).message, 'call decide');
    }
  });
  const io = await ioFor(ctx);
  ctx.warn(`Deciding call ${callId}: ranking its applicants awaiting a decision…`);
  let decision: CallDecision;
  try {
    decision = await decideCall(io, callId, { departures, minReasonLength: defaultPolicy.minReasonLength });
  } catch (err) {
    if (err instanceof DecisionError) throw new UsageError(err.message, 'call decide');
    throw err;
  }
  const refused = decision.decisions.filter((x) => x.outcome === 'refused').length;
  return { data: decision, text: decisionText(decision), ...(refused ? { exitCode: 3 } : {}) };
}
