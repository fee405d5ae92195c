/**
 * Issue 15 item 4: versions of the statechart, on the pure machine — a center runs the version it started with, the
 * v1 → v2 migration (context transform, deadlines recomputed or carried, the state kept), its check naming why a
 * center cannot move, and MIGRATE_CENTER refused by checkCommand with that reason.
 */
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../machines/authorize';
import { applyEvent } from '../../machines/view';
import { simulateCenter } from '../../machines/what-if';
import { restoreSnapshot, stateName, type CenterContext, type CenterSnapshot } from '../../machines/center';
import { defaultPolicy, type Policy } from '../../machines/policy';
import { MACHINE_VERSION, mapStateValue, migrate, MIGRATIONS, planMove, versionOf } from '../../machines/versions';
import { cmd, commission, university } from '../helpers/fixtures';
import { approve, assign, centerInput, DAY, ESTABLISHED, PANEL, established, inReview, iso, review, send, start, submit } from './drive';

const { stepDeadlineDays: _omitted, ...older } = defaultPolicy;
/** The policy of a center started before step deadlines (Art. 9, 18, 19). */
const v1Policy = older as Policy;
/** A snapshot as a version-1 workflow carried it: no machineVersion in its context. */
function asV1(s: CenterSnapshot): CenterSnapshot {
  const { machineVersion: _v, ...context } = s.context;
  return restoreSnapshot({ value: s.value, context: context as CenterContext });
}
const move = () => cmd('MIGRATE_CENTER', commission, { toVersion: 2 });

describe('the version a center runs', () => {
  it('a new center starts with the newest version; a snapshot without one (every history before versions) runs version 1', () => {
    expect(MACHINE_VERSION).toBe(2);
    expect(versionOf(start().context)).toBe(2);
    expect(versionOf(asV1(start()).context)).toBe(1);
    expect(planMove(start())).toBeNull();
    // One migration to each version after the first, each to the next.
    expect(MIGRATIONS.map((m) => [m.from, m.to])).toEqual([[1, 2]]);
  });
});

describe('the v1 → v2 migration', () => {
  it('a v1 center whose policy has step deadlines moves cleanly: its state, deadlines and the rest carried, the version recorded', () => {
    const s = asV1(established());
    expect(planMove(s)).toMatchObject({ from: 1, to: 2, ok: true });
    const moved = migrate(s, iso(20 * DAY));
    expect(moved.value).toEqual(s.value);
    expect(moved.context).toEqual({ ...s.context, machineVersion: 2 });
    expect(stateName(restoreSnapshot(moved))).toBe(ESTABLISHED);
  });

  it('a v1 center whose policy predates step deadlines gets the default ones, armed from the move for the step it waits on', () => {
    const s = asV1(established({ policy: v1Policy }));
    expect(s.context.deadlines.some((d) => d.wait)).toBe(false);
    const at = iso(20 * DAY);
    const moved = migrate(s, at);
    expect(moved.context.policy.stepDeadlineDays).toEqual(defaultPolicy.stepDeadlineDays);
    expect(moved.context.machineVersion).toBe(2);
    // Established: no step waits yet, so the deadlines are carried as they were.
    expect(moved.context.deadlines).toEqual(s.context.deadlines);
  });

  it('cannot move a v1 center without step deadlines in the middle of an expert review, and says why; it can once the reviews are in', () => {
    const s = asV1(inReview({ policy: v1Policy }));
    const plan = planMove(s);
    expect(plan).toMatchObject({ from: 1, to: 2, ok: false });
    expect(plan && !plan.ok && plan.reason).toMatch(/expert review of the application is under way .*asked on no deadline/);
    expect(() => migrate(s, iso(3 * DAY))).toThrow(/cannot move from version 1 to 2/);
    let after = s;
    for (const [i, e] of PANEL.entries()) after = send(after, review(e, 85 + i), iso((3 + i) * DAY));
    expect(stateName(after)).not.toBe('application.inReview');
    expect(planMove(after)).toMatchObject({ ok: true });
  });

  it('the same review under a policy with step deadlines moves cleanly: its review deadlines are carried', () => {
    const s = asV1(inReview());
    const moved = migrate(s, iso(3 * DAY));
    expect(moved.context.deadlines).toEqual(s.context.deadlines);
    expect(moved.context.deadlines.filter((d) => d.wait?.step === 'applicationReview')).toHaveLength(PANEL.length * 2);
  });

  it('renames the states a migration maps, keeping their parents', () => {
    expect(mapStateValue({ building: 'evaluation' }, { 'building.evaluation': 'building.assessing' })).toEqual({ building: 'assessing' });
    expect(mapStateValue({ building: { evaluation: 'selfEvaluation' } }, {})).toEqual({ building: { evaluation: 'selfEvaluation' } });
    expect(mapStateValue('awaitingApplication', { awaitingApplication: 'open' })).toBe('open');
  });
});

describe('MIGRATE_CENTER (the commission moves a center now)', () => {
  it('is the commission’s; refused with the check’s reason, with the version it moves to, or when there is nothing to move', () => {
    const v1 = asV1(established());
    expect(checkCommand(v1, move(), iso(20 * DAY))).toMatchObject({ ok: true, event: { type: 'MIGRATE_CENTER', toVersion: 2 } });
    const byUniversity = checkCommand(v1, cmd('MIGRATE_CENTER', university('bjut'), { toVersion: 2 }), iso(20 * DAY));
    expect(byUniversity).toMatchObject({ ok: false, refusal: { reason: 'forbidden-role' } });
    const wrongVersion = checkCommand(v1, cmd('MIGRATE_CENTER', commission, { toVersion: 3 }), iso(20 * DAY));
    expect(wrongVersion).toMatchObject({ ok: false, refusal: { reason: 'conflict', message: expect.stringMatching(/moves to version 2, not 3/) } });
    const current = checkCommand(established(), move(), iso(20 * DAY));
    expect(current).toMatchObject({ ok: false, refusal: { reason: 'not-allowed-in-state', message: expect.stringMatching(/already runs version 2/) } });
    const reviewing = asV1(inReview({ policy: v1Policy }));
    const refused = checkCommand(reviewing, move(), iso(3 * DAY));
    expect(refused).toMatchObject({ ok: false, refusal: { reason: 'not-allowed-in-state', message: expect.stringMatching(/cannot move from version 1 to 2: an expert review/) } });
  });
});

describe('every pure stepper moves a center as the workflow does (advance)', () => {
  it('applyEvent and the what-if simulator take a recorded MIGRATE_CENTER: the version moves, nothing refused', () => {
    const v1 = asV1(established({ policy: v1Policy }));
    const check = checkCommand(v1, move(), iso(20 * DAY));
    if (!check.ok) throw new Error(check.refusal.message);
    const { after, records } = applyEvent(v1, check.event);
    expect(records).toEqual([]);
    expect(after.context).toMatchObject({ machineVersion: 2, policy: { stepDeadlineDays: defaultPolicy.stepDeadlineDays } });

    const at = (d: number) => iso(d * DAY);
    const commands = [submit(), assign(PANEL), ...PANEL.map((e) => review(e)), approve(), move()];
    const outcome = simulateCenter({
      start: { ...centerInput({ policy: v1Policy }), machineVersion: 1 },
      inputs: commands.map((command, i) => ({ kind: 'command' as const, command, at: at(i + 1) })),
      until: at(commands.length + 1),
    });
    expect(outcome.refused).toEqual([]);
    expect(outcome.trace.at(-1)).toMatchObject({ event: 'MIGRATE_CENTER', fromState: ESTABLISHED, toState: ESTABLISHED });
  });
});
