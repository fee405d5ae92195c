/**
 * The errors of a command's answer, on either path (Temporal directly, or the HTTP API): light, so the CLI's API
 * path never loads the Temporal SDK.
 */
import type { RefusalReason } from '../machines/core';

/** A command refused by the statechart or the rules (docs/specification.md §3a); `reason` is one of the named reasons. */
export class CommandRefusedError extends Error {
  override readonly name = 'CommandRefusedError';
  constructor(
    readonly reason: RefusalReason | string,
    message: string,
  ) {
    super(message);
  }
}

/** Something the user asked for does not exist (no such call or center). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
