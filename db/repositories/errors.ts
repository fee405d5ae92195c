/**
 * Errors a writer raises when a record does not fit the rows already stored. They carry no Temporal types
 * (db/ does not depend on the SDK); the activities translate them into retryable or non-retryable failures.
 */

/** The record depends on a row an earlier transition writes, not persisted yet: a retry may succeed. */
export class RecordNotReadyError extends Error {
  override readonly name = 'RecordNotReadyError';
}

/** The record contradicts the rows already stored: retrying the same input can never succeed. */
export class RecordConflictError extends Error {
  override readonly name = 'RecordConflictError';
}
