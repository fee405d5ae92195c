/**
 * The center's organisation and integrity, in any live state: a new director (Art. 6: the head of the university's
 * tech-transfer management department), the staff as they now are (Art. 8(7): a change that leaves fewer qualified
 * full-time staff than the minimum is flagged), and integrity incidents the commission records (Art. 12), which
 * evaluators see with the evaluations.
 */
import { z } from 'zod';
import { defineCommands, effect } from '../core';
import { PlausibleDate } from '../text';
import type { CenterContext } from '../context';
import { DirectorSchema, IntegrityIncidentSchema, ReasonSchema, StaffMemberSchema, type IntegrityIncident } from '../domain';
import { qualifiedStaffCount } from '../eligibility';
import type { EventOf } from '../commands';

export interface IncidentEntry {
  incidentId: string;
  incident: IntegrityIncident;
  recordedAt: string;
  recordedBy: string;
}

const change = { 'effective-on': { field: 'effectiveOn', value: 'YYYY-MM-DD', description: 'the date the change takes effect', required: true }, reason: { field: 'reason', value: 'TEXT', description: 'why (recorded with the change)', required: true } } as const;

export const organisationCommands = defineCommands({
  RECORD_INTEGRITY_INCIDENT: {
    stage: 'organisation',
    article: 'Art. 12',
    summary: 'Record an integrity incident (ethical, legal, credit) against a center',
    roles: ['commission'],
    host: 'center',
    payload: z.object({ incident: IntegrityIncidentSchema }).strict(),
    cli: {
      name: 'incident record',
      target: 'center',
      file: { field: 'incident', description: 'the incident: { occurredOn: "YYYY-MM-DD", category, severity, description } or { "incident": ... }' },
      details:
        'Art. 12: guarding against ethical and legal risk; incidents are shown to evaluators with the evaluations.\n' +
        'severity is minor (the default), serious or severe; with a severe incident in the cycle, an "excellent" grade\n' +
        'needs a written reason (policy severeIncidentExcellentNeedsReason).',
      examples: ['centers incident record bjut --file examples/incident.json'],
    },
  },
  RECORD_DIRECTOR_CHANGE: {
    stage: 'organisation',
    article: 'Art. 6',
    summary: 'Record a new director of the center, with the date it takes effect and a reason',
    roles: ['university'],
    host: 'center',
    payload: z.object({ director: DirectorSchema, effectiveOn: PlausibleDate, reason: ReasonSchema }).strict(),
    cli: {
      name: 'director change',
      target: 'center',
      file: { field: 'director', description: 'the director: { name, title, department } or { "director": ... }' },
      options: change,
      details: "Art. 6: the director heads the university's tech-transfer management department; changes are recorded events.",
      examples: ['centers director change bjut --file examples/director-change.json --effective-on 2027-09-01 --reason "Wang Li retired" --as university:bjut-office@bjut'],
    },
  },
  RECORD_STAFF_CHANGE: {
    stage: 'organisation',
    article: 'Art. 8(7)',
    summary: "Record the center's staff as they now are (falling below the Art. 8(7) minimum is flagged)",
    roles: ['university'],
    host: 'center',
    payload: z.object({ staff: z.array(StaffMemberSchema).max(500), effectiveOn: PlausibleDate, reason: ReasonSchema }).strict(),
    cli: {
      name: 'staff change',
      target: 'center',
      file: { field: 'staff', description: 'the whole staff: [{ name, fullTime, background }] or { "staff": [...] }' },
      options: change,
      details: 'Art. 8(7): at least three full-time staff with a tech-transfer, IP, law or finance background.',
      examples: ['centers staff change bjut --file examples/staff-change.json --effective-on 2027-09-01 --reason "A patent attorney joined" --as university:bjut-office@bjut'],
    },
  },
});

type Change = EventOf<'RECORD_DIRECTOR_CHANGE' | 'RECORD_STAFF_CHANGE'>;

export const organisationAssigners = {
  recordIncident: (ctx: CenterContext, event: EventOf<'RECORD_INTEGRITY_INCIDENT'>): Partial<CenterContext> => ({
    incidents: [...ctx.incidents, { incidentId: `incident-${ctx.incidents.length + 1}`, incident: event.incident, recordedAt: event.meta.at, recordedBy: event.meta.actor.id }],
  }),
  recordDirectorChange: (ctx: CenterContext, event: EventOf<'RECORD_DIRECTOR_CHANGE'>): Partial<CenterContext> => ({ director: event.director, organisationChanges: ctx.organisationChanges + 1 }),
  recordStaffChange: (ctx: CenterContext, event: EventOf<'RECORD_STAFF_CHANGE'>): Partial<CenterContext> => ({ staff: event.staff, organisationChanges: ctx.organisationChanges + 1 }),
};

const incidentRecord = effect<EventOf<'RECORD_INTEGRITY_INCIDENT'>>((ctx) => [{ kind: 'integrityIncident', centerId: ctx.centerId, ...ctx.incidents.at(-1)! }]);
const changeRecord = effect<Change>((ctx, event) => [
  {
    kind: 'organisationChange',
    centerId: ctx.centerId,
    changeId: `org-${ctx.organisationChanges}`,
    change: event.type === 'RECORD_DIRECTOR_CHANGE' ? 'director' : 'staff',
    details: event.type === 'RECORD_DIRECTOR_CHANGE' ? event.director : event.staff,
    effectiveOn: event.effectiveOn,
    reason: event.reason,
    // Art. 8(7): fewer qualified full-time staff than the minimum after this change.
    belowStaffMinimum: qualifiedStaffCount(ctx.staff, ctx.policy) < ctx.policy.minFullTimeStaff,
    recordedAt: event.meta.at,
    recordedBy: event.meta.actor.id,
  },
]);

/** Taken in every live state of the application and the building (machines/center.ts). */
export const organisationHandlers = {
  RECORD_INTEGRITY_INCIDENT: { actions: ['recordIncident', incidentRecord] },
  RECORD_DIRECTOR_CHANGE: { actions: ['recordDirectorChange', changeRecord] },
  RECORD_STAFF_CHANGE: { actions: ['recordStaffChange', changeRecord] },
} as const;
