/**
 * The benchmark's baseline: a bare Temporal workflow doing the same amount of Temporal work as one center —
 * the same number of updates, activities and durable timers — with no XState, no validation worth the name and
 * no database. Bundled by its own worker (bench/worker.ts, task queue of its own); imports no Node built-ins.
 */
import * as wf from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

export interface BaselineInput {
  /** Updates the driver will send (one per command the center received). */
  updates: number;
  /** Deadlines the center's timers fired, as offsets from the workflow's start (ms). */
  timerOffsetsMs: number[];
  /** Activities the center ran besides its transitions (its share of the call's, notification deliveries). */
  extraActivities: number;
}

export interface BaselineCommand {
  commandId: string;
  type: string;
}

export interface BaselineView {
  received: number;
  fired: number;
  steps: number;
}

export const baselineCommand = wf.defineUpdate<BaselineView, [BaselineCommand]>('command');
export const baselineState = wf.defineQuery<BaselineView>('state');

// Same retry shape as the center's persistence activities (workflows/shared.ts).
const { step } = wf.proxyActivities<BaselineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function baselineWorkflow(input: BaselineInput): Promise<BaselineView> {
  const view: BaselineView = { received: 0, fired: 0, steps: 0 };
  // One at a time, like the center's lock: each update's activity runs without another's interleaving.
  let busy = false;
  const serially = async <T>(fn: () => Promise<T>): Promise<T> => {
    while (busy) await wf.condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  };

  wf.setHandler(baselineState, () => view);
  wf.setHandler(
    baselineCommand,
    (command) =>
      serially(async () => {
        view.received += 1;
        await step({ kind: command.type, n: view.received });
        view.steps += 1;
        return view;
      }),
    {
      validator: (command) => {
        if (typeof command?.commandId !== 'string') throw wf.ApplicationFailure.nonRetryable('a command needs a commandId', 'invalid-input');
      },
    },
  );

  // Every timer armed at the start, as the center arms its five year ends at approval.
  const timers = input.timerOffsetsMs.map((offset) =>
    wf.sleep(Math.max(1, offset)).then(() =>
      serially(async () => {
        view.fired += 1;
        await step({ kind: 'DEADLINE_REACHED', n: view.fired });
        view.steps += 1;
      }),
    ),
  );
  for (let n = 1; n <= input.extraActivities; n++) await serially(() => step({ kind: 'EXTRA', n }));
  await Promise.all(timers);
  await wf.condition(() => view.received >= input.updates && !busy);
  await wf.condition(wf.allHandlersFinished);
  return view;
}
