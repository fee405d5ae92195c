/**
 * The worker's check of a center's or a call's workflow start (docs/security.md "Forged starts"): the workflow cannot hold the
 * secret (its code is deterministic and its inputs are in history), so a worker checks the signature for it, once,
 * as the first step of a run that was not continued from another.
 */
import { resolveStartSecret, verifyStart, type SignedStartFields, type StartVerdict } from '../config/start-secret';

export interface VerifyStartInput {
  fields: SignedStartFields;
  signature: unknown;
  /** The workflow's start time (workflowInfo().startTime): the signature's age is measured to it. */
  startedAtMs: number;
}

export function createStartActivities(deps: { startSecret?: string }) {
  return {
    async verifyStart({ fields, signature, startedAtMs }: VerifyStartInput): Promise<StartVerdict> {
      return verifyStart(resolveStartSecret(deps.startSecret), fields, signature, startedAtMs);
    },
  };
}
