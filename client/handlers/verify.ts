/**
 * `centers audit verify [center|--all]` (issue 15 item 2): the audit log's hash chain checked from the database alone
 * (no Temporal server needed). Exit code AUDIT_FAILED_EXIT_CODE when a chain is broken, naming its first broken link.
 */
import { AUDIT_FAILED_EXIT_CODE } from '../audit/reconcile';
import { describeBrokenLink, verifyAll, verifyCenter, type ChainVerification } from '../audit/verify';
import { centerOrAll } from '../args';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { table } from '../format';

const verdict = (r: ChainVerification): string => (r.clean ? 'intact' : `broken at seq ${r.broken!.seq} (${r.broken!.kind})`);

export async function auditVerifyCommand(ctx: CommandContext): Promise<Output> {
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
