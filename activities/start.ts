/**
 * The worker's check of a center workflow's start (docs/security.md "Forged starts"): the workflow cannot hold the
 * secret (its code is deterministic and its inputs are in history), so a worker checks the signature for it, once,
 * as the first step of a run that was not continued from another.
 */
import { resolveStartSecret, verifyCenterStart, type SignedStartFields, type StartVerdict } from '../config/start-secret';

export interface VerifyCenterStartInput {
  fields: Omit<SignedStartFields, 'signedAt'>;
  signature: unknown;
  /** The workflow's start time (workflowInfo().startTime): the signature's age is measured to it. */
  startedAtMs: number;
}

export function createStartActivities(deps: { startSecret?: string }) {
  return {
    async verifyCenterStart({ fields, signature, startedAtMs }: VerifyCenterStartInput): Promise<StartVerdict> {
      return verifyCenterStart(resolveStartSecret(deps.startSecret), fields, signature, startedAtMs);
    },
  };
}
