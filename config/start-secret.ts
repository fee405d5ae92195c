/**
 * The service's signature on a center's or a call's workflow start (docs/security.md "Forged starts"). Anyone who may start
 * workflows in the namespace could start `centerWorkflow` under a university's workflow id with an input of their
 * own — a lenient policy, a made-up call — and the university's real application would then be judged by it. So
 * the service (client/operations.ts, the only place that starts centers) signs what the start fixes — the workflow
 * id, the center, the university, the call and the policy — with HMAC-SHA256 under a secret the workers share, and
 * the workflow's first step has a worker check it (activities/start.ts: verifyStart). A start without the service's
 * signature, or one older than START_SIGNATURE_TTL_MS (an old signed input started again), fails at once, before
 * anything is written.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonical } from '../machines/fingerprint';
import { repoRoot } from './index';

/** Where the secret lives when temporal.startSecret is not set: every process of this checkout shares it. */
export const START_SECRET_FILE = path.join(repoRoot, 'data', 'start-secret');

/**
 * How long a signature is good for after it was made: a real start follows its signing within seconds (the
 * client's retries included); a start of an old signed input (read from a closed center's history) is refused.
 * One hour leaves room for clocks a few minutes apart between a client host and the Temporal server.
 */
export const START_SIGNATURE_TTL_MS = 60 * 60 * 1000;

/**
 * What a start fixes, and the signature covers: the workflow id and, for a center, the center, the university, the
 * call and the policy; for a call, the call, who opened it and the command id. `kind` keeps one kind's signature
 * from passing for the other's.
 */
export type SignedStartFields =
  | { kind: 'center'; workflowId: string; centerId: string; universityId: string; call: unknown; policy: unknown }
  | { kind: 'call'; workflowId: string; call: unknown; openedBy: unknown; commandId: string };

const VERSION = 'v1';

/** The secret file's text, created once (atomically: written aside, then linked in, so no reader sees it half-written). */
export function startSecretFromFile(file = START_SECRET_FILE): string {
  const read = () => fs.readFileSync(file, 'utf8').trim();
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(aside, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    fs.linkSync(aside, file);
  } catch (err) {
    // Another process linked its own first: use that one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return read();
}

let fromFile: string | undefined;
/** The configured secret, or this checkout's file (read once per process). */
export function resolveStartSecret(configured: string | null | undefined): string {
  if (configured) return configured;
  return (fromFile ??= startSecretFromFile());
}

const mac = (secret: string, fields: SignedStartFields, signedAt: string) =>
  createHmac('sha256', secret).update(canonical({ ...fields, signedAt, version: VERSION })).digest('base64url');

/**
 * `v1:<signed at, ms since the epoch>:<mac>`: the time is in the clear so the worker can tell an old signature from
 * a forged one.
 */
export function signStart(secret: string, fields: SignedStartFields, signedAtMs: number): string {
  const ms = Math.trunc(signedAtMs);
  return `${VERSION}:${ms}:${mac(secret, fields, new Date(ms).toISOString())}`;
}

export type StartVerdict = { ok: true } | { ok: false; reason: string };

/** Checks a start's signature against its fields, and its age against the workflow's start time. */
export function verifyStart(secret: string, fields: SignedStartFields, signature: unknown, startedAtMs: number): StartVerdict {
  if (typeof signature !== 'string' || !signature) return { ok: false, reason: 'the start carries no signature of the service' };
  const [version, ms, given, ...rest] = signature.split(':');
  const signedAt = /^\d{1,15}$/.test(ms ?? '') ? new Date(Number(ms)).toISOString() : '';
  if (version !== VERSION || !signedAt || !given || rest.length) return { ok: false, reason: 'the start signature is not one the service makes' };
  const expected = Buffer.from(mac(secret, fields, signedAt));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: 'the start signature does not match its input (not signed by this service, or signed with another start secret)' };
  }
  const age = startedAtMs - Date.parse(signedAt);
  if (!(age <= START_SIGNATURE_TTL_MS)) return { ok: false, reason: `the start was signed at ${signedAt}, more than an hour before the workflow started` };
  return { ok: true };
}
