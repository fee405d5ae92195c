/** The auditors' view of one center: every run replayed with the current code, and the history reconciled with the audit rows. */
import { get } from '../api';
import { dateTime } from '../format';
import { actorText, ErrorBox, Link, Loading, Section, Table, useApp, useLoad } from '../ui';

export function AuditPage({ centerId }: { centerId: string }) {
  const { w } = useApp();
  const enc = encodeURIComponent(centerId);
  const replay = useLoad(() => get<any>(`/centers/${enc}/replay`), [centerId]);
  const reconcile = useLoad(() => get<any>(`/centers/${enc}/reconcile`), [centerId]);
  const rc = reconcile.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/centers">{w.t('nav.centers')}</Link> › <Link href={`/centers/${enc}`}>{centerId}</Link> › {w.t('audit.title')}
      </p>
      <h1 tabIndex={-1}>
        {w.t('audit.title')} · {centerId}
      </h1>
      <Section title={w.t('audit.replay')} id="replay">
        {replay.error ? <ErrorBox problem={replay.error} retry={replay.reload} /> : replay.loading ? <Loading /> : null}
        {replay.data ? (
          <>
            <p class={replay.data.ok ? 'ok' : 'bad'} data-testid="replay-result">
              {replay.data.ok ? `✓ ${w.t('audit.deterministic')}` : `✗ ${w.t('audit.nondeterministic')}`}
            </p>
            <Table
              rows={replay.data.runs}
              columns={[
                { title: w.t('audit.run'), cell: (r: any) => <code>{r.runId}</code> },
                { title: w.t('col.status'), cell: (r: any) => (r.ok ? <span class="ok">✓ {w.t('audit.deterministic')}</span> : <span class="bad">✗ {w.t('audit.nondeterministic')}</span>) },
                { title: w.t('col.reason'), cell: (r: any) => (r.error ? `${r.error.kind}: ${r.error.message}` : '—') },
              ]}
            />
          </>
        ) : null}
      </Section>
      <Section title={w.t('audit.reconcile')} id="reconcile">
        {reconcile.error ? <ErrorBox problem={reconcile.error} retry={reconcile.reload} /> : reconcile.loading ? <Loading /> : null}
        {rc ? (
          <>
            <p class={rc.clean ? 'ok' : 'bad'} data-testid="reconcile-result">
              {rc.error ? `${w.t('audit.unavailable')}: ${rc.error}` : rc.clean ? `✓ ${w.t('audit.clean', { matched: rc.matched })}` : `✗ ${w.t('audit.dirty', { n: rc.differences.length })}`}
            </p>
            <dl class="facts">
              <div>
                <dt>{w.t('audit.runs')}</dt>
                <dd>{rc.runs}</dd>
              </div>
              <div>
                <dt>{w.t('audit.transitions')}</dt>
                <dd>{rc.historyTransitions}</dd>
              </div>
              <div>
                <dt>{w.t('audit.rows')}</dt>
                <dd>{rc.databaseRows}</dd>
              </div>
            </dl>
            {rc.differences.length ? (
              <Table
                rows={rc.differences}
                columns={[
                  { title: '#', cell: (d: any) => d.seq },
                  { title: w.t('col.kind'), cell: (d: any) => w.t(`audit.diff.${d.kind}`) },
                  {
                    title: w.t('audit.field'),
                    cell: (d: any) =>
                      d.kind === 'altered'
                        ? d.fields.map((f: any) => `${f.field}: ${w.t('audit.history')} ${f.history ?? '—'} / ${w.t('audit.database')} ${f.database ?? '—'}`).join('；')
                        : '—',
                  },
                  { title: w.t('audit.history'), cell: (d: any) => (d.history ? `${w.command(d.history.event)} · ${w.state(d.history.fromState ?? '')} → ${w.state(d.history.toState ?? '')} · ${dateTime(d.history.at, w.lang)}` : '—') },
                  { title: w.t('audit.database'), cell: (d: any) => (d.database ? `${w.command(d.database.event)} · ${actorText(d.database.actor, w)} · ${dateTime(d.database.at, w.lang)}` : '—') },
                ]}
              />
            ) : null}
          </>
        ) : null}
      </Section>
    </>
  );
}
