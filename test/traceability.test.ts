/**
 * SPEC §7: docs/traceability.md names, for each article, the tests that prove it. Every test it names must exist,
 * so the table cannot drift from the suite; and every article of the regulation has a row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = fs.readFileSync(path.join(root, 'docs/traceability.md'), 'utf8');

/** `file` › "name" references; a \" inside a name is a literal quote. */
const references = [...doc.matchAll(/`(test\/[^`]+\.test\.ts)` › "((?:[^"\\]|\\.)+)"/g)].map((m) => ({ file: m[1], name: m[2].replace(/\\"/g, '"') }));

describe('SPEC §7: the traceability table', () => {
  it('names tests', () => {
    expect(references.length).toBeGreaterThan(20);
  });

  it.each(references.map((r) => [r.file, r.name]))('%s has the test "%s"', (file, name) => {
    const source = fs.readFileSync(path.join(root, file), 'utf8');
    const quoted = [`'${name.replace(/'/g, "\\'")}'`, `"${name}"`, `\`${name}\``];
    expect(quoted.some((q) => source.includes(q)), `${file} has no test named ${name}`).toBe(true);
  });

  it('has a row for every article Art. 2–20 and for Op. 4–5', () => {
    const rows = doc.split('\n').filter((l) => l.startsWith('| Art.') || l.startsWith('| Op.'));
    const covered = new Set<number>();
    for (const row of rows) {
      const cell = row.split('|')[1];
      const m = cell.match(/Art\. (\d+)(?:–(\d+))?/);
      if (m) for (let a = Number(m[1]); a <= Number(m[2] ?? m[1]); a++) covered.add(a);
    }
    const missing = Array.from({ length: 19 }, (_, i) => i + 2).filter((a) => !covered.has(a));
    expect(missing).toEqual([]);
    expect(rows.some((r) => r.startsWith('| Op. 4'))).toBe(true);
    expect(rows.some((r) => r.startsWith('| Op. 5'))).toBe(true);
  });
});
