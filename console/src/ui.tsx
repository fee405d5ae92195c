/** What every page shares: the app's context, loading reads, tables, links that route in the page. */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, type Identity, type Problem } from './api';
import type { CommandForm } from './form';
import { Refusal } from './form';
import type { Words } from './i18n';

export interface AppContext {
  w: Words;
  identity: Identity | null;
  navigate: (to: string) => void;
  /** The command table's forms (loaded once signed in). */
  forms: CommandForm[];
}
export const App = createContext<AppContext>(null as unknown as AppContext);
export const useApp = () => useContext(App);

export interface Loaded<T> {
  data?: T;
  error: Problem | null;
  loading: boolean;
  reload: () => void;
}

/** A read: runs `load` now and whenever `deps` change; a refusal or failure is kept as the API's problem. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: Problem | null; loading: boolean }>({ error: null, loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err) => live && setState({ error: err instanceof ApiError ? err.problem : { status: 0, reason: 'internal', detail: String(err) }, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

export function Link({ href, children, class: cls, ...rest }: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  const { navigate } = useApp();
  return (
    <a
      href={href}
      class={cls}
      {...rest}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

export function Loading() {
  const { w } = useApp();
  return (
    <p class="loading" aria-live="polite">
      {w.t('common.loading')}
    </p>
  );
}

export function ErrorBox({ problem, retry }: { problem: Problem; retry?: () => void }) {
  const { w } = useApp();
  return (
    <div class="error-box">
      <Refusal problem={problem} w={w} />
      {retry ? (
        <button type="button" class="secondary" onClick={retry}>
          {w.t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

/** A page's part, with its heading; `id` makes it reachable by a link. */
export function Section({ title, id, children, hint }: { title: string; id?: string; children: ComponentChildren; hint?: string }) {
  return (
    <section class="card" id={id} aria-labelledby={id ? `${id}-h` : undefined}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {hint ? <p class="hint">{hint}</p> : null}
      {children}
    </section>
  );
}

export interface Column<R> {
  title: string;
  cell: (row: R) => ComponentChildren;
  class?: string;
}

export function Table<R>({ rows, columns, caption, empty }: { rows: R[]; columns: Column<R>[]; caption?: string; empty?: string }) {
  const { w } = useApp();
  if (rows.length === 0) return <p class="empty">{empty ?? w.t('common.none')}</p>;
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        {caption ? <caption class="visually-hidden">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.class} key={c.title}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td class={c.class} data-label={c.title} key={c.title}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  const { w } = useApp();
  const top = state.split('.')[0];
  return (
    <span class={`badge state-${top}`} data-state={state}>
      {w.state(state)}
    </span>
  );
}

/** A value of a closed vocabulary as words (a grade, a funding kind, a status). */
export function Term({ value, field }: { value: string | null | undefined; field?: string }) {
  const { w } = useApp();
  if (value === null || value === undefined) return <>—</>;
  return <span class={`term term-${value}`}>{w.enumValue(value, field)}</span>;
}

export const actorText = (a: { id: string; role: string; orgId?: string | null } | null | undefined, w: Words) =>
  a ? `${a.id}（${w.role(a.role)}${a.orgId ? ` · ${a.orgId}` : ''}）` : '—';
