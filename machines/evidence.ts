/**
 * Evidence files (issue 14 item 3): the documents a command carries — an application's supporting documents
 * (Art. 8), a funding request's external opinions (Art. 15), an annual summary (Art. 18), a self-evaluation and an
 * inspection report (Art. 18), a rectification report (Art. 19). The files themselves are stored outside the workflow
 * history, content-addressed by SHA-256 (evidence/store.ts); a command carries only their references, so the history
 * and the database name each file by its hash. Pure: no I/O.
 */
import { z } from 'zod';
import type { CenterContext } from './context';
import type { CenterEvent, CommandType } from './commands';
import type { DomainRecord } from './records.types';
import { cleanText } from './text';

/** How many files one command may carry (an operational bound, like the other array bounds of the schemas). */
export const MAX_EVIDENCE_FILES = 20;

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest: 64 lowercase hex digits');

/** One stored file, as a command names it: its hash (the store's key), its name, media type and size. */
export const EvidenceRefSchema = z
  .object({
    sha256: Sha256Schema,
    name: cleanText(z.string().min(1).max(255), { multiline: false }).refine((n) => !/[/\\]/.test(n), 'a file name, without a directory'),
    mediaType: z.string().regex(/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/, 'a media type such as application/pdf'),
    sizeBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type EvidenceRef = z.infer<typeof EvidenceRefSchema>;

/** The optional `evidence` field of a command's payload: commands and histories without it read as before. */
export const EvidenceListSchema = z.array(EvidenceRefSchema).min(1).max(MAX_EVIDENCE_FILES).optional();
export const evidenceField = { evidence: EvidenceListSchema };

/** The commands that carry evidence, and the record each file belongs to (read with that record's authorisation). */
export const EVIDENCE_OWNERS = {
  SUBMIT_APPLICATION: 'application',
  AMEND_APPLICATION: 'application',
  REQUEST_FUNDING: 'fundingRequest',
  RECORD_SPENDING: 'spending',
  SUBMIT_SUMMARY: 'annualSummary',
  SUBMIT_SELF_EVALUATION: 'evaluation',
  RECORD_INSPECTION: 'evaluation',
  SUBMIT_RECTIFICATION: 'rectification',
} as const satisfies Partial<Record<CommandType, string>>;
export type EvidenceCommand = keyof typeof EVIDENCE_OWNERS;
export type EvidenceOwnerKind = (typeof EVIDENCE_OWNERS)[EvidenceCommand];
export const carriesEvidence = (type: string): type is EvidenceCommand => type in EVIDENCE_OWNERS;

/** The references a command (or an event) carries; none for every other command. */
export function evidenceOf(command: { type: string; payload?: unknown } | CenterEvent): EvidenceRef[] {
  if (!carriesEvidence(command.type)) return [];
  const source = ('payload' in command && command.payload !== undefined ? command.payload : command) as { evidence?: EvidenceRef[] };
  return source.evidence ?? [];
}

/** The key of the record a file belongs to, from the context after the transition (and before, for a rectification). */
function ownerKey(type: EvidenceCommand, before: CenterContext, after: CenterContext, event: CenterEvent): string {
  switch (type) {
    case 'SUBMIT_APPLICATION':
    case 'AMEND_APPLICATION':
      return `v${after.applicationVersion}`;
    case 'REQUEST_FUNDING':
      return after.funding.at(-1)?.requestId ?? '?';
    case 'RECORD_SPENDING':
      return after.spending.at(-1)?.spendingId ?? '?';
    case 'SUBMIT_SUMMARY': {
      const e = event as { cycle?: number; year: number };
      return `c${e.cycle ?? after.cycle}y${e.year}`;
    }
    case 'SUBMIT_SELF_EVALUATION':
    case 'RECORD_INSPECTION':
      return after.evaluation?.evaluationId ?? '?';
    case 'SUBMIT_RECTIFICATION':
      return before.rectification?.noticeId ?? after.rectification?.noticeId ?? '?';
  }
}

/** The evidence rows a transition writes: one per file the event carries, keyed to the record it belongs to. */
export function evidenceRecords(before: CenterContext, after: CenterContext, event: CenterEvent): DomainRecord[] {
  if (!carriesEvidence(event.type)) return [];
  const files = evidenceOf(event);
  if (files.length === 0) return [];
  const type = event.type as EvidenceCommand;
  const meta = (event as { meta: { commandId: string | null; at: string; actor: { id: string } } }).meta;
  return [
    {
      kind: 'evidence',
      centerId: after.centerId,
      ownerKind: EVIDENCE_OWNERS[type],
      ownerKey: ownerKey(type, before, after, event),
      command: type,
      commandId: meta.commandId,
      files,
      attachedAt: meta.at,
      attachedBy: meta.actor.id,
    },
  ];
}
