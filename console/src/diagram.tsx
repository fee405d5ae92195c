/**
 * The statechart as a picture: the Mermaid text the API draws from the machine (`statechartMermaid`,
 * GET /api/v1/statechart), rendered here by the bundled mermaid (loaded only when a diagram is shown), with the
 * center's current state and its parent states highlighted. The highlight is found in the text itself: each
 * `state "key" as id` inside its parents' braces names one state path.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api';
import { useApp, useLoad, Loading, ErrorBox } from './ui';

/** "application.inReview" → the diagram id of that state, from the nesting of the Mermaid text. */
export function stateIds(mermaid: string): Map<string, string> {
  const ids = new Map<string, string>();
  const stack: string[] = [];
  for (const line of mermaid.split('\n')) {
    const m = /^\s*state "([^"]*)" as (\S+)(\s*\{)?\s*$/.exec(line);
    if (m) {
      const path = [...stack, m[1]].join('.');
      ids.set(path, m[2]);
      if (m[3]) stack.push(m[1]);
    } else if (/^\s*\}\s*$/.test(line)) stack.pop();
  }
  return ids;
}

/** The Mermaid text with classes on the current state (each region's, for a parallel state) and its parents. */
export function highlighted(mermaid: string, state: string): string {
  const ids = stateIds(mermaid);
  const current = new Set<string>();
  const parents = new Set<string>();
  for (const region of state.split('|')) {
    const parts = region.split('.');
    parts.forEach((_, i) => {
      const id = ids.get(parts.slice(0, i + 1).join('.'));
      if (id) (i === parts.length - 1 ? current : parents).add(id);
    });
  }
  const extra = [
    '  classDef current fill:#b91c1c,color:#ffffff,stroke:#7f1d1d,stroke-width:3px,font-weight:bold',
    '  classDef currentParent fill:#fde8e8,stroke:#b91c1c,stroke-width:2px',
    ...[...parents].map((id) => `  class ${id} currentParent`),
    ...[...current].map((id) => `  class ${id} current`),
  ];
  return `${mermaid.trimEnd()}\n${extra.join('\n')}\n`;
}

let renders = 0;

export function Diagram({ state }: { state: string }) {
  const { w } = useApp();
  const chart = useLoad(() => get<{ mermaid: string }>('/statechart'), []);
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  // The whole chart fits the page's width; "actual size" shows it at full size, scrolled to the current state.
  const [actual, setActual] = useState(false);
  useEffect(() => {
    if (!chart.data || !ref.current) return;
    let live = true;
    void (async () => {
      try {
        const { default: mermaid } = await import('mermaid');
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: 'strict',
          theme: 'neutral',
          fontFamily: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
          state: { useMaxWidth: true },
        });
        const { svg } = await mermaid.render(`statechart-${++renders}`, highlighted(chart.data!.mermaid, state));
        if (live && ref.current) {
          ref.current.innerHTML = svg;
          ref.current.dataset.rendered = 'true';
        }
      } catch (err) {
        if (live) setFailed(String((err as Error).message ?? err));
      }
    })();
    return () => {
      live = false;
    };
  }, [chart.data, state]);
  useEffect(() => {
    const svg = ref.current?.querySelector('svg');
    if (!svg) return;
    if (actual) {
      svg.dataset.fit = svg.style.maxWidth;
      svg.style.width = svg.style.maxWidth;
      svg.style.maxWidth = 'none';
      ref.current?.querySelector('.current')?.scrollIntoView({ block: 'center', inline: 'center' });
    } else if (svg.dataset.fit !== undefined) {
      svg.style.maxWidth = svg.dataset.fit;
      svg.style.width = '';
    }
  }, [actual]);
  if (chart.error) return <ErrorBox problem={chart.error} retry={chart.reload} />;
  return (
    <figure class="diagram">
      {chart.loading ? <Loading /> : null}
      {failed ? <p class="field-error">{failed}</p> : null}
      <button type="button" class="secondary small" aria-pressed={actual} onClick={() => setActual(!actual)}>
        {w.t(actual ? 'center.diagramFit' : 'center.diagramActual')}
      </button>
      <div class={`diagram-scroll${actual ? ' actual' : ''}`} tabIndex={0} role="img" aria-label={`${w.t('center.diagram')}: ${w.t('center.state')} ${w.state(state)}`} ref={ref} data-testid="statechart" />
      <figcaption class="hint">
        {w.t('center.diagramHint')} {w.t('center.state')}：<strong>{w.state(state)}</strong>
      </figcaption>
    </figure>
  );
}
