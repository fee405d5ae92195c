import { describe, expect, it } from 'vitest';
import { allowedCommands, checkCommand } from '../../machines/authorize';
import { checkCallCommand } from '../../machines/authorize';
import type { CallState } from '../../machines/stages/calls';
import { stateName, type CenterSnapshot } from '../../machines/center';
import { COMMAND_ROLES, COMMAND_TYPES, REFUSAL_REASONS, type Command, type CommandType } from '../../machines/commands';
import { ROLES, type Actor, type Role } from '../../machines/domain';
import { parsePolicy } from '../../machines/policy';
import { application, cmd, commandId, commission, expertActor, experts, university } from '../helpers/fixtures';
import {
  amend,
  approve,
  assign,
  auditor,
  awaitingDecision,
  CALL,
  DAY,
  deadlineEvent,
  eligible,
  established,
  ESTABLISHED,
  expectRefused,
  fire,
  ineligible,
  inReview,
  iso,
  PANEL,
  rejected,
  review,
  scheduler,
  send,
  start,
  submit,
} from './drive';

/** The commands of the application stage (Art. 7–9); the building stage's commands have their own tests. */
const APPLICATION_COMMANDS = ['SUBMIT_APPLICATION', 'AMEND_APPLICATION', 'ASSIGN_EXPERTS', 'SUBMIT_REVIEW', 'APPROVE', 'REJECT'] as const;
type ApplicationCommand = (typeof APPLICATION_COMMANDS)[number];

/** A well-formed command of each application-stage type, sent by `actor`. */
function sample(type: ApplicationCommand, actor: Actor): Command {
  switch (type) {
    case 'SUBMIT_APPLICATION':
      return submit(application(), actor);
    case 'AMEND_APPLICATION':
      return amend(application(), actor);
    case 'ASSIGN_EXPERTS':
      return assign(PANEL, actor);
    case 'SUBMIT_REVIEW':
      return cmd('SUBMIT_REVIEW', actor, { review: { score: 80, recommendation: 'approve', opinion: 'Sound plan' } });
    case 'APPROVE':
      return approve(actor);
    case 'REJECT':
      return reject(actor);
  }
}
const reject = (actor: Actor) => cmd('REJECT', actor, { reason: 'Weaker than the approved applications' });

/** An actor of each role that would be entitled, by organisation and assignment, to act on bjut's center. */
const actorOf: Record<Role, Actor> = {
  commission,
  university: university('bjut'),
  expert: expertActor(PANEL[0]!),
  scheduler,
  auditor,
};

const STATES: [string, () => CenterSnapshot][] = [
  ['awaitingApplication', () => start()],
  ['application.ineligible', ineligible],
  ['application.eligible', eligible],
  ['application.inReview', inReview],
  ['application.awaitingDecision', awaitingDecision],
  [ESTABLISHED, established],
  ['closed.rejected', rejected],
  ['closed.ineligible', () => fire(ineligible(), deadlineEvent(CALL.closesAt))],
  ['closed.lapsed', () => fire(start(), deadlineEvent(CALL.closesAt))],
];

describe('SPEC §3a — every refusal names one of the twelve reasons', () => {
  it('the reasons are exactly those of SPEC §3a', () => {
    expect([...REFUSAL_REASONS]).toEqual([
      'invalid-input',
      'forbidden-role',
      'wrong-organisation',
      'not-assigned',
      'conflict-of-interest',
      'not-allowed-in-state',
      'quota-exceeded',
      'over-ceiling',
      'over-budget',
      'deadline-passed',
      'suspended',
      'conflict',
    ]);
  });
});

describe('invalid-input — the payload or the envelope does not validate', () => {
  it('a payload field that does not validate is refused, naming the field', () => {
    expectRefused(awaitingDecision(), cmd('REJECT', commission, { reason: 'no' }), 'invalid-input', /payload\.reason/);
  });

  it('an application with a missing condition is refused, naming the path', () => {
    const app = application() as unknown as { conditions: Record<string, unknown> };
    delete app.conditions.workplace;
    expectRefused(start(), { ...submit(), payload: { callId: CALL.callId, application: app } }, 'invalid-input', /payload\.application\.conditions\.workplace/);
  });

  it('an unknown command type is refused, naming the type', () => {
    expectRefused(start(), { commandId: commandId(), actor: commission, type: 'DELETE_CENTER', payload: {} }, 'invalid-input', /type/);
  });

  it('something that is not a command at all is refused', () => {
    expectRefused(start(), null, 'invalid-input', /Invalid command/);
    expectRefused(start(), 'SUBMIT_APPLICATION', 'invalid-input', /Invalid command/);
  });

  it('a university actor without orgId is refused, naming orgId', () => {
    expectRefused(start(), submit(application(), { id: 'bjut-office', role: 'university' }), 'invalid-input', /actor\.orgId: a university actor needs orgId/);
  });

  it('an expert actor without orgId is refused', () => {
    expectRefused(inReview(), { ...review(PANEL[0]!), actor: { id: PANEL[0]!.id, role: 'expert' } }, 'invalid-input', /actor\.orgId: a expert actor needs orgId/, iso(3 * DAY));
  });

  it('an unknown role is refused', () => {
    expectRefused(start(), submit(application(), { id: 'x', role: 'dean', orgId: 'bjut' } as unknown as Actor), 'invalid-input', /actor\.role/);
  });

  it('a command id too short to be a stable idempotency key is refused', () => {
    expectRefused(start(), { ...submit(), commandId: 'c1' }, 'invalid-input', /commandId/);
  });

  it('Art. 9: fewer experts than policy.minExpertsPerReview is refused, naming the minimum and the count', () => {
    expectRefused(eligible(), assign(experts('pku', 2)), 'invalid-input', /at least 3 different experts \(got 2\)/);
  });

  it('Art. 9: the same expert listed twice counts once', () => {
    const [a, b] = experts('pku', 2);
    expectRefused(eligible(), assign([a!, b!, a!]), 'invalid-input', /at least 3 different experts \(got 2\)/);
  });

  it('Art. 9: the minimum panel size is policy (minExpertsPerReview 1 accepts a single expert)', () => {
    const s = send(eligible({ policy: parsePolicy({ minExpertsPerReview: 1 }) }), assign(experts('pku', 1)), iso(2 * DAY));
    expect(stateName(s)).toBe('application.inReview');
  });

  it('an empty panel is refused by the payload schema', () => {
    expectRefused(eligible(), assign([]), 'invalid-input', /payload\.experts/);
  });
});

describe('forbidden-role — SPEC §3a: who may send what', () => {
  it('a university may not APPROVE (Art. 4, 9: the commission decides)', () => {
    expectRefused(awaitingDecision(), approve(university('bjut')), 'forbidden-role', /APPROVE may be sent by commission, not by a university/);
  });

  it('an expert may not ASSIGN_EXPERTS', () => {
    expectRefused(eligible(), assign(PANEL, expertActor(PANEL[0]!)), 'forbidden-role', /ASSIGN_EXPERTS may be sent by commission, not by a expert/);
  });

  it('the commission may not SUBMIT_APPLICATION (Art. 5: the university applies)', () => {
    expectRefused(start(), submit(application(), commission), 'forbidden-role', /SUBMIT_APPLICATION may be sent by university, not by a commission/);
  });

  it('a university may not SUBMIT_REVIEW', () => {
    expectRefused(inReview(), sample('SUBMIT_REVIEW', university('bjut')), 'forbidden-role', /SUBMIT_REVIEW may be sent by expert/, iso(3 * DAY));
  });

  it('no command of any stage may be sent by an auditor (read-only) or a scheduler (it only fires deadlines)', () => {
    for (const type of COMMAND_TYPES) {
      expect(COMMAND_ROLES[type], type).not.toContain('auditor');
      expect(COMMAND_ROLES[type], type).not.toContain('scheduler');
    }
  });

  it.each(APPLICATION_COMMANDS)('an auditor (read-only) may not send %s', (type) => {
    expectRefused(start(), sample(type, auditor), 'forbidden-role', new RegExp(`${type} may be sent by .*not by a auditor`));
  });

  it.each(APPLICATION_COMMANDS)('a scheduler may not send %s', (type) => {
    expectRefused(start(), sample(type, scheduler), 'forbidden-role', /not by a scheduler/);
  });

  it('the role is checked before the state: a university APPROVE before any application is forbidden-role', () => {
    expect(checkCommand(start(), approve(university('bjut')), iso())).toMatchObject({ ok: false, refusal: { reason: 'forbidden-role' } });
  });
});

describe('wrong-organisation — Art. 5: a university acts on its own center only', () => {
  it('university "pku" may not submit to the center of "bjut"', () => {
    expectRefused(start(), submit(application('pku'), university('pku')), 'wrong-organisation', /University "pku" may not act on the center of "bjut"/);
  });

  it('university "pku" may not amend the application of "bjut"', () => {
    expectRefused(ineligible(), amend(application('pku'), university('pku')), 'wrong-organisation', /"pku" .*"bjut"/, iso(DAY));
  });

  it('an application naming another university is refused, naming both', () => {
    expectRefused(start(), submit(application('pku'), university('bjut')), 'wrong-organisation', /application names university "pku", but this center belongs to "bjut"/);
  });

  // Known defect (reported): AMEND_APPLICATION does not check application.universityId, so bjut can replace its
  // application by one naming pku (and pku's Art. 20 names would then be generated on approval).
  it('an amendment naming another university is refused', () => {
    expectRefused(ineligible(), amend(application('pku'), university('bjut')), 'wrong-organisation', /"pku"/, iso(DAY));
  });
});

describe('not-assigned — Art. 9: only assigned experts review', () => {
  it('an expert not on the panel may not SUBMIT_REVIEW, and the refusal names the expert', () => {
    const outsider = experts('tsinghua', 1)[0]!;
    expectRefused(inReview(), review(outsider), 'not-assigned', /Expert "expert-tsinghua-1" is not assigned to review the application of "bjut"/, iso(3 * DAY));
  });
});

describe('conflict-of-interest — Art. 9: no expert from the applicant’s own university', () => {
  it('a panel with an expert of bjut is refused for bjut’s application, naming the expert', () => {
    const panel = [...experts('pku', 2), experts('bjut', 1)[0]!];
    expectRefused(eligible(), assign(panel), 'conflict-of-interest', /expert-bjut-1 belong to the .*own university "bjut" \(Art\. 9/);
  });

  it('the same expert is fine for another university’s application', () => {
    expect(checkCommand(eligible(), assign(experts('tsinghua', 3)), iso(2 * DAY)).ok).toBe(true);
  });
});

describe('not-allowed-in-state — the statechart cannot take the command now', () => {
  it('APPROVE while eligible (no review yet) is refused, naming the state', () => {
    expectRefused(eligible(), approve(), 'not-allowed-in-state', /APPROVE is not possible while the center is in "application\.eligible"/);
  });

  it('SUBMIT_APPLICATION twice is refused: the second one must be an amendment', () => {
    expectRefused(eligible(), submit(), 'not-allowed-in-state', /SUBMIT_APPLICATION .*"application\.eligible"/, iso(DAY));
    expectRefused(ineligible(), submit(), 'not-allowed-in-state', /"application\.ineligible"/, iso(DAY));
  });

  it('a second review from the same expert is refused (Art. 9: once per expert)', () => {
    const s = send(inReview(), review(PANEL[0]!), iso(3 * DAY));
    expectRefused(s, review(PANEL[0]!, 95), 'not-allowed-in-state', /Expert "expert-pku-1" has already submitted a review/, iso(4 * DAY));
  });

  it('a review before experts are assigned is refused by state, not by assignment', () => {
    expectRefused(eligible(), review(PANEL[0]!), 'not-allowed-in-state', /SUBMIT_REVIEW .*"application\.eligible"/);
  });

  it('ASSIGN_EXPERTS again once the review has started is refused', () => {
    expectRefused(inReview(), assign(experts('tsinghua', 3)), 'not-allowed-in-state', /"application\.inReview"/, iso(3 * DAY));
  });

  it('ASSIGN_EXPERTS on an ineligible application is refused', () => {
    expectRefused(ineligible(), assign(), 'not-allowed-in-state', /"application\.ineligible"/, iso(DAY));
  });

  it('a second decision, a submission or an amendment is refused once established', () => {
    const s = established();
    expectRefused(s, approve(), 'not-allowed-in-state', /APPROVE .*"building/, iso(11 * DAY));
    expectRefused(s, reject(commission), 'not-allowed-in-state', /REJECT .*"building/, iso(11 * DAY));
    expectRefused(s, submit(), 'not-allowed-in-state', /"building/, iso(11 * DAY));
    expectRefused(s, amend(), 'not-allowed-in-state', /"building/, iso(11 * DAY));
  });

  it.each(['closed.rejected', 'closed.ineligible', 'closed.lapsed'])('nothing is allowed after %s', (name) => {
    const s = STATES.find(([n]) => n === name)![1]();
    for (const type of APPLICATION_COMMANDS) {
      const role = COMMAND_ROLES[type][0]!;
      expectRefused(s, sample(type, actorOf[role]), 'not-allowed-in-state', new RegExp(`"${name.replace('.', '\\.')}"`), iso(DAY));
    }
  });

  it('SUBMIT_APPLICATION for a different call is refused: one center workflow per call', () => {
    expectRefused(start(), submit(application(), university('bjut'), 'call-2027'), 'not-allowed-in-state', /call "call-2026"/);
  });
});

describe('quota-exceeded — Art. 9: approvals within the call’s quota', () => {
  it('APPROVE when approvedCount == quota is refused, naming the count and the quota', () => {
    expectRefused(awaitingDecision({ call: { approvedCount: 2 } }), approve(), 'quota-exceeded', /call "call-2026" has used its quota \(2 of 2 approved\)/, iso(10 * DAY));
  });

  it('REJECT is still possible when the quota is used', () => {
    expect(stateName(send(awaitingDecision({ call: { approvedCount: 2 } }), reject(commission), iso(10 * DAY)))).toBe('closed.rejected');
  });

  it('the last slot of the quota can be used', () => {
    expect(stateName(send(awaitingDecision({ call: { approvedCount: 1 } }), approve(), iso(10 * DAY)))).toBe(ESTABLISHED);
  });
});

describe('deadline-passed — Art. 7–8: submit and amend only while the call is open', () => {
  it('a submission before the call opens is refused, naming the window', () => {
    expectRefused(start(), submit(), 'deadline-passed', new RegExp(`not open for applications \\(window ${CALL.opensAt} – ${CALL.closesAt}\\)`), iso(-2 * DAY));
  });

  it('a submission at or after closesAt is refused, even before the deadline event arrives', () => {
    expectRefused(start(), submit(), 'deadline-passed', /call "call-2026" is not open/, CALL.closesAt);
    expectRefused(start(), submit(), 'deadline-passed', /call "call-2026" is not open/, iso(31 * DAY));
  });

  it('an amendment after closesAt is refused', () => {
    expectRefused(ineligible(), amend(), 'deadline-passed', /not open/, iso(31 * DAY));
    expectRefused(eligible(), amend(), 'deadline-passed', /not open/, iso(31 * DAY));
  });
});

describe('suspended — Art. 19: support is suspended only while a built center rectifies', () => {
  it('no application-stage command is ever refused as suspended, in any state of the stage', () => {
    for (const [, make] of STATES) {
      const s = make();
      for (const type of APPLICATION_COMMANDS) {
        const checked = checkCommand(s, sample(type, actorOf[COMMAND_ROLES[type][0]!]), iso(DAY));
        if (!checked.ok) expect(checked.refusal.reason).not.toBe('suspended');
      }
    }
  });
});

describe('SPEC §4 — allowedCommands lists exactly the commands of each state, per role', () => {
  const none = { commission: [], university: [], expert: [], scheduler: [], auditor: [] };
  // Art. 12 / SPEC §3a: the commission may record an integrity incident in any live state of the application.
  const incident = 'RECORD_INTEGRITY_INCIDENT' as const;
  // Art. 6, 8(7): the university may record director and staff changes in any live state.
  const changes = ['RECORD_DIRECTOR_CHANGE', 'RECORD_STAFF_CHANGE'] as const;
  const expected: Record<string, Record<Role, CommandType[]>> = {
    awaitingApplication: { ...none, university: ['SUBMIT_APPLICATION'] },
    'application.ineligible': { ...none, university: ['AMEND_APPLICATION', ...changes], commission: [incident] },
    'application.eligible': { ...none, university: ['AMEND_APPLICATION', ...changes], commission: ['ASSIGN_EXPERTS', incident] },
    // Art. 9: the experts' reviews have deadlines the commission may extend (issue 14 item 4).
    'application.inReview': { ...none, expert: ['SUBMIT_REVIEW'], university: [...changes], commission: [incident, 'EXTEND_DEADLINE'] },
    'application.awaitingDecision': { ...none, university: [...changes], commission: ['APPROVE', 'REJECT', incident] },
    'closed.rejected': none,
    'closed.ineligible': none,
    'closed.lapsed': none,
  };

  it.each(STATES.filter(([name]) => name !== ESTABLISHED))('%s', (name, make) => {
    const s = make();
    expect(stateName(s)).toBe(name);
    expect(allowedCommands(s)).toEqual(expected[name]);
  });

  it('once established, no application-stage command is listed for any role', () => {
    const allowed = allowedCommands(established());
    for (const role of ROLES) for (const type of APPLICATION_COMMANDS) expect(allowed[role], role).not.toContain(type);
  });

  it.each(STATES)('in %s, an application-stage command not listed for a role is refused by role or by state', (_name, make) => {
    const s = make();
    const allowed = allowedCommands(s);
    for (const role of ROLES) {
      for (const type of APPLICATION_COMMANDS) {
        if (allowed[role].includes(type)) continue;
        const checked = checkCommand(s, sample(type, actorOf[role]), iso(DAY));
        expect(checked.ok, `${role} ${type}`).toBe(false);
        if (!checked.ok) expect(['forbidden-role', 'not-allowed-in-state']).toContain(checked.refusal.reason);
      }
    }
  });
});

describe('Art. 7, 9 — the call: raise quota (with reason), close early (checkCallCommand)', () => {
  const open: CallState = { status: 'open', quota: 2, approved: [], closesAt: CALL.closesAt, closedEarlyAt: null };
  const closed: CallState = { ...open, status: 'closed', closedEarlyAt: iso(DAY) };
  const raise = (quota: number, actor: Actor = commission) =>
    ({ commandId: commandId(), actor, type: 'RAISE_QUOTA', payload: { quota, reason: 'More strong applications than expected' } }) as const;
  const closeEarly = (actor: Actor = commission) =>
    ({ commandId: commandId(), actor, type: 'CLOSE_EARLY', payload: { reason: 'Enough applications received' } }) as const;

  it('the commission may raise the quota above the current one and close an open call early', () => {
    expect(checkCallCommand(open, raise(3)).ok).toBe(true);
    expect(checkCallCommand(open, closeEarly()).ok).toBe(true);
  });

  it.each([university('bjut'), expertActor(PANEL[0]!), scheduler, auditor])('a $role may not raise the quota or close the call', (actor) => {
    for (const command of [raise(3, actor), closeEarly(actor)]) {
      const r = checkCallCommand(open, command);
      expect(r).toMatchObject({ ok: false, refusal: { reason: 'forbidden-role' } });
      if (!r.ok) expect(r.refusal.message).toMatch(new RegExp(`${command.type} may be sent by commission, not by a ${actor.role}`));
    }
  });

  it('a quota not above the current one is refused as invalid-input, naming both', () => {
    for (const q of [2, 1]) {
      const r = checkCallCommand(open, raise(q));
      expect(r).toMatchObject({ ok: false, refusal: { reason: 'invalid-input' } });
      if (!r.ok) expect(r.refusal.message).toMatch(new RegExp(`new quota \\(${q}\\) must be above the current one \\(2\\)`));
    }
  });

  it('closing a closed call is refused as not-allowed-in-state', () => {
    expect(checkCallCommand(closed, closeEarly())).toEqual({ ok: false, refusal: { reason: 'not-allowed-in-state', message: 'The call is already closed.' } });
  });

  it('raising the quota or closing early without a reason is refused as invalid-input', () => {
    const r = checkCallCommand(open, { ...raise(3), payload: { quota: 3 } });
    expect(r).toMatchObject({ ok: false, refusal: { reason: 'invalid-input' } });
    if (!r.ok) expect(r.refusal.message).toMatch(/payload\.reason/);
    expect(checkCallCommand(open, { ...closeEarly(), payload: { reason: '' } })).toMatchObject({ ok: false, refusal: { reason: 'invalid-input' } });
  });
});
