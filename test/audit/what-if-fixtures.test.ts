/**
 * The what-if simulator against the committed histories (three generations of workflow code, whole lifecycles:
 * a center continued into cycle 2, a stopped support, a closed ineligible application): run under the policy each
 * center ran under, the recorded commands with deadlines derived again give the very transitions the history
 * records — so a what-if's differences come from the candidate policy, not from the simulation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { centerTimeline, readHistoryFile, recordedInputs, whatIfOfRuns, type RunHistory } from '../../client/audit';
import type { FixtureManifest } from '../../scripts/record-fixtures';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/histories');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as FixtureManifest;
const centers = manifest.fixtures.filter((f) => f.workflowType === 'centerWorkflow');
const lifecycles = [...new Set(centers.map((f) => f.lifecycle))];
const runsOf = (lifecycle: string): RunHistory[] =>
  centers
    .filter((f) => f.lifecycle === lifecycle)
    .sort((a, b) => a.run - b.run)
    .map((f) => readHistoryFile(path.join(dir, f.file), f.workflowId));

describe('the what-if simulator on the committed histories', () => {
  it.each(lifecycles)('%s: the recorded policy reproduces every recorded transition, in order', (lifecycle) => {
    const runs = runsOf(lifecycle);
    const r = whatIfOfRuns(runs, {});
    expect(r).toMatchObject({ faithful: true, changed: false, firstRefused: null });
    expect(r.recorded.refused).toEqual([]);
    const timeline = centerTimeline(runs);
    expect(r.recorded.trace.map((t) => [t.event, t.fromState, t.toState])).toEqual(timeline.map((e) => [e.event, e.fromState, e.toState]));
    // Commands at their recorded times; deadlines at their due times, never after the history's own firing.
    timeline.forEach((e, i) => {
      if (e.event !== 'DEADLINE_REACHED') expect(r.recorded.trace[i].at).toBe(e.at);
      else expect(Date.parse(r.recorded.trace[i].at)).toBeLessThanOrEqual(Date.parse(e.at));
    });
  });

  it('reads no recorded deadline firing as an input: only commands (and call status reports)', () => {
    for (const lifecycle of lifecycles) {
      const { inputs } = recordedInputs(runsOf(lifecycle));
      const commands = inputs.filter((i) => i.kind === 'command');
      const timeline = centerTimeline(runsOf(lifecycle));
      expect(commands.length).toBe(timeline.filter((e) => e.event !== 'DEADLINE_REACHED').length);
      expect(commands.every((c) => c.kind === 'command' && c.command.type !== ('DEADLINE_REACHED' as never))).toBe(true);
    }
  });

  it('a center started before the reserve (Art. 15) keeps its rules; a candidate that turns the rule on names the request it would refuse', () => {
    const runs = runsOf('cycle');
    expect('guidanceNamesReserveEntries' in recordedInputs(runs).start.policy).toBe(false);
    const r = whatIfOfRuns(runs, { guidanceNamesReserveEntries: true });
    expect(r.recorded.refused).toEqual([]);
    expect(r.firstRefused).toMatchObject({ type: 'REQUEST_FUNDING', reason: 'invalid-input', message: expect.stringContaining('Art. 15') });
  });
});
