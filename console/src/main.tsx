/**
 * The web console (issue 11): a client of the HTTP API and its login session, for the commission, the host
 * universities, the experts and the auditors, in Chinese (the default) or English. It holds no rules of its own:
 * what a person may do is what the API says (a center's `allowedCommands`), and every form is a command's schema.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import './style.css';
import { get, login, logout, me, whenSignedOut, type Identity } from './api';
import type { CommandForm } from './form';
import type { Lang } from './format';
import { storedLang, storeLang, words } from './i18n';
import { App, Link, Loading, useApp } from './ui';
import { Dashboard } from './pages/dashboard';
import { CenterList } from './pages/centers';
import { CenterPage } from './pages/center';
import { CallList, CallPage } from './pages/calls';
import { RoundList, RoundPage } from './pages/rounds';
import { Notices } from './pages/notices';
import { AuditPage } from './pages/audit';
import { ApiError } from './api';
import { Refusal } from './form';

function useRoute(): [string, (to: string) => void] {
  const [route, setRoute] = useState(location.pathname + location.search);
  useEffect(() => {
    const pop = () => setRoute(location.pathname + location.search);
    addEventListener('popstate', pop);
    return () => removeEventListener('popstate', pop);
  }, []);
  const navigate = (to: string) => {
    if (to !== location.pathname + location.search) history.pushState(null, '', to);
    setRoute(to);
    scrollTo(0, 0);
  };
  return [route, navigate];
}

function Root() {
  const [route, navigate] = useRoute();
  const [identity, setIdentity] = useState<Identity | null | undefined>(undefined);
  const [lang, setLang] = useState<Lang>(storedLang());
  const [forms, setForms] = useState<CommandForm[]>([]);
  const w = useMemo(() => words(lang), [lang]);

  useEffect(() => {
    whenSignedOut(() => setIdentity(null));
    void me().then(setIdentity);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh-CN' ? 'zh-CN' : 'en';
    document.title = `${w.t('app.title')} · ${w.t('app.subtitle')}`;
  }, [lang]);
  useEffect(() => {
    if (!identity) return;
    setLang(storedLang(identity.userId));
    void get<{ commands: CommandForm[] }>('/commands').then((r) => setForms(r.commands), () => setForms([]));
  }, [identity?.userId]);
  // Focus the new page's heading, so a keyboard or screen-reader user starts at the top of what changed.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h && document.activeElement !== document.body) h.focus();
  }, [route]);

  const switchLang = () => {
    const next: Lang = lang === 'zh-CN' ? 'en' : 'zh-CN';
    storeLang(next, identity?.userId);
    setLang(next);
  };
  const ctx = { w, identity: identity ?? null, navigate, forms };
  const path = route.split('?')[0];
  const query = new URLSearchParams(route.split('?')[1] ?? '');

  let page;
  if (path === '/notices') page = <Notices />;
  else if (identity === undefined) page = <Loading />;
  else if (identity === null || path === '/login')
    page = identity ? <Dashboard /> : <LoginPage onLogin={(i) => (setIdentity(i), path === '/login' ? navigate('/') : undefined)} />;
  else if (path === '/' || path === '') page = <Dashboard />;
  else if (path === '/centers') page = <CenterList query={query} />;
  else if (/^\/centers\/[^/]+\/audit$/.test(path)) page = <AuditPage centerId={decodeURIComponent(path.split('/')[2])} />;
  else if (/^\/centers\/[^/]+$/.test(path)) page = <CenterPage centerId={decodeURIComponent(path.split('/')[2])} />;
  else if (path === '/calls') page = <CallList />;
  else if (/^\/calls\/[^/]+$/.test(path)) page = <CallPage callId={decodeURIComponent(path.split('/')[2])} />;
  else if (path === '/funding-rounds') page = <RoundList />;
  else if (/^\/funding-rounds\/[^/]+$/.test(path)) page = <RoundPage roundId={decodeURIComponent(path.split('/')[2])} />;
  else page = <NotFound />;

  return (
    <App.Provider value={ctx}>
      <a class="skip" href="#main">
        {w.t('app.skip')}
      </a>
      <header class="top">
        <div class="brand">
          <span class="brand-title">{w.t('app.title')}</span>
          <span class="brand-sub">{w.t('app.subtitle')}</span>
        </div>
        <nav aria-label={w.t('nav.main')}>
          <ul>
            {identity ? (
              <>
                <NavLink href="/" current={path === '/'} label={w.t('nav.dashboard')} />
                <NavLink href="/centers" current={path.startsWith('/centers')} label={w.t('nav.centers')} />
                <NavLink href="/calls" current={path.startsWith('/calls')} label={w.t('nav.calls')} />
                <NavLink href="/funding-rounds" current={path.startsWith('/funding-rounds')} label={w.t('nav.rounds')} />
              </>
            ) : null}
            <NavLink href="/notices" current={path === '/notices'} label={w.t('nav.notices')} />
          </ul>
        </nav>
        <div class="user">
          <button type="button" class="secondary small" onClick={switchLang} aria-label={w.t('app.languageLabel')} lang={lang === 'zh-CN' ? 'en' : 'zh-CN'}>
            {w.t('app.language')}
          </button>
          {identity ? (
            <>
              <span class="who" data-testid="who">
                {identity.name}（{w.role(identity.role)}
                {identity.orgId ? ` · ${identity.orgId}` : ''}）
              </span>
              <button
                type="button"
                class="secondary small"
                onClick={async () => {
                  await logout();
                  setIdentity(null);
                  navigate('/');
                }}
              >
                {w.t('nav.logout')}
              </button>
            </>
          ) : identity === null && path !== '/' && path !== '/login' ? (
            <Link href="/login">{w.t('login.title')}</Link>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      <footer>
        <p>{w.t('app.beijingTime')}</p>
      </footer>
    </App.Provider>
  );
}

function NavLink({ href, current, label }: { href: string; current: boolean; label: string }) {
  return (
    <li>
      <Link href={href} aria-current={current ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
}

function NotFound() {
  const { w } = useApp();
  return (
    <>
      <h1 tabIndex={-1}>{w.reason('not-found')}</h1>
      <Link href="/">{w.t('common.back')}</Link>
    </>
  );
}

function LoginPage({ onLogin }: { onLogin: (identity: Identity) => void }) {
  const { w } = useApp();
  const [userId, setUserId] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<ApiError['problem'] | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div class="login">
      <h1 tabIndex={-1}>{w.t('login.title')}</h1>
      <form
        class="card"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setProblem(null);
          try {
            onLogin(await login(userId.trim(), password));
          } catch (err) {
            setProblem(err instanceof ApiError ? err.problem : { status: 0, reason: 'internal', detail: String(err) });
          } finally {
            setBusy(false);
          }
        }}
      >
        {problem ? <Refusal problem={problem} w={w} /> : null}
        <div class="field">
          <label for="login-user">{w.t('login.user')}</label>
          <input id="login-user" name="username" autoComplete="username" value={userId} onInput={(e) => setUserId(e.currentTarget.value)} required />
        </div>
        <div class="field">
          <label for="login-password">{w.t('login.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {w.t('login.submit')}
          </button>
        </div>
      </form>
      <p>
        <Link href="/notices">{w.t('login.public')}</Link>
      </p>
    </div>
  );
}

render(<Root />, document.getElementById('app')!);
