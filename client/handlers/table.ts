/**
 * The one handler of every CLI command that sends a command of the command table (client/commands.ts derives
 * those commands from machines/commands.ts): the payload from --file and the options (client/inputs.ts), the actor
 * from the table's roles, sent to the center (handlers/send.ts), to the call (handlers/calls.ts) or to a funding round
 * (handlers/funding-rounds.ts), and the result
 * shown with the command's render hook, if it has one.
 */
import { COMMAND_TABLE, type AnyCommandType, type CommandType, type RoundCommandType } from '../../machines/commands';
import { DEFAULT_COMMISSION_ACTOR } from '../args';
import type { Handler } from '../commands';
import { commandPayload } from '../inputs';
import { carriesEvidence, type EvidenceRef } from '../../machines/evidence';
import { attachFiles } from './evidence';
import { sendsFor } from '../options';
import { sendToCall } from './calls';
import { sendToRound } from './funding-rounds';
import { applicationRenders } from './centers';
import { evaluationRenders } from './evaluations';
import { fundingRenders } from './funding';
import { reserveRenders } from './reserve';
import { accountsRenders } from './accounts';
import { organisationRenders } from './organisation';
import { rectificationRenders } from './rectification';
import { output, send, type Renders, type Sent } from './send';
import { summaryRenders } from './summaries';

const RENDERS: Renders = { ...applicationRenders, ...fundingRenders, ...reserveRenders, ...accountsRenders, ...summaryRenders, ...evaluationRenders, ...rectificationRenders, ...organisationRenders };

export function tableCommand(type: AnyCommandType): Handler {
  const def = COMMAND_TABLE[type];
  const sends = sendsFor(def.roles);
  const sender = { command: def.cli.name, defaultActor: sends.defaultActor ? DEFAULT_COMMISSION_ACTOR : null, actorExample: sends.actorExample };
  return async (ctx) => {
    const payload = commandPayload(type, ctx.values, ctx.positionals.slice(def.cli.target === 'none' ? 0 : 1));
    // Issue 14 item 3: the --attach files are stored first; the command carries their references.
    const attached = carriesEvidence(type) ? await attachFiles(ctx) : [];
    if (attached.length) {
      const p = payload as { evidence?: EvidenceRef[] };
      p.evidence = [...(p.evidence ?? []), ...attached];
    }
    if (def.host === 'round') return sendToRound(ctx, type as RoundCommandType, payload, sender);
    if (def.host === 'call') return sendToCall(ctx, type as 'OPEN_CALL' | 'RAISE_QUOTA' | 'CLOSE_EARLY', payload, sender);
    const center = type as CommandType;
    const sent = await send(ctx, def.cli.target === 'center' ? ctx.positionals[0] : null, { type: center, payload: payload as never, ...sender });
    const render = RENDERS[center] as ((sent: Sent, payload: unknown) => ReturnType<typeof output>) | undefined;
    return render ? render(sent, payload) : output(sent);
  };
}
