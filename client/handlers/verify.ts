/**
 * `centers audit verify [center|--all]` (issue 15 item 2): the audit log's hash chain checked from the database alone
 * (no Temporal server needed). Exit code AUDIT_FAILED_EXIT_CODE when a chain is broken, naming its first broken link.
 */
import { AUDIT_FAILED_EXIT_CODE } from '../audit/reconcile';
import { describeBrokenLink, verifyAll, verifyCenter, verifyChain, type ChainVerification } from '../audit/verify';
import { centerOrAll } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { table } from '../format';

const verdict = (r: ChainVerification): string => (r.clean ? 'intact' : `broken at seq ${r.broken!.seq} (${r.broken!.kind})`);

export async function auditVerifyCommand(ctx: CommandContext): Promise<Output> {
  const file = typeof ctx.values.file === 'string' && ctx.values.file !== '' ? ctx.values.file : null;
  if (file) {
    if (ctx.positionals.length || ctx.values.all) throw new UsageError('Give a center, --all or --file, only one of them.', 'audit verify');
    return verifyArchiveFile(ctx, file);
  }
  const { all, ref } = centerOrAll(ctx.values, ctx.positionals, 'audit verify');
  const repos = await ctx.services.repos();
  const results = all ? await verifyAll(repos, (done, total, r) => ctx.warn(`[${done}/${total}] ${r.centerId}: ${verdict(r)}`)) : [await verifyCenter(repos, ref)];
  if (!all && results[0].rows === 0 && results[0].expectedLastSeq === null) {
    throw new UsageError(`No audit rows and no center "${ref}" in the database; give a center id such as bjut.call-2026 (centers list).`, 'audit verify');
  }
  const broken = results.filter((r) => !r.clean);
  const head = `Hash chain of ${results.length} center${results.length === 1 ? '' : 's'}: ${results.length - broken.length} intact, ${broken.length} broken.`;
  const summary = table(
    ['CENTER', 'ROWS', 'LAST SEQ', 'CENTER LAST SEQ', 'RESULT'],
    results.map((r) => [r.centerId, r.rows, r.lastSeq, r.expectedLastSeq, verdict(r)]),
    'No audit rows to verify.',
  );
  const text = [head, summary, ...broken.map((r) => describeBrokenLink(r.centerId, r.broken!))].join('\n\n');
  return {
    data: {
      centers: results.length,
      intact: results.length - broken.length,
      broken: broken.length,
      results: results.map((r) => ({ ...r, description: r.broken ? describeBrokenLink(r.centerId, r.broken) : null })),
    },
    text,
    exitCode: broken.length ? AUDIT_FAILED_EXIT_CODE : 0,
  };
}

/**
 * `audit verify --file` (issue 15 item 6): an export of `centers audit export`, checked from the file alone — no
 * Temporal server, no database (neither connection is opened). Its digests first (a changed or corrupted copy is
 * refused, naming the parts), then the audit rows' hash chain (ending at the center's last seq by its read-model row),
 * then the export's history against its own audit rows and record tables, as `audit reconcile` compares them.
 */
async function verifyArchiveFile(ctx: CommandContext, file: string): Promise<Output> {
  const [{ readAuditFile, reconcileArchive, archiveLastSeq, auditExitCode, describeDifference }, { archiveRefusal, reconciliationText }] = await Promise.all([import('../audit'), import('./audit')]);
  const given = readAuditFile(file);
  if (given.kind !== 'archive') {
    throw new UsageError(`${given.label} is one workflow history, not an export of \`centers audit export\`; replay it with \`centers audit replay --file\`.`, 'audit verify');
  }
  if (given.opened.mismatches.length) return archiveRefusal(given.label, given.opened.mismatches);
  const { archive } = given.opened;
  const { content } = archive;
  const chain = verifyChain(content.centerId, content.auditRows, archiveLastSeq(archive));
  const reconciliation = await reconcileArchive(archive, given.label);
  const notStored = content.evidence.filter((e) => e.stored === 'missing' || e.stored === 'changed');
  // As `audit reconcile` fails on an evidence file missing from the store or changed, so does the export that found one.
  const ok = chain.clean && reconciliation.clean && notStored.length === 0;
  const text = [
    `Export ${given.label} of ${content.centerId} (workflow ${content.workflowId}), made ${content.exportedAt}: digests intact; ` +
      `${content.runs.length} run${content.runs.length === 1 ? '' : 's'}, ${content.auditRows.length} audit rows — ${ok ? 'verified' : 'NOT verified'}.`,
    `Hash chain: ${verdict(chain)} (${chain.rows} rows, last seq ${chain.lastSeq ?? '-'}, the center's last seq ${chain.expectedLastSeq ?? '-'}).` +
      (chain.broken ? `\n${describeBrokenLink(content.centerId, chain.broken)}` : ''),
    `History against the audit rows and records: ${reconciliationText(reconciliation)}`,
    `Evidence files: ${content.evidence.length} hash${content.evidence.length === 1 ? '' : 'es'}` +
      (content.evidence.length === 0 ? '.' : notStored.length ? `; at export ${notStored.map((e) => `${e.sha256} ${e.stored}`).join(', ')} in the content store (restore ${notStored.length === 1 ? 'it' : 'them'} from a backup).` : ', every file in the store and matching its hash at export.'),
  ].join('\n\n');
  return {
    data: {
      source: 'archive',
      file: given.label,
      centerId: content.centerId,
      exportedAt: content.exportedAt,
      digest: archive.digest,
      intact: true,
      verified: ok,
      chain: { ...chain, description: chain.broken ? describeBrokenLink(content.centerId, chain.broken) : null },
      reconciliation: { ...reconciliation, differences: reconciliation.differences.map((d) => ({ ...d, description: describeDifference(d) })) },
      evidence: content.evidence,
    },
    text,
    exitCode: ok ? auditExitCode({ reconciliations: [reconciliation] }) : AUDIT_FAILED_EXIT_CODE,
  };
}
