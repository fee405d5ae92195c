/**
 * Yearly funding rounds (Art. 13 择优, 14–15): open a round, find one by its id, and on a round's page its budget, the
 * requests submitted into it with their scores, and the forms of the round's commands — each form generated from the
 * command table (GET /commands: OPEN_ROUND, SUBMIT_TO_ROUND, SCORE_IN_ROUND), as the call's are.
 */
import { useState } from 'preact/hooks';
import { get } from '../api';
import { CommandFormView } from '../form';
import { dateTime, yuan } from '../format';
import { Link, Loading, Section, Table, Term, useApp, useLoad } from '../ui';
import { PageError } from './center';

export function RoundList() {
  const { w, identity, forms, navigate } = useApp();
  const [roundId, setRoundId] = useState('');
  const open = forms.find((f) => f.type === 'OPEN_ROUND' && f.roles.includes(identity!.role));
  return (
    <>
      <h1 tabIndex={-1}>{w.t('rounds.title')}</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (roundId.trim()) navigate(`/funding-rounds/${encodeURIComponent(roundId.trim())}`);
        }}
      >
        <label for="round-id">{w.t('rounds.id')}</label> <input id="round-id" value={roundId} onInput={(e) => setRoundId((e.target as HTMLInputElement).value)} />{' '}
        <button type="submit">{w.t('rounds.find')}</button>
      </form>
      {open ? (
        <Section title={w.t('rounds.open')} id="open-round">
          <details class="action" data-command="OPEN_ROUND">
            <summary>{w.command('OPEN_ROUND')}</summary>
            <CommandFormView form={open} target={null} w={w} onDone={(r) => navigate(`/funding-rounds/${encodeURIComponent(r.round?.roundId ?? '')}`)} />
          </details>
        </Section>
      ) : null}
    </>
  );
}

export function RoundPage({ roundId }: { roundId: string }) {
  const { w, identity, forms } = useApp();
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const round = useLoad(() => get<any>(`/funding-rounds/${encodeURIComponent(roundId)}`), [roundId, version]);
  if (round.error) return <PageError title={roundId} problem={round.error} retry={round.reload} />;
  if (!round.data) return <Loading />;
  const s = round.data;
  const role = identity!.role;
  const roundForms = forms.filter((f) => f.host === 'round' && f.target === 'round' && f.roles.includes(role) && s.status === 'open');
  const mean = (key: string) => {
    const byExpert = Object.values(s.scores?.[key] ?? {}) as { score: number }[];
    return byExpert.length ? (byExpert.reduce((a, b) => a + b.score, 0) / byExpert.length).toFixed(2) : '—';
  };
  return (
    <>
      <p class="crumbs">
        <Link href="/funding-rounds">{w.t('nav.rounds')}</Link> › {roundId}
      </p>
      <h1 tabIndex={-1}>{s.round.title}</h1>
      {done ? (
        <p class="success" role="status">
          {done}
        </p>
      ) : null}
      <dl class="facts">
        <div>
          <dt>{w.t('col.status')}</dt>
          <dd>
            <Term value={s.status} />
          </dd>
        </div>
        <div>
          <dt>{w.t('col.window')}</dt>
          <dd>
            {dateTime(s.round.opensAt, w.lang)} – {dateTime(s.round.closesAt, w.lang)}
          </dd>
        </div>
        {(['promotion', 'guidance'] as const).map((kind) => (
          <div key={kind}>
            <dt>
              <Term value={kind} />
            </dt>
            <dd>
              {yuan(s.committedFen[kind])} / {yuan(s.round.budgetFen[kind])}
            </dd>
          </div>
        ))}
      </dl>
      <Section title={w.t('rounds.requests')} id="requests">
        <Table
          caption={w.t('rounds.requests')}
          rows={s.submissions}
          columns={[
            { title: w.t('col.center'), cell: (r: any) => <Link href={`/centers/${encodeURIComponent(r.centerId)}`}>{r.centerId}</Link> },
            { title: w.t('col.key'), cell: (r: any) => <code>{r.requestId}</code> },
            { title: w.t('rounds.kind'), cell: (r: any) => <Term value={r.kind} /> },
            { title: w.t('rounds.amount'), cell: (r: any) => yuan(r.amountFen), class: 'num' },
            { title: w.t('rounds.score'), cell: (r: any) => mean(`${r.centerId}/${r.requestId}`), class: 'num' },
            { title: w.t('rounds.decision'), cell: (r: any) => s.decisions?.[`${r.centerId}/${r.requestId}`]?.verdict ?? '—' },
          ]}
        />
      </Section>
      {roundForms.map((form) => (
        <Section key={form.type} title={w.command(form.type)} id={form.type.toLowerCase()}>
          <details class="action" data-command={form.type} key={`${form.type}-${version}`}>
            <summary>{w.command(form.type)}</summary>
            <CommandFormView
              form={form}
              target={roundId}
              w={w}
              onDone={() => {
                setDone(w.t('common.doneCall', { what: w.command(form.type) }));
                setVersion((n) => n + 1);
              }}
            />
          </details>
        </Section>
      ))}
    </>
  );
}
