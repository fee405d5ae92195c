/**
 * Evidence files from the command line (issue 14 item 3): `--attach FILE` on the commands that carry documents
 * stores each file — through the API when the CLI uses it (POST /evidence), else straight into this machine's
 * content store (config `evidence.dir`) — and the command then carries their references; `centers evidence get`
 * reads one back, through the API authorised like the record it belongs to.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvidenceRef } from '../../machines/evidence';
import { createEvidenceStore, EvidenceRejectedError } from '../../evidence/store';
import type { CommandContext, Handler } from '../commands';
import { InputError } from '../errors';
import { CommandRefusedError, NotFoundError } from '../operations-errors';
import { centerIdFromDatabase } from './read';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []);

/** Stores every `--attach` file and answers their references (none when no file is attached). */
export async function attachFiles(ctx: CommandContext): Promise<EvidenceRef[]> {
  const files = list((ctx.values as Record<string, unknown>).attach);
  const refs: EvidenceRef[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      throw new InputError(`Cannot read --attach ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
    }
    const name = path.basename(file);
    if (ctx.services.api) {
      ctx.warn(`Uploading ${name} (${bytes.byteLength} bytes) to ${ctx.services.api.url}…`);
      const { bytes: answer } = await ctx.services.api.bytes('POST', '/evidence', { body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) } });
      refs.push(JSON.parse(answer.toString('utf8')) as EvidenceRef);
    } else {
      try {
        refs.push(await createEvidenceStore(ctx.services.cfg.evidence).put(bytes, name));
      } catch (err) {
        if (err instanceof EvidenceRejectedError) throw new CommandRefusedError(err.reason, err.message);
        throw err;
      }
    }
  }
  return refs;
}

/** `centers evidence get <center> <sha256> [--out FILE]`. */
export const getEvidenceCommand: Handler = async (ctx) => {
  const [ref, sha256] = ctx.positionals;
  const out = str(ctx.values.out);
  let bytes: Buffer;
  let name: string;
  let mediaType: string;
  if (ctx.services.api) {
    const answer = await ctx.services.api.bytes('GET', `/centers/${encodeURIComponent(ref)}/evidence/${encodeURIComponent(sha256)}`);
    bytes = answer.bytes;
    mediaType = answer.headers.get('content-type') ?? 'application/octet-stream';
    const disposition = /filename\*=UTF-8''([^;]+)/.exec(answer.headers.get('content-disposition') ?? '')?.[1];
    name = disposition ? decodeURIComponent(disposition) : sha256;
  } else {
    // The operators' direct path: this machine's database and store.
    const repos = await ctx.services.repos();
    const centerId = await centerIdFromDatabase(repos, ref);
    const rows = await repos.evidenceFile(centerId, sha256);
    if (rows.length === 0) throw new NotFoundError(`No command of center ${centerId} carried a file with sha256 ${sha256}; \`centers show ${centerId} --json\` lists its commands.`);
    const stored = await createEvidenceStore(ctx.services.cfg.evidence).read(sha256);
    if (!stored) throw new NotFoundError(`The evidence file ${sha256} of center ${centerId} is missing from the store (${ctx.services.cfg.evidence.dir}): restore it from a backup.`);
    bytes = stored;
    name = rows[0].name;
    mediaType = rows[0].mediaType;
  }
  const target = out ?? name;
  fs.writeFileSync(target, bytes);
  return { data: { sha256, name, mediaType, sizeBytes: bytes.byteLength, writtenTo: path.resolve(target) }, text: `Wrote ${name} (${mediaType}, ${bytes.byteLength} bytes, sha256 ${sha256}) to ${target}.` };
};

/** `centers evidence put FILE…`: stores files and prints their references, for a command's `evidence` list. */
export const putEvidenceCommand: Handler = async (ctx) => {
  const refs = await attachFiles({ ...ctx, values: { ...ctx.values, attach: ctx.positionals as unknown as string } });
  return { data: { evidence: refs }, text: refs.map((r) => `${r.name}: sha256 ${r.sha256} (${r.mediaType}, ${r.sizeBytes} bytes)`).join('\n') };
};
