/** Art. 19: the published notices of unqualified grades, with their rectifications — public, no login. */
import { get } from '../api';
import { dateTime } from '../format';
import { ErrorBox, Link, Loading, Table, Term, useApp, useLoad } from '../ui';

export function Notices() {
  const { w, identity } = useApp();
  const notices = useLoad(() => get<any>('/notices'), []);
  return (
    <>
      <h1 tabIndex={-1}>{w.t('notices.title')}</h1>
      <p>{w.t('notices.intro')}</p>
      {notices.error ? <ErrorBox problem={notices.error} retry={notices.reload} /> : null}
      {notices.loading ? <Loading /> : null}
      {notices.data ? (
        <section class="card" aria-label={w.t('notices.title')}>
          <Table
            caption={w.t('notices.title')}
            rows={notices.data.notices}
            columns={[
              { title: w.t('col.published'), cell: (n: any) => dateTime(n.publishedAt, w.lang) },
              { title: w.t('col.center'), cell: (n: any) => (identity ? <Link href={`/centers/${encodeURIComponent(n.centerId)}`}>{n.centerId}</Link> : n.centerId) },
              { title: w.t('col.grade'), cell: (n: any) => <Term value={n.grade} /> },
              { title: w.t('col.reason'), cell: (n: any) => n.reasons },
              { title: w.t('col.rectification'), cell: (n: any) => (n.rectification ? <Term value={n.rectification.status} /> : '—') },
              { title: w.t('col.due'), cell: (n: any) => dateTime(n.rectification?.dueAt, w.lang) },
            ]}
          />
        </section>
      ) : null}
    </>
  );
}
