/**
 * Model-based test of the application stage (xstate/graph): the shortest path to every distinct state of the
 * statechart, each path replayed through checkCommand → transition (the "system under test" is the same pure
 * pipeline the workflow runs). The guarded events carry payloads and meta, so the model is given concrete
 * candidate events per snapshot, built from real commands of entitled actors.
 */
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { checkCommand } from '../../machines/authorize';
import { centerMachine, isClosed, stateName, type CenterEvent, type CenterSnapshot } from '../../machines/center';
import { toEvent, type Command } from '../../machines/commands';
import { application, cmd, commission, expertActor, experts, understaffed, university } from '../helpers/fixtures';
import { CALL, callStatusEvent, centerInput, DAY, deadlineEvent, ESTABLISHED, iso, PANEL, start } from './drive';

const AT = {
  SUBMIT_APPLICATION: iso(),
  AMEND_APPLICATION: iso(DAY),
  ASSIGN_EXPERTS: iso(2 * DAY),
  SUBMIT_REVIEW: iso(5 * DAY),
  APPROVE: iso(10 * DAY),
  REJECT: iso(10 * DAY),
} as const;
const atOf = (c: Command): string => AT[c.type as keyof typeof AT];

/** Fixed command ids so that the same candidate serialises the same way in every snapshot. */
const commands: Command[] = [
  cmd('SUBMIT_APPLICATION', university(), { callId: CALL.callId, application: application() }, 'model-submit-good'),
  cmd('SUBMIT_APPLICATION', university(), { callId: CALL.callId, application: understaffed() }, 'model-submit-short'),
  cmd('AMEND_APPLICATION', university(), { application: application() }, 'model-amend-good'),
  cmd('AMEND_APPLICATION', university(), { application: understaffed() }, 'model-amend-short'),
  cmd('ASSIGN_EXPERTS', commission, { experts: PANEL }, 'model-assign'),
  cmd('ASSIGN_EXPERTS', commission, { experts: [...experts('pku', 2), ...experts('bjut', 1)] }, 'model-assign-conflicted'),
  ...PANEL.map((e) => cmd('SUBMIT_REVIEW', expertActor(e), { review: { score: 80, recommendation: 'approve', opinion: 'Sound' } }, `model-review-${e.id}`)),
  cmd('APPROVE', commission, { reason: 'Best of the call' }, 'model-approve'),
  cmd('REJECT', commission, { reason: 'Weaker than others' }, 'model-reject'),
];
const commandOf = new Map<string, Command>();
const commandEvents: CenterEvent[] = commands.map((c) => {
  const event = toEvent(c, atOf(c));
  commandOf.set(JSON.stringify(event), c);
  return event;
});
const otherEvents: CenterEvent[] = [
  deadlineEvent(CALL.closesAt),
  // The call's quota is used up by other centers.
  callStatusEvent({ quota: 2, approvedCount: 2, closedEarlyAt: null }, iso(3 * DAY)),
];

/** What distinguishes two snapshots for the model (versions and timestamps left out, so amend loops close). */
const serializeState = (s: CenterSnapshot) =>
  JSON.stringify({
    state: stateName(s),
    experts: s.context.experts.map((e) => e.id),
    reviews: Object.keys(s.context.reviews).sort(),
    deadlines: s.context.deadlines.map((d) => d.status),
    quotaFull: s.context.call.approvedCount >= s.context.call.quota,
    decision: s.context.decision?.outcome ?? null,
  });

const model = createTestModel(centerMachine, {
  input: centerInput(),
  events: () => [...commandEvents, ...otherEvents],
  // Only our concrete events: the graph adds a bare { type } for every other event a state handles (e.g. the
  // building stage's), which carries no meta and cannot be evaluated by the guards.
  filterEvents: (_s, e) => 'meta' in e,
  // The application stage ends with the approval; the building stage is modelled by its own tests.
  stopWhen: (s) => (s as CenterSnapshot).matches('building') || isClosed(s as CenterSnapshot),
  serializeState: (s) => serializeState(s as CenterSnapshot),
});

describe('Model-based: every state of the application stage is reached through checkCommand', () => {
  const paths = model.getShortestPaths({ allowDuplicatePaths: true });

  it('the shortest paths reach every state of the application stage', () => {
    expect(paths.length).toBeGreaterThan(20);
    const reached = new Set(paths.map((p) => stateName(p.state as CenterSnapshot)));
    expect([...reached].sort()).toEqual(
      [
        'application.awaitingDecision',
        'application.eligible',
        'application.inReview',
        'application.ineligible',
        'awaitingApplication',
        'closed.ineligible',
        'closed.lapsed',
        'closed.rejected',
        ESTABLISHED,
      ].sort(),
    );
  });

  it('each path replays command by command: checkCommand accepts every step and the machine agrees with the model', async () => {
    for (const path of paths) {
      let sut = start();
      await path.test({
        events: Object.fromEntries(
          [...new Set([...commandEvents, ...otherEvents].map((e) => e.type))].map((type) => [
            type,
            ({ event }: { event: CenterEvent }) => {
              const command = commandOf.get(JSON.stringify(event));
              if (command) {
                const checked = checkCommand(sut, command, event.meta.at);
                if (!checked.ok) throw new Error(`${path.description}: ${checked.refusal.reason}: ${checked.refusal.message}`);
                sut = transition(centerMachine, sut, checked.event)[0];
              } else {
                expect(sut.can(event)).toBe(true);
                sut = transition(centerMachine, sut, event)[0];
              }
            },
          ]),
        ),
        states: {
          '*': (state) => {
            expect(serializeState(sut)).toBe(serializeState(state as CenterSnapshot));
          },
        },
      });
    }
  });

  it('in every reachable snapshot, checkCommand accepts a candidate command of an entitled actor iff the machine takes it', () => {
    const adjacency = model.getAdjacencyMap();
    let compared = 0;
    for (const { state } of Object.values(adjacency)) {
      const snapshot = state as CenterSnapshot;
      for (const command of commands) {
        const at = atOf(command);
        const checked = checkCommand(snapshot, command, at);
        expect(checked.ok, `${command.commandId} in ${serializeState(snapshot)}`).toBe(snapshot.can(toEvent(command, at)));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
