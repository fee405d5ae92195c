/**
 * Steps of a center's life driven through the real client operations, for workflow tests on the
 * time-skipping server: establish a center, run an evaluation, skip to a time and wait for the workflow.
 */
import { openCall, sendCenterCommand, showCenter, submitApplication } from '../../client/operations';
import type { Command } from '../../machines/commands';
import type { CenterView, CommandResult } from '../../contract';
import { applicationAsOf, callInfo, cmd, commission, expertActor, experts, scores, university } from './fixtures';
import type { Harness } from './temporal';

export function lifecycle(h: Harness, universityId: string) {
  const uni = university(universityId);
  const send = (command: Command): Promise<CommandResult> => sendCenterCommand(h.ops, universityId, command);
  const view = (): Promise<CenterView> => showCenter(h.ops, universityId);

  /** Lets the test server skip to `at` (years pass by skipping), then polls the query until `until` holds. */
  async function skipTo(at: number, until: (v: CenterView) => boolean): Promise<CenterView> {
    const now = await h.env.currentTimeMs();
    if (at > now) await h.env.sleep(at - now);
    for (let i = 0; i < 2000; i++) {
      const v = await view();
      if (until(v)) return v;
    }
    throw new Error(`center of ${universityId} did not reach the expected state; it is ${(await view()).state}`);
  }

  async function establish(callId: string): Promise<CenterView> {
    const now = await h.env.currentTimeMs();
    const call = callInfo(now, { callId, quota: 5 });
    await openCall(h.ops, call, commission);
    await submitApplication(h.ops, cmd('SUBMIT_APPLICATION', uni, { callId, application: applicationAsOf(universityId, now) }));
    const panel = experts('pku');
    await send(cmd('ASSIGN_EXPERTS', commission, { experts: panel }));
    for (const e of panel) await send(cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 90, recommendation: 'approve', opinion: 'Good' } }));
    await send(cmd('APPROVE', commission, {}));
    return view();
  }

  /**
   * The evaluation sub-process (Art. 18) with every expert giving `score` on each dimension; also gives the ASSESS
   * command it sent, so that a test can send it again.
   */
  async function runEvaluation(
    score: number,
    assess: Extract<Command, { type: 'ASSESS' }>['payload'] = {},
  ): Promise<{ result: CommandResult; command: Command }> {
    await send(cmd('SUBMIT_SELF_EVALUATION', uni, { scores: scores(score), report: 'Self-evaluation report' }));
    const today = new Date(await h.env.currentTimeMs()).toISOString().slice(0, 10);
    await send(cmd('RECORD_INSPECTION', commission, { inspectedOn: today, inspectors: ['Inspector Liu'], findings: 'Seen on site' }));
    const panel = experts('tsinghua');
    await send(cmd('ASSIGN_EVALUATION_EXPERTS', commission, { experts: panel }));
    for (const e of panel) await send(cmd('SUBMIT_EVALUATION_REVIEW', expertActor(e), { scores: scores(score), opinion: 'Scored' }));
    const command = cmd('ASSESS', commission, assess);
    return { result: await send(command), command };
  }

  /** The evaluation sub-process (Art. 18) with every expert giving `score` on each dimension: the ASSESS result. */
  async function evaluate(score: number, assess: Extract<Command, { type: 'ASSESS' }>['payload'] = {}): Promise<CommandResult> {
    return (await runEvaluation(score, assess)).result;
  }

  const anniversary = (start: string, k: number) => {
    const d = new Date(start);
    d.setUTCFullYear(d.getUTCFullYear() + k);
    return d.getTime();
  };

  return { uni, send, view, skipTo, establish, runEvaluation, evaluate, anniversary };
}
