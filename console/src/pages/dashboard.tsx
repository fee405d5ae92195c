/**
 * The dashboard, computed from the API's reads of the centers the caller may see: centers by state, the next
 * deadlines in the coming 30 and 90 days, overdue annual summaries, open rectifications with their deadlines, and
 * the funding requested and granted this (Beijing) year by kind of project. What the caller may not read is left out.
 */
import { ApiError, get, limited } from '../api';
import { beijingYear, dateTime, sumFen, yuan } from '../format';
import { ErrorBox, Link, Loading, Section, StateBadge, Table, Term, useApp, useLoad } from '../ui';

const DAY = 86_400_000;
const KINDS = ['promotion', 'guidance'];

async function allCenters(): Promise<any[]> {
  const out: any[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await get<any>(`/centers?limit=500&offset=${offset}&sort=nextDeadlineAt`);
    out.push(...page.centers);
    if (out.length >= page.total || page.centers.length === 0) return out;
  }
}

const orNull = <T,>(p: Promise<T>): Promise<T | null> => p.catch((err) => (err instanceof ApiError && err.status === 403 ? null : Promise.reject(err)));

export function Dashboard() {
  const { w } = useApp();
  const data = useLoad(async () => {
    const centers = await allCenters();
    const building = centers.filter((c) => c.state.startsWith('building') || c.state === 'supportStopped');
    const details = await limited(building, 4, async (c) => {
      const id = encodeURIComponent(c.centerId);
      const [summaries, rectifications, funding] = await Promise.all([orNull(get<any>(`/centers/${id}/summaries`)), orNull(get<any>(`/centers/${id}/rectifications`)), orNull(get<any>(`/centers/${id}/funding`))]);
      return { center: c, summaries, rectifications, funding };
    });
    return { centers, details, now: Date.now() };
  }, []);
  if (data.error) return <ErrorBox problem={data.error} retry={data.reload} />;
  if (!data.data) return <Loading />;
  const { centers, details, now } = data.data;

  const byState = new Map<string, number>();
  for (const c of centers) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
  const within = (days: number) => centers.filter((c) => c.nextDeadlineAt && Date.parse(c.nextDeadlineAt) >= now && Date.parse(c.nextDeadlineAt) < now + days * DAY);
  const overdue = details.flatMap((d) => (d.summaries?.summaries ?? []).filter((s: any) => s.overdue && s.status !== 'accepted').map((s: any) => ({ ...s, center: d.center })));
  const rectifications = details.flatMap((d) => (d.rectifications?.rectifications ?? []).filter((r: any) => r.status === 'open' || r.status === 'reported').map((r: any) => ({ ...r, center: d.center })));
  const year = beijingYear(now);
  const fundingReadable = details.some((d) => d.funding);
  const requests = details.flatMap((d) => (d.funding?.requests ?? []).filter((r: any) => beijingYear(r.requestedAt) === year));
  const ledger = details.flatMap((d) => (d.funding?.ledger ?? []).filter((l: any) => beijingYear(l.grantedAt) === year));
  const centerLink = (c: any) => <Link href={`/centers/${encodeURIComponent(c.centerId)}`}>{(w.lang === 'zh-CN' ? c.nameZh : c.nameEn) ?? c.centerId}</Link>;

  return (
    <>
      <h1 tabIndex={-1}>{w.t('dash.title')}</h1>
      <div class="grid">
        <Section title={w.t('dash.byState')} id="by-state" hint={w.t('dash.centersTotal', { n: centers.length })}>
          <ul class="counts">
            {[...byState.entries()]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([state, n]) => (
                <li key={state}>
                  <Link href={`/centers?state=${encodeURIComponent(state)}`}>
                    <StateBadge state={state} /> <strong class="count">{n}</strong>
                  </Link>
                </li>
              ))}
          </ul>
          {centers.length === 0 ? <p class="empty">{w.t('common.none')}</p> : null}
        </Section>
        <Section title={w.t('dash.deadlines')} id="deadlines">
          <p class="kpis">
            <span>
              {w.t('dash.next30')}：<strong data-testid="due-30">{within(30).length}</strong>
            </span>
            <span>
              {w.t('dash.next90')}：<strong data-testid="due-90">{within(90).length}</strong>
            </span>
          </p>
          <Table
            caption={w.t('dash.next90')}
            empty={w.t('dash.noDeadlines')}
            rows={within(90)}
            columns={[
              { title: w.t('col.center'), cell: centerLink },
              { title: w.t('centers.nextDeadline'), cell: (c: any) => dateTime(c.nextDeadlineAt, w.lang) },
              { title: w.t('col.status'), cell: (c: any) => <StateBadge state={c.state} /> },
            ]}
          />
        </Section>
        <Section title={w.t('dash.overdueSummaries')} id="overdue">
          <Table
            caption={w.t('dash.overdueSummaries')}
            rows={overdue}
            columns={[
              { title: w.t('col.center'), cell: (s: any) => centerLink(s.center) },
              { title: w.t('col.cycle'), cell: (s: any) => s.cycle },
              { title: w.t('col.year'), cell: (s: any) => s.year },
              { title: w.t('col.due'), cell: (s: any) => dateTime(s.dueAt, w.lang) },
              { title: w.t('col.status'), cell: (s: any) => <Term value={s.status} /> },
            ]}
          />
        </Section>
        <Section title={w.t('dash.openRectifications')} id="rectifications">
          <Table
            caption={w.t('dash.openRectifications')}
            rows={rectifications}
            columns={[
              { title: w.t('col.center'), cell: (r: any) => centerLink(r.center) },
              { title: w.t('col.due'), cell: (r: any) => dateTime(r.dueAt, w.lang) },
              { title: w.t('col.status'), cell: (r: any) => <Term value={r.status} /> },
            ]}
          />
        </Section>
        {fundingReadable ? (
          <Section title={w.t('dash.funding', { year })} id="funding">
            <Table
              caption={w.t('dash.funding', { year })}
              rows={[...KINDS, 'total']}
              columns={[
                { title: w.t('col.kind'), cell: (k: string) => (k === 'total' ? <strong>{w.t('common.total')}</strong> : <Term value={k} />) },
                { title: w.t('dash.requested'), class: 'num', cell: (k: string) => <span data-testid={`requested-${k}`}>{yuan(sumFen(requests.filter((r: any) => k === 'total' || r.kind === k).map((r: any) => r.amountFen)))}</span> },
                { title: w.t('dash.granted'), class: 'num', cell: (k: string) => <span data-testid={`granted-${k}`}>{yuan(sumFen(ledger.filter((l: any) => k === 'total' || l.kind === k).map((l: any) => l.amountFen)))}</span> },
              ]}
            />
          </Section>
        ) : null}
      </div>
    </>
  );
}
