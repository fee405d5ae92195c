/**
 * `centers audit verify` (issue 15 item 2): a center's audit log checked as a hash chain (db/audit-chain.ts), from the
 * database alone. Pure: it checks the rows it is given and names the first broken link.
 */
import { auditRowHash, GENESIS } from '../../db/audit-chain';
import type { AuditChainRow } from '../../db/schemas';

export type BrokenLink =
  /** The row's content no longer gives its hash: a field was edited after it was written. */
  | { kind: 'edited'; seq: number; expected: string; actual: string | null }
  /** The row does not link to the row before it: a row between them was deleted (or the link itself edited). */
  | { kind: 'unlinked'; seq: number; expected: string; actual: string | null; previousSeq: number | null }
  /** The chain ends before the center's last transition (its read-model row's last_seq): the newest rows were deleted. */
  | { kind: 'truncated'; seq: number; expected: number; actual: number | null };

export interface ChainVerification {
  centerId: string;
  rows: number;
  /** The seq of the newest row, and what the center's read model says it is (null when the center has no row). */
  lastSeq: number | null;
  expectedLastSeq: number | null;
  clean: boolean;
  /** The first broken link, in seq order; null when the chain holds. */
  broken: BrokenLink | null;
}

/** Checks one center's chain: each row's link to the one before, each row's hash of its content, the chain's end. */
export function verifyChain(centerId: string, rows: readonly AuditChainRow[], expectedLastSeq: number | null): ChainVerification {
  const sorted = [...rows].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS;
  let previousSeq: number | null = null;
  let broken: BrokenLink | null = null;
  for (const row of sorted) {
    if (row.prevHash !== prev) {
      broken = { kind: 'unlinked', seq: row.seq, expected: prev, actual: row.prevHash, previousSeq };
      break;
    }
    const hash = auditRowHash(prev, row);
    if (row.hash !== hash) {
      broken = { kind: 'edited', seq: row.seq, expected: hash, actual: row.hash };
      break;
    }
    prev = hash;
    previousSeq = row.seq;
  }
  const lastSeq = sorted.at(-1)?.seq ?? null;
  if (!broken && expectedLastSeq !== null && (lastSeq === null || lastSeq < expectedLastSeq)) {
    broken = { kind: 'truncated', seq: expectedLastSeq, expected: expectedLastSeq, actual: lastSeq };
  }
  return { centerId, rows: sorted.length, lastSeq, expectedLastSeq, clean: broken === null, broken };
}

/** The broken link in a sentence an auditor can act on. */
export function describeBrokenLink(centerId: string, b: BrokenLink): string {
  switch (b.kind) {
    case 'edited':
      return `${centerId}: audit row seq ${b.seq} was changed after it was written: its content hashes to ${b.expected.slice(0, 12)}…, the row says ${b.actual === null ? 'nothing' : `${b.actual.slice(0, 12)}…`}. Compare it with the workflow history (centers audit reconcile ${centerId}).`;
    case 'unlinked':
      return `${centerId}: audit row seq ${b.seq} does not link to ${b.previousSeq === null ? 'the start of the chain' : `row seq ${b.previousSeq}`} before it: a row between them was deleted, or the link edited. Compare with the workflow history (centers audit reconcile ${centerId}).`;
    case 'truncated':
      return `${centerId}: the audit log ends at ${b.actual === null ? 'no row' : `seq ${b.actual}`}, but the center's last transition is seq ${b.expected}: the newest rows were deleted. Compare with the workflow history (centers audit reconcile ${centerId}).`;
  }
}

/** What verification reads from the database (db/repositories): nothing from Temporal. */
export interface ChainRepositories {
  auditChain(centerId: string): Promise<AuditChainRow[]>;
  auditedCenters(): Promise<string[]>;
  getCenter(centerId: string): Promise<{ lastSeq: number } | undefined>;
  listCenters(): Promise<{ centerId: string }[]>;
}

/** One center's chain as the database holds it. */
export async function verifyCenter(repos: ChainRepositories, centerId: string): Promise<ChainVerification> {
  const [rows, center] = await Promise.all([repos.auditChain(centerId), repos.getCenter(centerId)]);
  return verifyChain(centerId, rows, center?.lastSeq ?? null);
}

/** Every center of the database: those with audit rows and those with a read-model row (whose rows may all be gone). */
export async function verifyAll(repos: ChainRepositories, onProgress?: (done: number, total: number, r: ChainVerification) => void): Promise<ChainVerification[]> {
  const ids = [...new Set([...(await repos.auditedCenters()), ...(await repos.listCenters()).map((c) => c.centerId)])].sort();
  const out: ChainVerification[] = [];
  for (const id of ids) {
    const r = await verifyCenter(repos, id);
    out.push(r);
    onProgress?.(out.length, ids.length, r);
  }
  return out;
}
