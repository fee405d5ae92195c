/**
 * SPEC §6 "Replay": the committed histories of whole lifecycles (recorded by `npm run fixtures:record` on the
 * time-skipping server) replay with the current workflow code, and a change that issues other commands is caught.
 * A failure here means a workflow change would break running centers: guard it with `patched()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleForReplay,
  centerTimeline,
  historyToJSON,
  parseHistoryJson,
  readHistoryFile,
  replayRuns,
  runTimeline,
  summarizeRun,
  type RunHistory,
} from '../../client/audit';
import { workflowsPath } from '../../worker/worker';
import type { FixtureManifest } from '../../scripts/record-fixtures';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/histories');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as FixtureManifest;
const runs = new Map<string, RunHistory>(manifest.fixtures.map((f) => [f.file, readHistoryFile(path.join(dir, f.file), f.workflowId)]));
const lifecycles = [...new Set(manifest.fixtures.filter((f) => f.workflowType === 'centerWorkflow').map((f) => f.lifecycle))];
const centerRuns = (lifecycle: string) =>
  manifest.fixtures
    .filter((f) => f.lifecycle === lifecycle && f.workflowType === 'centerWorkflow')
    .sort((a, b) => a.run - b.run)
    .map((f) => runs.get(f.file)!);

let current: { workflowBundle: WorkflowBundle };

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already by another suite in this process
  }
  current = await bundleForReplay(workflowsPath);
});

describe('the committed fixtures', () => {
  it('are listed in the manifest, every file and nothing else, and stay small', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'manifest.json');
    expect(manifest.fixtures.map((f) => f.file).sort()).toEqual(files.sort());
    const total = files.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    // Three generations of workflow code: the first (before the patches below), v2 (main's: every patch but the local
    // persistence) and v3 (transitions persisted by local activity); v4 adds one lifecycle, a center moved between
    // statechart versions (issue 15 item 4). ~1.9 MB in all.
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('cover whole lifecycles: a center continued-as-new into cycle 2, a stopped support, a closed ineligible application', () => {
    const finals = Object.fromEntries(lifecycles.map((l) => [l, centerRuns(l).map((r) => summarizeRun(r).status)]));
    expect(finals).toMatchObject({ cycle: ['continuedAsNew', 'running'], rectification: ['completed'], ineligible: ['completed'] });
    expect(finals).toMatchObject({ 'v2-cycle': ['continuedAsNew', 'running'], 'v2-rectification': ['completed'], 'v2-ineligible': ['completed'] });
    expect(finals).toMatchObject({ 'v3-cycle': ['continuedAsNew', 'running'], 'v3-rectification': ['completed'], 'v3-ineligible': ['completed'] });
    const last = (l: string) => centerTimeline(centerRuns(l)).at(-1)!;
    expect(last('rectification')).toMatchObject({ event: 'DEADLINE_REACHED', toState: 'supportStopped', actor: { role: 'scheduler' } });
    expect(last('ineligible')).toMatchObject({ event: 'DEADLINE_REACHED', toState: 'closed.ineligible' });
    expect(centerTimeline(centerRuns('cycle')).filter((e) => e.cycle === 2).length).toBeGreaterThan(0);
  });
});

describe('SPEC §6: every committed history replays with the current workflow code', () => {
  it('replays each run of each lifecycle deterministically', async () => {
    const ordered = manifest.fixtures.map((f) => runs.get(f.file)!);
    const outcomes = await replayRuns(ordered, current);
    const failures = outcomes.filter((o) => !o.ok).map((o, i) => `${manifest.fixtures[i].file}: ${o.error?.name}: ${o.error?.message}`);
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(manifest.fixtures.length);
  });

  /** The patch markers a run recorded (`patched()` writes a marker the first time a run takes the new path). */
  const markers = (file: string) =>
    new Set(
      runs
        .get(file)!
        .history.events!.filter((e) => e.markerRecordedEventAttributes)
        .map((e) => {
          const data = e.markerRecordedEventAttributes!.details?.['patch-data']?.payloads?.[0]?.data;
          return data ? (JSON.parse(Buffer.from(data as unknown as string, 'base64').toString()) as { id: string }).id : '';
        }),
    );
  const patchIds = (file: string) => [...markers(file)].join(' ');

  it('both generations replay: the first recorded none of the patches, the current one records each of them', () => {
    for (const f of ['cycle-run1.json', 'rectification-run1.json']) {
      expect(patchIds(f), f).not.toMatch(/quota-slot-update|sparse-search-attributes/);
    }
    // A center's approval takes its quota slot through the call's update, and search attributes are upserted on change.
    const later = manifest.fixtures.filter((f) => /^v[23]-/.test(f.file) && f.workflowType === 'centerWorkflow' && f.run === 1 && !f.lifecycle.endsWith('-ineligible'));
    expect(later.length).toBe(4);
    for (const f of later) {
      const events = runs.get(f.file)!.history.events!;
      expect(patchIds(f.file), f.file).toMatch(/quota-slot-update/);
      expect(patchIds(f.file), f.file).toMatch(/sparse-search-attributes/);
      expect(events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reserveQuotaSlot'), f.file).toBe(true);
      expect(events.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'requestQuotaSlot'), f.file).toBe(false);
    }
    const upserts = (file: string) => runs.get(file)!.history.events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    expect(upserts('v2-cycle-run1.json')).toBeLessThan(upserts('cycle-run1.json'));
    expect(runs.get('cycle-run1.json')!.history.events!.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'requestQuotaSlot')).toBe(true);
  });

  it('persist-transition-locally: the first and v2 generations write each transition by activity, v3 by local activity', () => {
    const persistedBy = (file: string) => {
      const events = runs.get(file)!.history.events!;
      return {
        patched: markers(file).has('persist-transition-locally'),
        activities: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'persistTransition').length,
        local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
      };
    };
    for (const f of manifest.fixtures.filter((x) => x.workflowType === 'centerWorkflow')) {
      const local = f.file.startsWith('v3-');
      // The patch marker is written once per run (the first transition of the run), in every v3 run; v4 (recorded since
      // `persist-transition-scheduled`) records it too, and writes by the scheduled activity again; its one local
      // activity is the check of a signed start (`center-start-signed`, docs/security.md), in its first run.
      const v4 = f.file.startsWith('v4-');
      expect(persistedBy(f.file), f.file).toEqual({ patched: local || v4, activities: local ? 0 : f.transitions, local: local ? f.transitions : v4 && f.run === 1 ? 1 : 0 });
    }
  });

  it('issue 15 item 4: a center started on version 1 and moved to version 2 by the commission replays, its move one transition', () => {
    const [run] = centerRuns('v4-migrated');
    const started = run.history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const input = JSON.parse(Buffer.from(started.data as unknown as string, 'base64').toString()) as { machineVersion?: number; policy: Record<string, unknown> };
    expect(input.machineVersion).toBe(1);
    expect(input.policy).not.toHaveProperty('stepDeadlineDays');
    const timeline = centerTimeline([run]).map((e) => [e.event, e.fromState, e.toState, e.actor.role]);
    const moved = timeline.findIndex(([event]) => event === 'MIGRATE_CENTER');
    expect(timeline[moved]).toEqual(['MIGRATE_CENTER', 'building.running', 'building.running', 'commission']);
    // Transitions on both versions: the application's on version 1, the funding's on version 2; one move only.
    expect(timeline.slice(0, moved).map(([event]) => event)).toContain('APPROVE');
    expect(timeline.slice(moved + 1).map(([event]) => event)).toEqual(['REQUEST_FUNDING', 'GRANT_FUNDING']);
    expect(timeline.filter(([event]) => event === 'MIGRATE_CENTER')).toHaveLength(1);
  });

  it('a run continued-as-new is followed by the run it continued as', () => {
    const [first, second] = centerRuns('cycle').map(summarizeRun);
    expect(second.continuedFromRunId).toBe(first.runId);
    expect(first.continuedAsRunId).toBe(second.runId);
  });
});

describe('SPEC §3 "Audit": the timeline rebuilt from the history', () => {
  it.each(lifecycles)('%s: numbers every transition once, 1..n without gaps across runs, as the manifest recorded', (lifecycle) => {
    const timeline = centerTimeline(centerRuns(lifecycle));
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(timeline.every((e) => e.persisted === 'completed')).toBe(true);
    for (const f of manifest.fixtures.filter((x) => x.lifecycle === lifecycle && x.workflowType === 'centerWorkflow')) {
      const run = runTimeline(runs.get(f.file)!);
      expect({ transitions: run.length, firstSeq: run[0]?.seq ?? null, lastSeq: run.at(-1)?.seq ?? null, finalState: run.at(-1)?.toState ?? null }).toEqual({
        transitions: f.transitions,
        firstSeq: f.firstSeq,
        lastSeq: f.lastSeq,
        finalState: f.finalState,
      });
    }
    // Each transition starts where the previous one ended.
    for (let i = 1; i < timeline.length; i++) expect(timeline[i].fromState, `seq ${timeline[i].seq}`).toBe(timeline[i - 1].toState);
  });

  it('a history survives historyToJSON → historyFromJSON unchanged (the format `temporal workflow show` exports)', () => {
    const run = runs.get(manifest.fixtures[0].file)!;
    const again = parseHistoryJson(JSON.parse(historyToJSON(run.history)), 'round trip');
    expect(again.events).toHaveLength(run.history.events!.length);
    expect(runTimeline({ ...run, history: again })).toEqual(runTimeline(run));
  });
});

describe('SPEC §6: an incompatible workflow change is caught', () => {
  const incompatible = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'incompatible-workflows.ts');

  it('a new unguarded first command makes the recorded run throw DeterminismViolationError', async () => {
    const code = await bundleForReplay(incompatible);
    const run = centerRuns('ineligible')[0];
    await expect(Worker.runReplayHistory(code, run.history, run.workflowId)).rejects.toBeInstanceOf(DeterminismViolationError);
    const [outcome] = await replayRuns([run], code);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'nondeterminism', name: 'DeterminismViolationError' } });
    expect(outcome.error!.message).toMatch(/nondetermin/i);
  });
});
