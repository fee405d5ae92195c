/**
 * A command's fingerprint: who sends what (type, actor, payload), as a short hash of its canonical JSON (keys
 * sorted). A repeated command id is the same command only if its fingerprint is the same (SPEC §3 "Idempotency"):
 * the same id with another payload, type or actor is a conflict, never answered with the first result. Pure and
 * deterministic (FNV-1a, 2 × 32 bits), so the workflow computes it too.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function commandFingerprint(command: { type: unknown; actor: unknown; payload: unknown }): string {
  const text = canonical({ type: command.type, actor: command.actor, payload: command.payload });
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
