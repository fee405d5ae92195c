import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Actor, Application, CallInfo, Expert } from '../../machines/domain';
import type { Command } from '../../machines/commands';
import type { CallView } from '../../machines/center';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

/** The example application (all seven Art. 8 conditions met), for university `universityId`. */
export function application(universityId = 'bjut', change?: (a: Application) => void): Application {
  const app = JSON.parse(fs.readFileSync(path.join(examples, 'application.json'), 'utf8')) as Application;
  app.universityId = universityId;
  change?.(app);
  return app;
}

/**
 * Art. 8(4) asks for the three years before the call's year: on the time-skipping server the years move on,
 * so the record is shifted to end the year before `nowMs`.
 */
export function applicationAsOf(universityId: string, nowMs: number): Application {
  // Art. 8(4) counts the years before the call opened (Beijing time), and callInfo(now) opens the call a day before
  // now: anchored on now itself, an application made in the first day of a year named the wrong three years (a
  // time-skipping test whose clock happened to land on 1 January found its center ineligible).
  return applicationFor(universityId, callInfo(nowMs));
}

/**
 * An eligible application to this call: its transfer record covers the three years before the call opened (Art.
 * 8(4)), whatever the year. (`application()` keeps examples/application.json's 2023–2025, eligible for 2026 calls.)
 */
export function applicationFor(universityId: string, call: Pick<CallInfo, 'opensAt'>): Application {
  const callYear = new Date(Date.parse(call.opensAt) + 8 * 3600_000).getUTCFullYear();
  return application(universityId, (a) => {
    const years = a.conditions.transferRecord.years;
    a.conditions.transferRecord.years = years.map((y, i) => ({ ...y, year: callYear - years.length + i }));
  });
}

/** An application that fails Art. 8(7): two full-time professional staff where three are required. */
export const understaffed = (universityId = 'bjut') =>
  application(universityId, (a) => {
    a.conditions.staff = a.conditions.staff.slice(0, 2);
  });

export const commission: Actor = { id: 'operator-1', role: 'commission' };
export const university = (orgId = 'bjut'): Actor => ({ id: `${orgId}-office`, role: 'university', orgId });
export const expertActor = (e: Expert): Actor => ({ id: e.id, role: 'expert', orgId: e.orgId });
export const experts = (orgId = 'pku', n = 3): Expert[] =>
  Array.from({ length: n }, (_, i) => ({ id: `expert-${orgId}-${i + 1}`, name: `Expert ${i + 1}`, orgId }));

export const commandId = () => `cmd-${randomUUID()}`;

export function cmd<T extends Command['type']>(type: T, actor: Actor, payload: Extract<Command, { type: T }>['payload'], id = commandId()): Command {
  return { commandId: id, actor, type, payload } as Command;
}

/** A call whose window is open now (relative to `now`). */
export function callInfo(now: number, over: Partial<CallInfo> = {}): CallInfo {
  return {
    callId: 'call-2026',
    title: '2026 call for promotion centers',
    opensAt: new Date(now - 24 * 3600_000).toISOString(),
    closesAt: new Date(now + 30 * 24 * 3600_000).toISOString(),
    quota: 2,
    ...over,
  };
}

export const callView = (info: CallInfo, over: Partial<CallView> = {}): CallView => ({ ...info, approvedCount: 0, closedEarlyAt: null, ...over });

import type { AnnualSummary, DimensionScores, FundingRequest, ReserveResult } from '../../machines/domain';

export const promotionRequest = (amountFen = 500_000_00): FundingRequest => ({
  kind: 'promotion',
  title: 'Patent pre-application assessment service',
  tasks: ['Assess 200 invention disclosures', 'Train 40 tech-transfer staff'],
  amountFen,
  budgetLines: [],
  opinions: [],
});

/** Art. 15: a guidance project, transferring the named results of the center's reserve (reserveResult). */
export const guidanceRequest = (amountFen = 1_200_000_00, reserveEntries: string[] = ['p-guidance']): FundingRequest => ({
  kind: 'guidance',
  title: 'Pilot production of a low-carbon concrete additive',
  tasks: ['Pilot line with a partner enterprise'],
  amountFen,
  budgetLines: [],
  opinions: [{ from: 'Beijing Technology Exchange', kind: 'professionalBody', opinion: 'Clear market prospects' }],
  reserveEntries,
});

/** Op. 4(4): a patent of the center's reserve. */
export const reserveResult = (resultId = 'p-guidance', valueFen = 3_000_000_00): ReserveResult => ({ resultId, kind: 'patent', title: `Patent ${resultId}`, valueFen });

export const annualSummary = (): AnnualSummary => ({
  indicators: {
    patentApplications: 120,
    patentGrants: 64,
    preApplicationAssessments: 180,
    transfers: {
      assignment: { count: 12, contractAmountFen: 1_800_000_00 },
      licence: { count: 20, contractAmountFen: 900_000_00 },
      equityInvestment: { count: 3, contractAmountFen: 2_500_000_00 },
      spinOff: { count: 2, contractAmountFen: 600_000_00 },
    },
    peopleTrained: 85,
  },
  progress: {
    mechanismInnovation: 'Transfer income rules revised',
    ipManagement: 'Disclosure system for service inventions running',
    talentTraining: 'Two training courses held',
    resourceSharing: 'Patent pool of 300 patents online',
    professionalServices: 'Legal and valuation services for 45 projects',
  },
});

export const scores = (v: number): DimensionScores => ({
  mechanismInnovation: v,
  ipManagement: v,
  talentTraining: v,
  resourceSharing: v,
  professionalServices: v,
});
