/**
 * The evidence content store (issue 14 item 3): files kept outside the workflow history, each under its SHA-256 —
 * <dir>/<first two hex digits>/<sha256> — so a command carries only the hash and the history and the database name
 * the file by it. Writing is atomic (a temporary file renamed into place) and idempotent (the same bytes are the same
 * file: storing them again changes nothing). A file's type is recognised from its first bytes, not taken from its
 * name or the sender's word, and checked with its size against the configured limits (config `evidence`).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../config';
import type { EvidenceRef } from '../machines/evidence';
import { Sha256Schema } from '../machines/evidence';

export type EvidenceLimits = AppConfig['evidence'];

const OOXML = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
} as const;

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * The media type of a file from its first bytes: PDF, PNG, JPEG, or an Office Open XML document (a ZIP archive
 * holding [Content_Types].xml and the part its kind names: word/, xl/ or ppt/). Null for anything else.
 */
export function sniffMediaType(bytes: Uint8Array): string | null {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    // The ZIP's entry names are stored uncompressed in its local headers and central directory.
    const names = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    if (!names.includes('[Content_Types].xml')) return null;
    if (names.includes('word/')) return OOXML.docx;
    if (names.includes('xl/')) return OOXML.xlsx;
    if (names.includes('ppt/')) return OOXML.pptx;
  }
  return null;
}

/** A file the store refuses, with what to do instead. */
export class EvidenceRejectedError extends Error {
  override readonly name = 'EvidenceRejectedError';
  readonly reason = 'invalid-input';
}

/** What `check` finds of a stored file. */
export type EvidenceCheck = { status: 'ok'; path: string } | { status: 'missing'; path: string } | { status: 'changed'; path: string; actual: string };

export interface EvidenceStore {
  readonly dir: string;
  readonly limits: EvidenceLimits;
  /** Where the file of this hash lives (whether or not it is there). */
  pathOf(sha256: string): string;
  /** Checks and stores the bytes; answers their reference. The same bytes again: the same reference, nothing rewritten. */
  put(bytes: Uint8Array, name: string): Promise<EvidenceRef>;
  /** Whether a file of this hash is stored. */
  has(sha256: string): Promise<boolean>;
  /** The stored bytes, checked against their hash; null when not stored. A changed file throws, naming it. */
  read(sha256: string): Promise<Buffer | null>;
  /** The stored file against its hash: ok, missing, or changed (with the hash it now has). */
  check(sha256: string): Promise<EvidenceCheck>;
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function createEvidenceStore(limits: EvidenceLimits): EvidenceStore {
  const dir = limits.dir;
  const pathOf = (sha256: string) => {
    if (!Sha256Schema.safeParse(sha256).success) throw new EvidenceRejectedError(`"${sha256}" is not a SHA-256 digest (64 lowercase hex digits).`);
    return path.join(dir, sha256.slice(0, 2), sha256);
  };
  const exists = async (p: string) => fs.promises.access(p).then(
    () => true,
    () => false,
  );
  async function check(sha256: string): Promise<EvidenceCheck> {
    const p = pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', path: p };
      throw err;
    }
    const actual = sha256Of(bytes);
    return actual === sha256 ? { status: 'ok', path: p } : { status: 'changed', path: p, actual };
  }
  return {
    dir,
    limits,
    pathOf,
    async put(bytes, name) {
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
      if (bytes.byteLength === 0) throw new EvidenceRejectedError(`${name} is empty: attach the document itself.`);
      if (bytes.byteLength > limits.maxBytes) {
        throw new EvidenceRejectedError(`${name} is ${mb(bytes.byteLength)}, more than the ${mb(limits.maxBytes)} an evidence file may be (evidence.maxBytes): split or compress it.`);
      }
      const mediaType = sniffMediaType(bytes);
      if (mediaType === null || !(limits.mediaTypes as readonly string[]).includes(mediaType)) {
        throw new EvidenceRejectedError(
          `${name} is ${mediaType === null ? 'of a type the store does not recognise' : mediaType}: an evidence file is one of ${limits.mediaTypes.join(', ')} (recognised from its content, not its name); convert it, e.g. to PDF.`,
        );
      }
      const sha256 = sha256Of(bytes);
      const target = pathOf(sha256);
      const ref: EvidenceRef = { sha256, name: path.basename(name), mediaType, sizeBytes: bytes.byteLength };
      // Idempotent: the same bytes are already there — unless the stored copy was changed, which is rewritten.
      if ((await check(sha256)).status === 'ok') return ref;
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${randomUUID()}.tmp`;
      try {
        await fs.promises.writeFile(temp, bytes, { flag: 'wx', mode: 0o640 });
        await fs.promises.rename(temp, target);
      } finally {
        await fs.promises.rm(temp, { force: true });
      }
      return ref;
    },
    has: async (sha256) => exists(pathOf(sha256)),
    async read(sha256) {
      const p = pathOf(sha256);
      let bytes: Buffer;
      try {
        bytes = await fs.promises.readFile(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      const actual = sha256Of(bytes);
      if (actual !== sha256) throw new Error(`The stored evidence file ${p} no longer matches its hash (it is now ${actual}): restore it from a backup; \`centers audit reconcile\` lists every such file.`);
      return bytes;
    },
    check,
  };
}

/**
 * The references a command names that are not in the store, as one sentence saying to upload them; null when all
 * are stored. Checked before anything is sent, so a command naming an unknown file leaves no trace.
 */
export async function missingEvidence(store: Pick<EvidenceStore, 'has'>, refs: readonly EvidenceRef[]): Promise<string | null> {
  const missing: EvidenceRef[] = [];
  for (const ref of refs) if (!(await store.has(ref.sha256))) missing.push(ref);
  if (missing.length === 0) return null;
  return (
    `${missing.map((r) => `${r.name} (sha256 ${r.sha256})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the evidence store: ` +
    'upload each file first (POST /api/v1/evidence, or give it to the command with --attach FILE), then send the command again.'
  );
}
