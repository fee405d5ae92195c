/** A center's page: its state, the statechart, what the signed-in person may do now, and every record they may read. */
import { useState } from 'preact/hooks';
import { ApiError, get, type Problem } from '../api';
import { CommandFormView, type CommandForm } from '../form';
import { Diagram } from '../diagram';
import { date, dateTime, yuan } from '../format';
import { actorText, ErrorBox, Link, Loading, Section, StateBadge, Table, Term, useApp, useLoad } from '../ui';

/** A read the caller may not make (403) is not shown at all; the API has said no. */
async function readable<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return null;
    throw err;
  }
}

export function CenterPage({ centerId }: { centerId: string }) {
  const { w, identity, forms } = useApp();
  const enc = encodeURIComponent(centerId);
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const view = useLoad(() => get<any>(`/centers/${enc}`), [centerId, version]);
  const reads = useLoad(
    async () => {
      const [audit, funding, summaries, evaluations, rectifications, applications, notices] = await Promise.all([
        readable<any>(`/centers/${enc}/audit`),
        readable<any>(`/centers/${enc}/funding`),
        readable<any>(`/centers/${enc}/summaries`),
        readable<any>(`/centers/${enc}/evaluations`),
        readable<any>(`/centers/${enc}/rectifications`),
        readable<any>(`/centers/${enc}/applications`),
        get<any>(`/notices?center=${enc}`).catch(() => null),
      ]);
      return { audit, funding, summaries, evaluations, rectifications, applications, notices };
    },
    [centerId, version],
  );

  if (view.error) return <PageError title={centerId} problem={view.error} retry={view.reload} />;
  if (!view.data) return <Loading />;
  const v = view.data;
  const r = reads.data;
  const role = identity!.role;
  const allowed: string[] = v.allowedCommands?.[role] ?? [];
  const myForms = allowed.map((type) => forms.find((f) => f.type === type)).filter((f): f is CommandForm => !!f);
  const name = v.names ? (w.lang === 'zh-CN' ? v.names.zh : v.names.en) : v.centerId;

  const pendingFunding = (v.funding ?? []).filter((f: any) => f.status === 'pending');
  const openSummaries = (v.summaries ?? []).filter((s: any) => s.status !== 'accepted');
  const latestApplication = r?.applications?.applications?.at(-1)?.application;
  const prefillFor = (type: string): Record<string, unknown> => {
    if ((type === 'GRANT_FUNDING' || type === 'DECLINE_FUNDING') && pendingFunding.length === 1) {
      return { requestId: pendingFunding[0].requestId, ...(type === 'GRANT_FUNDING' ? { amountFen: pendingFunding[0].request.amountFen } : {}) };
    }
    if (['SUBMIT_SUMMARY', 'ACCEPT_SUMMARY', 'RETURN_SUMMARY'].includes(type) && openSummaries.length === 1) return { year: openSummaries[0].year, cycle: openSummaries[0].cycle };
    if (type === 'AMEND_APPLICATION' && latestApplication) return { application: latestApplication };
    return {};
  };
  const suggestions = { requestId: pendingFunding.map((f: any) => f.requestId) };

  return (
    <>
      <p class="crumbs">
        <Link href="/centers">{w.t('nav.centers')}</Link> › {v.centerId}
      </p>
      <h1 tabIndex={-1}>{name}</h1>
      {v.names && w.lang === 'zh-CN' ? <p class="subtitle">{v.names.en}</p> : null}
      <dl class="facts">
        <div>
          <dt>{w.t('center.state')}</dt>
          <dd>
            <StateBadge state={v.state} />
          </dd>
        </div>
        <div>
          <dt>{w.t('center.university')}</dt>
          <dd>{v.universityId}</dd>
        </div>
        <div>
          <dt>{w.t('center.call')}</dt>
          <dd>
            <Link href={`/calls/${encodeURIComponent(v.callId)}`}>{v.callId}</Link>
          </dd>
        </div>
        <div>
          <dt>{w.t('center.cycle')}</dt>
          <dd>{v.cycle || '—'}</dd>
        </div>
        <div>
          <dt>{w.t('center.tier')}</dt>
          <dd>
            <Term value={v.tier} />
          </dd>
        </div>
        <div>
          <dt>{w.t('center.established')}</dt>
          <dd>{date(v.establishedAt, w.lang)}</dd>
        </div>
      </dl>
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}

      <Section title={w.t('center.actions')} id="actions">
        {myForms.length === 0 ? <p class="empty">{w.t('center.noActions')}</p> : null}
        {myForms.map((f) => (
          <details class="action" key={`${f.type}-${version}`} data-command={f.type}>
            <summary>{w.command(f.type, f.summary)}</summary>
            <CommandFormView
              form={f}
              target={v.centerId}
              w={w}
              prefill={prefillFor(f.type)}
              suggestions={suggestions}
              onDone={(result) => {
                setDone(w.t('common.done', { what: w.command(f.type, f.summary), state: w.state(result.state ?? '') }));
                setVersion((n) => n + 1);
              }}
            />
          </details>
        ))}
      </Section>

      <Section title={w.t('center.diagram')} id="diagram">
        <Diagram state={v.state} />
      </Section>

      <Section title={w.t('center.deadlines')} id="deadlines">
        <Table
          caption={w.t('center.deadlines')}
          rows={v.openDeadlines ?? []}
          columns={[
            { title: w.t('col.kind'), cell: (d: any) => <Term value={d.kind} field="kind" /> },
            { title: w.t('col.due'), cell: (d: any) => dateTime(d.dueAt, w.lang) },
            { title: w.t('col.cycle'), cell: (d: any) => d.cycle || '—' },
            { title: w.t('col.year'), cell: (d: any) => d.year || '—' },
            { title: w.t('col.key'), cell: (d: any) => <code>{d.key}</code> },
          ]}
        />
      </Section>

      {reads.error ? <ErrorBox problem={reads.error} retry={reads.reload} /> : !r ? <Loading /> : null}

      {r?.audit ? (
        <Section title={w.t('center.timeline')} id="timeline">
          <Table
            caption={w.t('center.timeline')}
            rows={[...r.audit.rows].reverse()}
            columns={[
              { title: '#', cell: (a: any) => a.seq },
              { title: w.t('center.time'), cell: (a: any) => dateTime(a.at, w.lang) },
              { title: w.t('center.actor'), cell: (a: any) => actorText(a.actor, w) },
              { title: w.t('center.event'), cell: (a: any) => <span title={a.event}>{w.command(a.event)}</span> },
              { title: w.t('center.transition'), cell: (a: any) => <span>{w.state(a.fromState)} → {w.state(a.toState)}</span> },
            ]}
          />
        </Section>
      ) : null}

      {r?.applications || (v.eligibility ?? []).length > 0 ? (
        <Section title={w.t('center.application')} id="application">
          <h3>{w.t('center.eligibility')}</h3>
          <Table
            rows={v.eligibility ?? []}
            columns={[
              { title: w.t('col.condition'), cell: (c: any) => w.field(c.key) },
              { title: w.t('col.passed'), cell: (c: any) => (c.passed ? <span class="ok">✓ {w.t('common.yes')}</span> : <span class="bad">✗ {w.t('common.no')}</span>) },
              { title: w.t('col.reason'), cell: (c: any) => c.reason || '—' },
            ]}
          />
          <h3>{w.t('center.experts')}</h3>
          <Table
            rows={v.experts ?? []}
            columns={[
              { title: w.t('col.expert'), cell: (e: any) => `${e.name}（${e.id} · ${e.orgId}）` },
              { title: w.t('col.score'), cell: (e: any) => v.reviews?.find((x: any) => x.expertId === e.id)?.score ?? '—' },
              { title: w.t('col.recommendation'), cell: (e: any) => <Term value={v.reviews?.find((x: any) => x.expertId === e.id)?.recommendation} /> },
            ]}
          />
        </Section>
      ) : null}

      {r?.funding ? (
        <Section title={w.t('center.funding')} id="funding">
          <h3>{w.t('center.requests')}</h3>
          <Table
            rows={r.funding.requests}
            columns={[
              { title: w.t('col.requestId'), cell: (f: any) => <code>{f.requestId}</code> },
              { title: w.t('col.cycle'), cell: (f: any) => f.cycle },
              { title: w.t('col.year'), cell: (f: any) => f.year },
              { title: w.t('col.kind'), cell: (f: any) => <Term value={f.kind} /> },
              { title: w.t('col.title'), cell: (f: any) => f.title },
              { title: w.t('col.amount'), cell: (f: any) => yuan(f.amountFen), class: 'num' },
              { title: w.t('col.status'), cell: (f: any) => <Term value={f.status} /> },
              { title: w.t('col.granted'), cell: (f: any) => yuan(f.grantedFen), class: 'num' },
              { title: w.t('col.reason'), cell: (f: any) => f.reason || '—' },
            ]}
          />
          <h3>{w.t('center.ledger')}</h3>
          <Table
            rows={r.funding.ledger}
            columns={[
              { title: w.t('col.at'), cell: (l: any) => dateTime(l.grantedAt, w.lang) },
              { title: w.t('col.requestId'), cell: (l: any) => <code>{l.requestId}</code> },
              { title: w.t('col.cycle'), cell: (l: any) => l.cycle },
              { title: w.t('col.year'), cell: (l: any) => l.year },
              { title: w.t('col.kind'), cell: (l: any) => <Term value={l.kind} /> },
              { title: w.t('col.amount'), cell: (l: any) => yuan(l.amountFen), class: 'num' },
              { title: w.t('col.by'), cell: (l: any) => l.grantedBy },
            ]}
          />
          <h3>{w.t('center.totals')}</h3>
          <Table
            rows={r.funding.totals}
            columns={[
              { title: w.t('col.cycle'), cell: (l: any) => l.cycle },
              { title: w.t('col.year'), cell: (l: any) => l.year },
              { title: w.t('col.kind'), cell: (l: any) => <Term value={l.kind} /> },
              { title: w.t('col.grants'), cell: (l: any) => l.grants, class: 'num' },
              { title: w.t('common.total'), cell: (l: any) => yuan(l.totalFen), class: 'num' },
            ]}
          />
        </Section>
      ) : null}

      {r?.summaries ? (
        <Section title={w.t('center.summaries')} id="summaries">
          <Table
            rows={r.summaries.summaries}
            columns={[
              { title: w.t('col.cycle'), cell: (s: any) => s.cycle },
              { title: w.t('col.year'), cell: (s: any) => s.year },
              { title: w.t('col.status'), cell: (s: any) => <Term value={s.status} /> },
              { title: w.t('col.due'), cell: (s: any) => dateTime(s.dueAt, w.lang) },
              { title: w.t('col.overdue'), cell: (s: any) => (s.overdue ? <span class="bad">{w.t('common.yes')}</span> : w.t('common.no')) },
              { title: w.t('col.submissions'), cell: (s: any) => s.submissions },
              { title: w.t('col.reason'), cell: (s: any) => s.returnReason || '—' },
            ]}
          />
        </Section>
      ) : null}

      {r?.evaluations ? <Evaluations data={r.evaluations} /> : null}

      {r?.notices || r?.rectifications ? (
        <Section title={w.t('center.notices')} id="notices">
          <Table
            rows={r?.notices?.notices ?? []}
            columns={[
              { title: w.t('col.published'), cell: (n: any) => dateTime(n.publishedAt, w.lang) },
              { title: w.t('col.grade'), cell: (n: any) => <Term value={n.grade} /> },
              { title: w.t('col.reason'), cell: (n: any) => n.reasons },
            ]}
          />
          <h3>{w.t('center.rectifications')}</h3>
          <Table
            rows={r?.rectifications?.rectifications ?? []}
            columns={[
              { title: w.t('col.status'), cell: (x: any) => <Term value={x.status} /> },
              { title: w.t('col.due'), cell: (x: any) => dateTime(x.dueAt, w.lang) },
              { title: w.t('col.reason'), cell: (x: any) => (x.extensions ?? []).map((e: any) => `${dateTime(e.to, w.lang)}：${e.reason}`).join('；') || '—' },
            ]}
          />
        </Section>
      ) : null}

      {r?.audit ? (
        <p>
          <Link href={`/centers/${enc}/audit`} class="button secondary">
            {w.t('center.audit')}
          </Link>
        </p>
      ) : null}
    </>
  );
}

const DIMENSIONS = ['mechanismInnovation', 'ipManagement', 'talentTraining', 'resourceSharing', 'professionalServices'];

function Evaluations({ data }: { data: any }) {
  const { w } = useApp();
  return (
    <>
      <Section title={w.t('center.evaluations')} id="evaluations">
        <Table
          rows={data.evaluations}
          columns={[
            { title: w.t('col.kind'), cell: (e: any) => <Term value={e.evaluationKind} /> },
            { title: w.t('col.cycle'), cell: (e: any) => e.cycle },
            { title: w.t('col.step'), cell: (e: any) => w.state(e.step) },
            { title: w.t('col.score'), cell: (e: any) => e.score ?? '—', class: 'num' },
            { title: w.t('col.computedGrade'), cell: (e: any) => <Term value={e.computedGrade} /> },
            { title: w.t('col.grade'), cell: (e: any) => <Term value={e.grade} /> },
            { title: w.t('col.reason'), cell: (e: any) => e.overrideReason || '—' },
            { title: w.t('col.at'), cell: (e: any) => dateTime(e.gradedAt ?? e.startedAt, w.lang) },
          ]}
        />
        <h3>{w.t('center.reviews')}</h3>
        <Table
          rows={data.reviews}
          columns={[
            { title: w.t('col.expert'), cell: (r: any) => `${r.expertId}（${r.stage}）` },
            ...DIMENSIONS.map((d) => ({ title: w.field(d), cell: (r: any) => r.scores?.[d] ?? '—', class: 'num' })),
            { title: w.t('col.weighted'), cell: (r: any) => r.weightedScore, class: 'num' },
            { title: w.t('col.opinion'), cell: (r: any) => r.opinion },
          ]}
        />
      </Section>
      <Section title={w.t('center.incidents')} id="incidents">
        <Table
          rows={data.incidents ?? []}
          columns={[
            { title: w.t('col.occurredOn'), cell: (i: any) => date(i.incident.occurredOn, w.lang) },
            { title: w.t('col.category'), cell: (i: any) => <Term value={i.incident.category} /> },
            { title: w.t('col.description'), cell: (i: any) => i.incident.description },
            { title: w.t('col.by'), cell: (i: any) => `${i.recordedBy} · ${dateTime(i.recordedAt, w.lang)}` },
          ]}
        />
      </Section>
    </>
  );
}

export function PageError({ title, problem, retry }: { title: string; problem: Problem; retry?: () => void }) {
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      <ErrorBox problem={problem} retry={retry} />
    </>
  );
}
