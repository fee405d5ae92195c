/**
 * The project stands alone: its specification and the picture of its statechart live in docs/, generated where
 * they can be, and no document or file points outside the repository.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { and, createMachine, not, stateIn } from 'xstate';
import { statechartMermaid, statechartTransitions } from '../machines/diagram';
import { STATECHART_DOC, statechartMarkdown } from '../scripts/statechart-diagram';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
/** Spelled in pieces so that this file does not mention the folder it checks for. */
const OUTSIDE_FOLDER = ['..', 'shared'].join('/');

describe('docs/statechart.md', () => {
  it('is what `npm run docs:statechart` generates from the machine now', () => {
    const onDisk = fs.existsSync(STATECHART_DOC) ? fs.readFileSync(STATECHART_DOC, 'utf8') : '';
    expect(onDisk, 'docs/statechart.md is out of date with machines/: run `npm run docs:statechart` and commit the result').toBe(statechartMarkdown());
  });
});

describe('the statechart diagram generator (machines/diagram.ts)', () => {
  // A made-up machine, to show the generator is generic: nested, parallel, final, eventless, delayed and guarded.
  const toy = createMachine({
    id: 'toy',
    initial: 'idle',
    on: { PING: { guard: not(stateIn('#toy.done')) } },
    states: {
      idle: { on: { GO: { target: 'busy', guard: 'ready' }, GO_TOO: { target: 'busy', guard: 'ready' } } },
      busy: {
        type: 'parallel',
        states: {
          left: { initial: 'a', states: { a: { on: { NEXT: 'b' } }, b: { type: 'final' } } },
          right: {
            initial: 'c',
            states: {
              c: { after: { 1000: 'd' } },
              d: { always: [{ target: '#toy.done', guard: and(['x', 'y']) }, { target: 'e' }] },
              e: { on: { BACK: { target: 'c', guard: Object.assign(() => true, { rules: [function named() { return null; }, () => null] }) } } },
            },
          },
        },
      },
      done: { type: 'final' },
    },
  });
  const mermaid = statechartMermaid(toy);

  it('draws composite and parallel states, initial arrows and final states', () => {
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(mermaid).toContain('[*] --> toy_idle');
    expect(mermaid).toContain('state "busy" as toy_busy {');
    expect(mermaid).toMatch(/state "left" as toy_busy_left \{[\s\S]*\n {4}--\n {4}state "right" as toy_busy_right \{/);
    expect(mermaid).toContain('[*] --> toy_busy_left_a');
    expect(mermaid).toContain('toy_busy_left_b --> [*]');
    expect(mermaid).toContain('toy_done --> [*]');
  });

  it('labels transitions by event and guard, eventless ones [always], delayed ones by their delay', () => {
    expect(mermaid).toContain('toy_idle --> toy_busy : GO [ready]');
    expect(mermaid).toContain('toy_busy_left_a --> toy_busy_left_b : NEXT');
    expect(mermaid).toContain('toy_busy_right_c --> toy_busy_right_d : after 1000 ms');
    expect(mermaid).toContain('toy_busy_right_d --> toy_done : [always] [x and y]');
    expect(mermaid).toContain('toy_busy_right_d --> toy_busy_right_e : [always] [else]');
    expect(mermaid).toContain('toy_busy_right_e --> toy_busy_right_c : BACK [named and …]');
  });

  it('draws one arrow for identical transitions and lists the targetless ones apart', () => {
    const { edges, internal } = statechartTransitions(toy, { guards: false });
    expect(edges.filter((e) => e.source === 'toy.idle' && e.target === 'toy.busy').map((e) => e.label)).toEqual(['GO', 'GO_TOO']);
    const noGuards = statechartMermaid(toy, { guards: false });
    expect(noGuards.split('\n').filter((l) => l.includes('toy_busy_right_d --> toy_done'))).toHaveLength(1);
    expect(internal).toEqual([{ state: 'toy', event: 'PING', guard: null }]);
    expect(statechartTransitions(toy).internal).toEqual([{ state: 'toy', event: 'PING', guard: 'not in #toy.done' }]);
    expect(mermaid).not.toContain('PING');
  });
});

/** Relative link targets in a Markdown text, outside code blocks and code spans. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]),
  ];
  return targets.filter((t) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(t));
}

describe('Markdown links stay inside the repository', () => {
  const documents = ['README.md', 'examples/README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  it('finds the documents and their links', () => {
    expect(documents).toContain('docs/specification.md');
    expect(documents).toContain('docs/statechart.md');
    expect(relativeLinks(read('README.md')).length).toBeGreaterThan(0);
  });

  it.each(documents)('every relative link in %s resolves to a file inside the repository', (doc) => {
    const broken: string[] = [];
    for (const link of relativeLinks(read(doc))) {
      const target = path.resolve(path.dirname(path.join(root, doc)), decodeURIComponent(link.split('#')[0]));
      const inside = target === root || target.startsWith(root + path.sep);
      if (!inside) broken.push(`${link} (leaves the repository)`);
      else if (!fs.existsSync(target)) broken.push(`${link} (no such file)`);
    }
    expect(broken, `${doc} links to`).toEqual([]);
  });
});

describe('docs/specification.md', () => {
  const headings = new Set([...read('docs/specification.md').matchAll(/^#{2,3} (\d+[a-z]?)\. /gm)].map((m) => m[1]));

  it('keeps the section numbers that code and tests cite as "SPEC §N"', () => {
    expect([...headings]).toEqual(['1', '2', '3', '3a', '4', '5', '6', '7']);
  });

  it('has every section that a tracked file cites', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    const missing: string[] = [];
    for (const file of files) {
      if (!/\.(ts|md|mjs|js|json)$/.test(file) || file.startsWith('node_modules/') || !fs.existsSync(path.join(root, file))) continue;
      for (const m of read(file).matchAll(/(?:SPEC|specification\.md) §(\d+[a-z]?)/g)) {
        if (!headings.has(m[1])) missing.push(`${file}: §${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('nothing points at the folder outside the repository', () => {
  it(`no tracked file mentions "${OUTSIDE_FOLDER}"`, () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const mentions: string[] = [];
    for (const file of files) {
      const full = path.join(root, file);
      if (file.startsWith('node_modules/') || !fs.existsSync(full) || !fs.statSync(full).isFile()) continue;
      fs.readFileSync(full, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.includes(OUTSIDE_FOLDER)) mentions.push(`${file}:${i + 1}`);
        });
    }
    expect(mentions, `these files still point at ${OUTSIDE_FOLDER}; the specification is docs/specification.md`).toEqual([]);
  });
});
