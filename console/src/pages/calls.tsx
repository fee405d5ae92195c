/** Calls for applications (Art. 7, 9): window, quota, applicants with their eligibility and review scores. */
import { useState } from 'preact/hooks';
import { ApiError, get, limited } from '../api';
import { CommandFormView } from '../form';
import { dateTime } from '../format';
import { ErrorBox, Link, Loading, Section, StateBadge, Table, Term, useApp, useLoad } from '../ui';
import { PageError } from './center';

export function CallList() {
  const { w, identity, forms } = useApp();
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const calls = useLoad(async () => {
    // The list is the read model, which the call's workflow writes just after it answers: a call just opened is
    // waited for a few seconds, so it is listed instead of missing until the next visit.
    for (let i = 0; ; i++) {
      const list = await get<any>('/calls');
      if (!opened || i >= 20 || list.calls.some((c: any) => c.callId === opened)) return list;
      await new Promise((r) => setTimeout(r, 250));
    }
  }, [version]);
  const open = forms.find((f) => f.type === 'OPEN_CALL' && f.roles.includes(identity!.role));
  return (
    <>
      <h1 tabIndex={-1}>{w.t('calls.title')}</h1>
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}
      {calls.error ? <ErrorBox problem={calls.error} retry={calls.reload} /> : null}
      {calls.data ? (
        <section class="card" aria-label={w.t('calls.title')}>
          <Table
            caption={w.t('calls.title')}
            rows={calls.data.calls}
            columns={[
              { title: w.t('calls.call'), cell: (c: any) => <Link href={`/calls/${encodeURIComponent(c.callId)}`}>{c.title}</Link> },
              { title: w.t('col.key'), cell: (c: any) => <code>{c.callId}</code> },
              { title: w.t('col.window'), cell: (c: any) => `${dateTime(c.opensAt, w.lang)} – ${dateTime(c.closesAt, w.lang)}` },
              { title: w.t('col.quota'), cell: (c: any) => c.quota, class: 'num' },
              { title: w.t('col.approved'), cell: (c: any) => c.approvedCount, class: 'num' },
              { title: w.t('col.status'), cell: (c: any) => <Term value={c.status} /> },
            ]}
          />
        </section>
      ) : calls.loading ? (
        <Loading />
      ) : null}
      {open ? (
        <Section title={w.t('calls.open')} id="open-call">
          <details class="action" data-command="OPEN_CALL" key={version}>
            <summary>{w.command('OPEN_CALL')}</summary>
            <CommandFormView
              form={open}
              target={null}
              w={w}
              onDone={(r) => {
                setDone(w.t('common.doneCall', { what: `${w.command('OPEN_CALL')} ${r.callId ?? ''}` }));
                setOpened(r.callId ?? null);
                setVersion((n) => n + 1);
              }}
            />
          </details>
        </Section>
      ) : null}
    </>
  );
}

export function CallPage({ callId }: { callId: string }) {
  const { w, identity, forms, navigate } = useApp();
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const enc = encodeURIComponent(callId);
  const call = useLoad(async () => {
    const status = await get<any>(`/calls/${enc}`);
    // Each applicant's eligibility and review scores, from its center's view (the API shows the caller only their own).
    const views = await limited(status.applicants as any[], 4, (a) => get<any>(`/centers/${encodeURIComponent(a.centerId)}`).catch((err) => (err instanceof ApiError ? null : Promise.reject(err))));
    return { status, views };
  }, [callId, version]);
  if (call.error) return <PageError title={callId} problem={call.error} retry={call.reload} />;
  if (!call.data) return <Loading />;
  const { status, views } = call.data;
  const role = identity!.role;
  const callForms = forms.filter((f) => f.host === 'call' && f.target === 'call' && f.roles.includes(role) && status.status === 'open');
  const apply = forms.find((f) => f.type === 'SUBMIT_APPLICATION' && f.roles.includes(role));
  const mine = role === 'university' && status.applicants.some((a: any) => a.centerId.startsWith(`${identity!.orgId}.`));
  return (
    <>
      <p class="crumbs">
        <Link href="/calls">{w.t('nav.calls')}</Link> › {callId}
      </p>
      <h1 tabIndex={-1}>{status.title}</h1>
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}
      <dl class="facts">
        <div>
          <dt>{w.t('col.status')}</dt>
          <dd>
            <Term value={status.status} />
          </dd>
        </div>
        <div>
          <dt>{w.t('col.window')}</dt>
          <dd>
            {dateTime(status.opensAt, w.lang)} – {dateTime(status.closesAt, w.lang)}
          </dd>
        </div>
        <div>
          <dt>{w.t('col.quota')}</dt>
          <dd>{status.quota}</dd>
        </div>
        <div>
          <dt>{w.t('col.approved')}</dt>
          <dd>{status.approvedCount}</dd>
        </div>
      </dl>
      <Section title={w.t('col.applicants')} id="applicants" hint={role === 'university' || role === 'expert' ? w.t('call.applicantsHidden') : undefined}>
        <Table
          caption={w.t('col.applicants')}
          rows={status.applicants.map((a: any, i: number) => ({ ...a, view: views[i] }))}
          columns={[
            { title: w.t('col.center'), cell: (a: any) => <Link href={`/centers/${encodeURIComponent(a.centerId)}`}>{a.centerId}</Link> },
            { title: w.t('center.state'), cell: (a: any) => (a.view ? <StateBadge state={a.view.state} /> : '—') },
            {
              title: w.t('center.eligibility'),
              cell: (a: any) => {
                const e = a.view?.eligibility as any[] | null | undefined;
                if (!e) return '—';
                const failed = e.filter((c) => !c.passed);
                return failed.length === 0 ? <span class="ok">✓ {e.length}/{e.length}</span> : <span class="bad">✗ {failed.map((c) => `${c.condition}`).join('、')}</span>;
              },
            },
            { title: w.t('col.reviews'), cell: (a: any) => (a.view?.reviews?.length ? a.view.reviews.map((r: any) => r.score).join(' / ') : '—') },
            { title: w.t('col.settled'), cell: (a: any) => (a.settled ? w.t('common.yes') : w.t('common.no')) },
          ]}
        />
      </Section>
      {status.quotaHistory?.length ? (
        <Section title={w.t('call.quotaHistory')} id="quota">
          <Table
            rows={status.quotaHistory}
            columns={[
              { title: w.t('col.at'), cell: (q: any) => dateTime(q.at, w.lang) },
              { title: w.t('col.quota'), cell: (q: any) => q.quota },
              { title: w.t('col.reason'), cell: (q: any) => q.reason },
              { title: w.t('col.by'), cell: (q: any) => q.by },
            ]}
          />
        </Section>
      ) : null}
      {apply && status.status === 'open' && !mine ? (
        <Section title={w.t('call.apply')} id="apply">
          <details class="action" data-command="SUBMIT_APPLICATION">
            <summary>{w.command('SUBMIT_APPLICATION')}</summary>
            <CommandFormView
              form={apply}
              target={null}
              w={w}
              prefill={{ callId, 'application.universityId': identity!.orgId ?? '' }}
              onDone={(r) => navigate(`/centers/${encodeURIComponent(r.center?.centerId ?? `${identity!.orgId}.${callId}`)}`)}
            />
          </details>
        </Section>
      ) : null}
      {callForms.length ? (
        <Section title={w.t('call.actions')} id="call-actions">
          {callForms.map((f) => (
            <details class="action" data-command={f.type} key={`${f.type}-${version}`}>
              <summary>{w.command(f.type, f.summary)}</summary>
              <CommandFormView
                form={f}
                target={callId}
                w={w}
                onDone={() => {
                  setDone(w.t('common.doneCall', { what: w.command(f.type, f.summary) }));
                  setVersion((n) => n + 1);
                }}
              />
            </details>
          ))}
        </Section>
      ) : null}
    </>
  );
}
