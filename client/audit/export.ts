/**
 * A center's dossier as one file (issue 15 item 6): every run of its workflow history, its audit rows with their
 * hash chain, the rows of every record table the dossier reconcile reads, and its evidence files' hashes (not their
 * contents). `centers audit export` writes it; `audit replay --file` and `audit verify --file` read it with no
 * Temporal server and no database, so an auditor can check a center on a machine that has neither.
 *
 * The file is gzipped JSON: one document the replay and the chain check read as they read the server's and the
 * database's answers (the histories in the proto JSON of `temporal workflow show --output json`, the audit rows in
 * the db/schemas shape). Each part carries its SHA-256 (over a canonical JSON: keys sorted, no spaces), and the
 * archive the SHA-256 of those digests, so a corrupted or edited file is refused naming the part that no longer
 * matches. The digests are no signature: someone who rewrites a part and its digests is caught by the checks of the
 * content itself (the audit rows' hash chain, the replay, the history against the audit rows).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { z } from 'zod';
import { AuditChainSchema, EvidenceFilesSchema, type AuditChainRow } from '../../db/schemas';
import { parseJsonText } from '../args';
import { InputError } from '../errors';
import { DOSSIER_TABLES, type Dossier, type DossierTableName } from './dossier';
import { historyFileRun, parseHistoryJson, type RunHistory } from './history';
import { historyToJSON } from './proto-json';

export const ARCHIVE_FORMAT = 'centers-audit-export';
export const ARCHIVE_VERSION = 1;

/** A gzipped archive inflating beyond this is refused (a center's histories are megabytes, not gigabytes). */
const MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest (64 lowercase hex digits)');
const TABLE_NAMES = DOSSIER_TABLES.map((t) => t.table) as [DossierTableName, ...DossierTableName[]];

/** What the export found of each evidence file in the content store: the file itself is not in the archive. */
export const EVIDENCE_STORE_STATES = ['ok', 'missing', 'changed', 'unchecked'] as const;

/** One evidence file, by its hash: what the evidence_files rows say of it, and the store's answer at export time. */
export const ArchiveEvidenceSchema = EvidenceFilesSchema.pick({ sha256: true, mediaType: true, sizeBytes: true }).extend({
  stored: z.enum(EVIDENCE_STORE_STATES),
});
export type ArchiveEvidence = z.infer<typeof ArchiveEvidenceSchema>;

/** One run: its ids and its history as proto JSON (what `temporal workflow show --output json` writes). */
const ArchiveRunSchema = z.object({ workflowId: z.string().min(1), runId: z.string().min(1), history: z.object({ events: z.array(z.unknown()).min(1) }).passthrough() });

/** The archive's content: everything its digests cover. */
export const ArchiveContentSchema = z.object({
  centerId: z.string().min(1),
  workflowId: z.string().min(1),
  exportedAt: z.string().datetime({ offset: true }),
  /** Every run of the center's workflow, first → last (across continue-as-new). */
  runs: z.array(ArchiveRunSchema),
  /** The center's audit rows with prev_hash and hash, in seq order, as the database held them. */
  auditRows: z.array(AuditChainSchema),
  /** Every dossier table's rows of the center (client/audit/dossier.ts), as the repositories answer them. */
  records: z.record(z.enum(TABLE_NAMES), z.array(z.record(z.unknown()))),
  /** The center's evidence files, one per hash. */
  evidence: z.array(ArchiveEvidenceSchema),
});
export type ArchiveContent = z.infer<typeof ArchiveContentSchema>;

export const ArchiveDigestsSchema = z.object({
  /** Of the center, workflow and export time. */
  manifest: sha256,
  /** One per run, in order. */
  runs: z.array(sha256),
  auditRows: sha256,
  records: z.record(z.enum(TABLE_NAMES), sha256),
  evidence: sha256,
});
export type ArchiveDigests = z.infer<typeof ArchiveDigestsSchema>;

export const ArchiveSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  /** SHA-256 of the canonical JSON of `digests`. */
  digest: sha256,
  digests: ArchiveDigestsSchema,
  content: ArchiveContentSchema,
});
export type Archive = z.infer<typeof ArchiveSchema>;

/** JSON with every object's keys sorted and no spaces: one text for one value, whoever wrote the file. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const digestOf = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** The digests of each part of the content. */
export function archiveDigests(content: ArchiveContent): ArchiveDigests {
  const { centerId, workflowId, exportedAt } = content;
  return {
    manifest: digestOf({ centerId, workflowId, exportedAt }),
    runs: content.runs.map(digestOf),
    auditRows: digestOf(content.auditRows),
    records: Object.fromEntries(Object.entries(content.records).map(([table, rows]) => [table, digestOf(rows)])),
    evidence: digestOf(content.evidence),
  };
}

/** What a center's export is made of, as read from Temporal and the database. */
export interface ArchiveSource {
  centerId: string;
  workflowId: string;
  runs: readonly RunHistory[];
  auditRows: readonly AuditChainRow[];
  records: Dossier;
  evidence: readonly ArchiveEvidence[];
  exportedAt?: Date;
}

/** The archive of a center (pure: it puts together what it is given). */
export function buildArchive(source: ArchiveSource): Archive {
  const content = ArchiveContentSchema.parse({
    centerId: source.centerId,
    workflowId: source.workflowId,
    exportedAt: (source.exportedAt ?? new Date()).toISOString(),
    runs: source.runs.map((r) => ({ workflowId: r.workflowId, runId: r.runId, history: JSON.parse(historyToJSON(r.history)) as unknown })),
    auditRows: [...source.auditRows].sort((a, b) => a.seq - b.seq),
    // Through JSON: a row holds only what a file can (an instant as its text), as the reader will see it.
    records: JSON.parse(JSON.stringify(Object.fromEntries(DOSSIER_TABLES.map(({ table }) => [table, source.records[table] ?? []])))) as unknown,
    evidence: source.evidence,
  });
  return sealArchive(content);
}

/** The archive of a content: its parts' digests and the digest of those. */
export function sealArchive(content: ArchiveContent): Archive {
  const digests = archiveDigests(content);
  return { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, digest: digestOf(digests), digests, content };
}

/** The archive as its file's bytes. */
export const archiveBytes = (archive: Archive): Buffer => zlib.gzipSync(Buffer.from(JSON.stringify(archive)));

/** Writes the file whole or not at all (a temporary file renamed into place); an existing file is not replaced. */
export function writeArchive(file: string, archive: Archive): number {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new InputError(`${file} already exists; give another --out path, or move the old export away first.`);
  const bytes = archiveBytes(archive);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes, { flag: 'wx' });
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`Cannot write ${file} (${code ?? (err as Error).message}); give an --out path in a folder you can write.`);
  }
  return bytes.length;
}

/** A part of the archive whose content no longer gives the digest it carries. */
export interface ArchiveMismatch {
  part: string;
  expected: string;
  actual: string;
}

/** An archive read back: its content, and the parts that do not match their digests (empty when intact). */
export interface OpenedArchive {
  archive: Archive;
  mismatches: ArchiveMismatch[];
}

/** The first gzip bytes: an archive, as opposed to a single history's JSON. */
export const isArchiveBytes = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Every part whose digest differs, named as a reader finds it (run 2 (id), audit rows, records funding_ledger). */
export function checkArchive(archive: Archive): ArchiveMismatch[] {
  const actual = archiveDigests(archive.content);
  const given = archive.digests;
  const out: ArchiveMismatch[] = [];
  const check = (part: string, expected: string | undefined, got: string | undefined) => {
    if (expected !== got) out.push({ part, expected: expected ?? '(none)', actual: got ?? '(none)' });
  };
  check('manifest (center, workflow, export time)', given.manifest, actual.manifest);
  if (given.runs.length !== actual.runs.length) out.push({ part: 'runs (how many)', expected: String(given.runs.length), actual: String(actual.runs.length) });
  actual.runs.forEach((d, i) => check(`run ${i + 1} (${archive.content.runs[i].runId}) history`, given.runs[i], d));
  check('audit rows', given.auditRows, actual.auditRows);
  for (const table of new Set([...Object.keys(given.records), ...Object.keys(actual.records)]) as Set<DossierTableName>) {
    check(`records ${table}`, given.records[table], actual.records[table]);
  }
  check('evidence hashes', given.evidence, actual.evidence);
  // The digests themselves: an edit that rewrote a part's digest but not the archive's.
  if (out.length === 0) check('digests', archive.digest, digestOf(given));
  return out;
}

/** Parses and checks an archive's bytes; throws InputError naming what is malformed. */
export function parseArchive(bytes: Uint8Array, label: string): OpenedArchive {
  let text: string;
  try {
    text = zlib.gunzipSync(bytes, { maxOutputLength: MAX_ARCHIVE_BYTES }).toString('utf8');
  } catch (err) {
    throw new InputError(`${label} is not a readable audit export (gzip: ${(err as Error).message}); export it again with \`centers audit export <center>\`.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${label} is not a readable audit export (its content is not JSON: ${(err as Error).message}).`);
  }
  const head = z.object({ format: z.literal(ARCHIVE_FORMAT), version: z.number() }).safeParse(json);
  if (!head.success) throw new InputError(`${label} is not an audit export of \`centers audit export\` (no "format": "${ARCHIVE_FORMAT}").`);
  if (head.data.version !== ARCHIVE_VERSION) {
    throw new InputError(`${label} is an audit export of version ${head.data.version}; this checkout reads version ${ARCHIVE_VERSION}. Use the release that wrote it, or export again.`);
  }
  const parsed = ArchiveSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(
      `${label} is not a valid audit export:`,
      parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(archive)', message: i.message })),
    );
  }
  return { archive: parsed.data, mismatches: checkArchive(parsed.data) };
}

/** Reads an archive file ("-": standard input). */
export function readArchiveFile(file: string): OpenedArchive {
  return parseArchive(readArchiveBytes(file), file === '-' ? 'standard input' : file);
}

/** The bytes of a file given to --file ("-": standard input), with a message an operator can act on. */
export function readArchiveBytes(file: string): Buffer {
  const label = file === '-' ? 'standard input' : file;
  try {
    return fs.readFileSync(file === '-' ? 0 : path.resolve(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `No such file: ${label}` : code === 'EISDIR' ? `${label} is a folder; give the path of the export file.` : `Cannot read ${label} (${code ?? 'error'})`);
  }
}

/** The archive's runs as the replay and the timeline read them (each history checked as a history file is). */
export function archiveRuns(archive: Archive, label: string): RunHistory[] {
  return archive.content.runs.map((r, i) => ({ workflowId: r.workflowId, runId: r.runId, history: parseHistoryJson(r.history, `${label}, run ${i + 1} (${r.runId})`) }));
}

/** The center's last seq by the archive's read-model row (null when it has none): where its chain should end. */
export function archiveLastSeq(archive: Archive): number | null {
  const lastSeq = archive.content.records.centers?.[0]?.lastSeq;
  return typeof lastSeq === 'number' ? lastSeq : null;
}

/** The refusal of an archive whose parts do not match their digests. */
export function describeMismatches(label: string, mismatches: readonly ArchiveMismatch[]): string {
  return (
    `${label} was changed or corrupted after it was exported: ${mismatches.length} part${mismatches.length === 1 ? '' : 's'} no longer match${mismatches.length === 1 ? 'es' : ''} ` +
    `${mismatches.length === 1 ? 'its' : 'their'} digest, so nothing in it was replayed or verified:\n` +
    mismatches.map((m) => `  - ${m.part}: digest ${m.expected.slice(0, 12)}… in the archive, ${m.actual.slice(0, 12)}… by its content`).join('\n') +
    '\nGet the export again from its source (or export the center anew with `centers audit export <center>`).'
  );
}

/** What `audit replay --file` was given: an export of `centers audit export`, or one run's history JSON. */
export type AuditFile = { kind: 'archive'; label: string; opened: OpenedArchive } | { kind: 'history'; label: string; run: RunHistory };

/** Reads --file once (standard input cannot be read twice) and tells an archive (gzip) from a history's JSON. */
export function readAuditFile(file: string, workflowId?: string): AuditFile {
  const label = file === '-' ? 'standard input' : file;
  const bytes = readArchiveBytes(file);
  if (isArchiveBytes(bytes)) return { kind: 'archive', label, opened: parseArchive(bytes, label) };
  return { kind: 'history', label, run: historyFileRun(parseJsonText(bytes.toString('utf8'), label), label, workflowId) };
}
