/**
 * Errors as RFC 9457 problem details (`application/problem+json`): every refusal carries the reason of the
 * authorisation contract (docs/specification.md §3a) and its sentence, with the HTTP status that fits it.
 */
import { z } from 'zod';
import { REFUSAL_REASONS, type RefusalReason } from '../machines/core';

/** The reasons an API request can fail besides the §3a refusals. */
export const API_REASONS = ['unauthenticated', 'not-found', 'rate-limited', 'csrf', 'unavailable', 'internal'] as const;
export type ApiReason = (typeof API_REASONS)[number];
export type ProblemReason = RefusalReason | ApiReason;

export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI naming the reason: urn:centers:problem:<reason>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('A sentence a person can act on'),
    reason: z.enum([...REFUSAL_REASONS, ...API_REASONS]),
    instance: z.string().optional(),
    /** For invalid input: each bad field and what is wrong with it. */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');
export type Problem = z.infer<typeof ProblemSchema>;

/**
 * The status of each reason. A schema violation is 400 (set by the caller); `invalid-input` raised by a rule of the
 * regulation (a grant above the request, an override without a reason) is 422; the caller's identity may not do it:
 * 403; the center is not where the command can be taken: 409.
 */
const STATUS: Record<ProblemReason, number> = {
  'invalid-input': 422,
  'forbidden-role': 403,
  'wrong-organisation': 403,
  'not-assigned': 403,
  'conflict-of-interest': 422,
  'not-allowed-in-state': 409,
  'quota-exceeded': 409,
  'over-ceiling': 422,
  'over-budget': 422,
  'deadline-passed': 409,
  suspended: 409,
  conflict: 409,
  unauthenticated: 401,
  'not-found': 404,
  'rate-limited': 429,
  csrf: 403,
  unavailable: 503,
  internal: 500,
};

const TITLE: Record<ProblemReason, string> = {
  'invalid-input': 'Invalid input',
  'forbidden-role': 'Not for this role',
  'wrong-organisation': 'Another organisation',
  'not-assigned': 'Not assigned',
  'conflict-of-interest': 'Conflict of interest',
  'not-allowed-in-state': 'Not allowed in this state',
  'quota-exceeded': 'Quota exceeded',
  'over-ceiling': 'Over the funding ceiling',
  'over-budget': 'Over the budget line',
  'deadline-passed': 'Deadline passed',
  suspended: 'Support suspended',
  conflict: 'Command id already used for another command',
  unauthenticated: 'Authentication required',
  'not-found': 'Not found',
  'rate-limited': 'Too many requests',
  csrf: 'CSRF token missing or wrong',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

export const isProblemReason = (r: string): r is ProblemReason => r in STATUS;

/** An error a route throws to answer with a problem. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  constructor(
    readonly reason: ProblemReason,
    message: string,
    opts: { status?: number; errors?: { path: string; message: string }[] } = {},
  ) {
    super(message);
    this.status = opts.status ?? STATUS[reason];
    this.errors = opts.errors;
  }
  readonly errors?: { path: string; message: string }[];
}

export function problem(reason: ProblemReason, detail: string, opts: { status?: number; instance?: string; errors?: Problem['errors'] } = {}): Problem {
  return {
    type: `urn:centers:problem:${reason}`,
    title: TITLE[reason],
    status: opts.status ?? STATUS[reason],
    detail,
    reason,
    ...(opts.instance ? { instance: opts.instance } : {}),
    ...(opts.errors ? { errors: opts.errors } : {}),
  };
}
