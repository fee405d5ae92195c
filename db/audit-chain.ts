/**
 * The audit log's hash chain (issue 15 item 2; SPEC §3 "Audit"): each row of a center's audit log carries the hash
 * of the previous row of that center (`prev_hash`; the first row links to GENESIS) and the hash of its own content
 * with that link (`hash`). Edit a row and its hash no longer matches its content; delete one and the next row's link
 * no longer names the row before it; delete the newest and the chain stops short of the center's `last_seq`. So the
 * chain is checked from the database alone, without the Temporal history (which retention may have removed).
 *
 * The rows are chained by `seq`, which numbers a center's transitions across its cycles and continue-as-new runs
 * (it is never reset), so one chain spans a center's whole life.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLogInsertSchema } from './schemas';

/** What the first row of a center links to. */
export const GENESIS = '0'.repeat(64);

/**
 * The fields of an audit row the hash covers: every column of an insert (the audit_log schema), i.e. all but the
 * database's own id and the chain's two. `at` is hashed in its one ISO-8601 UTC spelling, whatever a database hands back.
 */
export type ChainedContent = z.infer<typeof AuditLogInsertSchema>;

/** Hex SHA-256 of the previous row's hash and the row's content, in a fixed order (version 1 of the chain). */
export function auditRowHash(prevHash: string, row: ChainedContent): string {
  const content = JSON.stringify([
    1,
    row.centerId,
    row.cycle,
    row.seq,
    row.fromState,
    row.event,
    row.toState,
    row.actorId,
    row.actorRole,
    row.actorOrgId,
    row.commandId,
    new Date(row.at).toISOString(),
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}
