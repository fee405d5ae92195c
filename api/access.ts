/**
 * Who may read what (docs/specification.md §3a, last row): a university its own centers, an expert the centers it
 * was assigned to (at the application or an evaluation, Art. 9, 18), the commission and auditors everything, the
 * scheduler the centers' states and deadlines; anyone, without logging in, the published notices (Art. 19).
 */
import type { Repositories } from '../db/repositories';
import type { Role } from '../machines/vocabulary';
import type { Identity } from './identities';
import { ProblemError } from './problem';

/**
 * What a read shows, from the least to the most private:
 *   - `state`: a center's state, deadlines and allowed commands;
 *   - `dossier`: what its reviewers need — applications, summaries, evaluations, integrity incidents (Art. 12);
 *   - `accounts`: funding and the ledger, audit rows, the history's timeline, replay and reconciliation.
 */
export type ReadScope = 'state' | 'dossier' | 'accounts';

const EVERYTHING: readonly Role[] = ['commission', 'auditor'];

/** The center ids an identity may list: null for all of them. */
export async function visibleCenters(identity: Identity, repos: Repositories): Promise<{ universityId?: string; centerIds?: string[] } | null> {
  switch (identity.role) {
    case 'commission':
    case 'auditor':
    case 'scheduler':
      return null;
    case 'university':
      return { universityId: identity.orgId ?? '\u0000' };
    case 'expert':
      return { centerIds: await repos.assignedCenters(identity.userId) };
  }
}

/** Refuses, naming the reason, a read of a center the identity may not see at this scope. */
export async function authorizeCenterRead(
  identity: Identity,
  center: { centerId: string; universityId: string },
  scope: ReadScope,
  repos: Repositories,
): Promise<void> {
  if (EVERYTHING.includes(identity.role)) return;
  switch (identity.role) {
    case 'scheduler':
      if (scope === 'state') return;
      throw new ProblemError('forbidden-role', `The scheduler reads centers' states and deadlines only, not their ${scope === 'dossier' ? 'dossiers' : 'accounts'}.`);
    case 'university':
      if (identity.orgId === center.universityId) return;
      throw new ProblemError('wrong-organisation', `Center ${center.centerId} belongs to university ${center.universityId}; you act for ${identity.orgId}.`);
    case 'expert': {
      if (scope === 'accounts') throw new ProblemError('forbidden-role', "An expert reads the dossiers assigned to them, not a center's accounts or audit trail.");
      const assigned = await repos.assignedCenters(identity.userId);
      if (assigned.includes(center.centerId)) return;
      throw new ProblemError('not-assigned', `You were not assigned to center ${center.centerId}; an expert reads only what the commission assigned them (Art. 9, 18).`);
    }
  }
}

/** Refuses a read that only some roles may make at all (users, calls' applicants, reconciling every center). */
export function requireRole(identity: Identity, roles: readonly Role[], what: string): void {
  if (!roles.includes(identity.role)) throw new ProblemError('forbidden-role', `${what} is for ${roles.join(' or ')}, not a ${identity.role}.`);
}

/**
 * Evidence files (issue 14 item 3) are read like the record they belong to: a funding request's opinions (Art. 15)
 * with the center's accounts, every other file (application, summary, evaluation, rectification) with its dossier.
 * A file attached to several records needs the most private of their scopes.
 */
export function evidenceScope(ownerKinds: readonly string[]): ReadScope {
  return ownerKinds.includes('fundingRequest') || ownerKinds.includes('spending') ? 'accounts' : 'dossier';
}
