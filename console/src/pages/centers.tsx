/** The centers the caller may see, with the API's filters (state, university, call, cycle, next deadline), sorting and pages. */
import { useState } from 'preact/hooks';
import { get } from '../api';
import { stateIds } from '../diagram';
import { beijingMidnight, dateTime } from '../format';
import { ErrorBox, Link, Loading, StateBadge, Table, useApp, useLoad } from '../ui';

const SORTS = ['centerId', 'state', 'universityId', 'callId', 'cycle', 'nextDeadlineAt', 'establishedAt', 'updatedAt'];
const PAGE = 20;
const FILTERS = ['state', 'university', 'call', 'cycle', 'from', 'to', 'sort', 'order'] as const;

export function CenterList({ query }: { query: URLSearchParams }) {
  const { w, identity, navigate } = useApp();
  const q = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [form, setForm] = useState(q);
  const chart = useLoad(() => get<{ mermaid: string }>('/statechart'), []);
  const states = chart.data ? [...stateIds(chart.data.mermaid).keys()] : [];

  const apiQuery = new URLSearchParams();
  if (q.state) apiQuery.set('state', q.state);
  if (q.university) apiQuery.set('university', q.university);
  if (q.call) apiQuery.set('call', q.call);
  if (q.cycle) apiQuery.set('cycle', q.cycle);
  const from = q.from ? beijingMidnight(q.from) : null;
  const to = q.to ? beijingMidnight(q.to) : null;
  if (from) apiQuery.set('nextDeadlineFrom', from);
  if (to) apiQuery.set('nextDeadlineTo', to);
  apiQuery.set('sort', q.sort || 'centerId');
  apiQuery.set('order', q.order || 'asc');
  apiQuery.set('limit', String(PAGE));
  apiQuery.set('offset', String(offset));
  const list = useLoad(() => get<any>(`/centers?${apiQuery}`), [apiQuery.toString()]);

  const go = (values: Record<string, string>, off = 0) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) if (v) p.set(k, v);
    if (off) p.set('offset', String(off));
    navigate(`/centers${p.toString() ? `?${p}` : ''}`);
  };
  const input = (key: keyof typeof form) => ({ value: form[key], onInput: (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value }) });
  const total: number = list.data?.total ?? 0;

  return (
    <>
      <h1 tabIndex={-1}>{w.t('centers.title')}</h1>
      <form
        class="card filters"
        role="search"
        aria-label={w.t('centers.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          go(form);
        }}
      >
        <div class="field">
          <label for="flt-state">{w.t('centers.state')}</label>
          <select id="flt-state" {...input('state')} onChange={input('state').onInput}>
            <option value="">{w.t('centers.anyState')}</option>
            {states.map((s) => (
              <option value={s} key={s}>
                {w.state(s)}
              </option>
            ))}
          </select>
        </div>
        {identity?.role !== 'university' ? (
          <div class="field">
            <label for="flt-university">{w.t('centers.university')}</label>
            <input id="flt-university" {...input('university')} />
          </div>
        ) : null}
        <div class="field">
          <label for="flt-call">{w.t('centers.call')}</label>
          <input id="flt-call" {...input('call')} />
        </div>
        <div class="field">
          <label for="flt-cycle">{w.t('centers.cycle')}</label>
          <input id="flt-cycle" type="number" min={1} step={1} {...input('cycle')} />
        </div>
        <div class="field">
          <label for="flt-from">{w.t('centers.deadlineFrom')}</label>
          <input id="flt-from" type="date" {...input('from')} />
        </div>
        <div class="field">
          <label for="flt-to">{w.t('centers.deadlineTo')}</label>
          <input id="flt-to" type="date" {...input('to')} />
        </div>
        <div class="field">
          <label for="flt-sort">{w.t('centers.sort')}</label>
          <select id="flt-sort" {...input('sort')} onChange={input('sort').onInput}>
            {SORTS.map((s) => (
              <option value={s} key={s}>
                {w.t(`sort.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="flt-order">{w.t('centers.order')}</label>
          <select id="flt-order" {...input('order')} onChange={input('order').onInput}>
            <option value="asc">{w.t('centers.asc')}</option>
            <option value="desc">{w.t('centers.desc')}</option>
          </select>
        </div>
        <div class="actions">
          <button type="submit">{w.t('centers.apply')}</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              const empty = Object.fromEntries(FILTERS.map((k) => [k, ''])) as typeof form;
              setForm(empty);
              go({});
            }}
          >
            {w.t('centers.reset')}
          </button>
        </div>
      </form>
      {list.error ? <ErrorBox problem={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <section class="card" aria-label={w.t('centers.title')}>
          <Table
            caption={w.t('centers.title')}
            rows={list.data.centers}
            columns={[
              { title: w.t('centers.center'), cell: (c: any) => <Link href={`/centers/${encodeURIComponent(c.centerId)}`}>{(w.lang === 'zh-CN' ? c.nameZh : c.nameEn) ?? c.centerId}</Link> },
              { title: w.t('sort.centerId'), cell: (c: any) => <code>{c.centerId}</code> },
              { title: w.t('centers.state'), cell: (c: any) => <StateBadge state={c.state} /> },
              { title: w.t('centers.university'), cell: (c: any) => c.universityId },
              { title: w.t('centers.call'), cell: (c: any) => c.callId },
              { title: w.t('centers.cycle'), cell: (c: any) => c.cycle || '—' },
              { title: w.t('centers.nextDeadline'), cell: (c: any) => dateTime(c.nextDeadlineAt, w.lang) },
            ]}
          />
          <nav class="pager" aria-label={w.t('centers.pages')}>
            <button type="button" class="secondary" disabled={offset === 0} onClick={() => go(q, Math.max(0, offset - PAGE))}>
              ‹ {w.t('centers.prev')}
            </button>
            <span aria-live="polite">{w.t('centers.range', { from: total === 0 ? 0 : offset + 1, to: Math.min(total, offset + PAGE), total })}</span>
            <button type="button" class="secondary" disabled={offset + PAGE >= total} onClick={() => go(q, offset + PAGE)}>
              {w.t('centers.next')} ›
            </button>
          </nav>
        </section>
      ) : null}
    </>
  );
}
