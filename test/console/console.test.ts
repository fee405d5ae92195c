/**
 * The web console (issue 11) in a real headless chromium against the real API, dev server and database: the public
 * notices without a login; a center taken from the call to established through the console's forms only (open the
 * call, apply, assign the panel, three reviews, approve); funding asked for and granted; a refusal's reason and a
 * field's error shown on the page; and each role — commission, university, expert, auditor — seeing what it may
 * and nothing more. Screenshots (in Chinese) go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { applicationAsOf } from '../helpers/fixtures';
import { useApi } from '../helpers/api';
import { commandForm, fillForm, launch, login, open, screenshot, type Session } from './browser';

const api = useApi({ name: 'console' }, 180_000);
const PASSWORD = 'correct horse battery staple';
const CALL = 'call-console';
const CENTER = `bjut.${CALL}`;

let browser: Browser;
const sessions: Session[] = [];
beforeAll(async () => {
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function as(userId: string, viewport?: { width: number; height: number }): Promise<Session> {
  const s = await login(browser, api.url, userId, PASSWORD, { viewport });
  sessions.push(s);
  return s;
}

/** Beijing wall-clock "YYYY-MM-DDTHH:mm" of an instant, as a datetime-local input takes it. */
const beijingInput = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);

describe('the web console, in a real browser', () => {
  it('shows the public notices without a login, and the console is served with its CSP and no asset from elsewhere', async () => {
    const s = await open(browser, `${api.url}/notices`);
    await s.page.getByRole('heading', { name: '公开通报（第十九条）' }).waitFor();
    expect(await s.page.getByTestId('who').count()).toBe(0);
    const html = await api.http('GET', '/centers/anything', { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(String(html.body)).not.toMatch(/https?:\/\//);
    // The API's own 404 stays a problem for anything that is not a browser's page.
    expect((await api.http('GET', '/nothing-here')).status).toBe(404);
    expect(s.errors).toEqual([]);
    await s.context.close();
  });

  it('takes a center from the call to established through the forms only, grants funding, and shows refusals and field errors', async () => {
    await api.user('commission', { id: 'wang-fang', password: PASSWORD });
    await api.user('university', { id: 'bjut-office', orgId: 'bjut', password: PASSWORD });
    for (const i of [1, 2, 3]) await api.user('expert', { id: `expert-thu-${i}`, orgId: 'tsinghua', password: PASSWORD });
    await api.user('expert', { id: 'expert-bjut', orgId: 'bjut', password: PASSWORD });
    await api.user('auditor', { id: 'auditor-zhou', password: PASSWORD });
    const now = Date.now();

    // The commission opens the call (Art. 7).
    const commission = await as('wang-fang');
    const page = commission.page;
    await page.getByRole('link', { name: '申报通知' }).click();
    let form = await commandForm(page, 'OPEN_CALL');
    await fillForm(form, { callId: CALL, title: '2026 年度促进中心申报', opensAt: beijingInput(now - 86_400_000), closesAt: beijingInput(now + 30 * 86_400_000), quota: 2 });
    await form.getByRole('button', { name: '发布申报通知' }).click();
    await page.getByRole('status').filter({ hasText: CALL }).waitFor();
    await page.getByRole('link', { name: '2026 年度促进中心申报' }).waitFor();

    // The university applies through the generated application form (Art. 8).
    const university = await as('bjut-office');
    const u = university.page;
    await u.goto(`${api.url}/calls/${CALL}`);
    form = await commandForm(u, 'SUBMIT_APPLICATION');
    const { universityId: _prefilled, ...application } = applicationAsOf('bjut', now);
    expect(await form.locator('[name="application.universityId"]').inputValue()).toBe('bjut');
    await fillForm(form, application, 'application');
    await form.getByRole('button', { name: '提交申请' }).click();
    await u.getByRole('heading', { name: CENTER }).waitFor();
    await u.locator('.facts [data-state="application.eligible"]').waitFor();
    // The university may not assign experts or approve: no such form on its page.
    await u.locator('details[data-command="AMEND_APPLICATION"]').waitFor();
    expect(await u.locator('details[data-command="ASSIGN_EXPERTS"], details[data-command="APPROVE"]').count()).toBe(0);

    // The commission assigns the panel: first with an expert from the applicant's own university — refused.
    await page.goto(`${api.url}/centers/${CENTER}`);
    form = await commandForm(page, 'ASSIGN_EXPERTS');
    await fillForm(form, { experts: [{ id: 'expert-bjut', name: 'BJUT expert' }, { id: 'expert-thu-2', name: 'Expert 2' }, { id: 'expert-thu-3', name: 'Expert 3' }] });
    await form.getByRole('button', { name: '遴选评审专家' }).click();
    const refusal = form.getByRole('alert').filter({ hasText: '存在利益冲突' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('conflict-of-interest');
    await form.scrollIntoViewIfNeeded();
    await screenshot(page, 'refusal-zh');
    await fillForm(form, { experts: [{ id: 'expert-thu-1', name: 'Expert 1' }] });
    await form.getByRole('button', { name: '遴选评审专家' }).click();
    await page.locator('.facts [data-state="application.inReview"]').waitFor();

    // Each expert reviews; a score above 100 is shown as the field's error beside the field.
    for (const i of [1, 2, 3]) {
      const expert = await as(`expert-thu-${i}`);
      await expert.page.goto(`${api.url}/centers/${CENTER}`);
      const review = await commandForm(expert.page, 'SUBMIT_REVIEW');
      if (i === 1) {
        await fillForm(review, { review: { score: 150, recommendation: 'approve', opinion: '符合第八条' } });
        await review.getByRole('button', { name: '提交评审意见' }).click();
        const field = review.locator('[name="review.score"]');
        await review.locator('.field:has([name="review.score"]) .field-error').filter({ hasText: '不能大于 100' }).waitFor();
        expect(await field.getAttribute('aria-invalid')).toBe('true');
        await screenshot(expert.page, 'field-error-zh');
      }
      await fillForm(review, { review: { score: 88 + i, recommendation: 'approve', opinion: '符合第八条' } });
      await review.getByRole('button', { name: '提交评审意见' }).click();
      await expert.page.getByRole('status').waitFor();
      // An expert reads the dossier assigned to them, never the accounts or the audit trail.
      expect(await expert.page.locator('#funding, #timeline').count()).toBe(0);
      await expert.context.close();
    }

    // The commission approves (Art. 9, 20): the center is established and building.
    await page.reload();
    form = await commandForm(page, 'APPROVE');
    await form.getByRole('button', { name: '批复立项' }).click();
    await page.locator('.facts [data-state="building.running"]').waitFor();

    // The university asks for funding (Art. 13–14), in yuan; the commission grants it.
    await u.reload();
    form = await commandForm(u, 'REQUEST_FUNDING');
    await fillForm(form, { request: { kind: 'promotion', title: '专利申请前评估服务', tasks: ['评估 200 项职务发明披露'], amountFen: 123_456_78 } });
    await form.getByRole('button', { name: '申请经费' }).click();
    await u.getByRole('status').waitFor();
    await page.reload();
    form = await commandForm(page, 'GRANT_FUNDING');
    expect(await form.locator('[name="amountFen"]').inputValue()).toBe('123456.78');
    await form.getByRole('button', { name: '核拨经费' }).click();
    await page.getByRole('status').filter({ hasText: '核拨经费' }).waitFor();
    await page.locator('#funding .term-granted').waitFor();
    await page.locator('#funding td', { hasText: '¥123,456.78' }).first().waitFor();
    expect(await page.locator('#funding').textContent()).toContain('科技成果转移转化促进项目');

    // The timeline names every transition with its actor; the diagram highlights the current state.
    const timeline = page.locator('#timeline');
    await timeline.getByText('核拨经费').waitFor();
    expect(await timeline.locator('tbody tr').count()).toBe(8);
    await page.locator('[data-testid="statechart"][data-rendered="true"] svg').waitFor();
    expect(await page.locator('[data-testid="statechart"] svg .current').count()).toBeGreaterThan(0);
    await screenshot(page, 'center-zh');

    // The dashboard: centers by state, funding this year by kind, in yuan with the fen exact.
    await page.getByRole('link', { name: '工作台' }).click();
    await page.getByTestId('granted-promotion').filter({ hasText: '¥123,456.78' }).waitFor();
    expect(await page.getByTestId('requested-total').textContent()).toBe('¥123,456.78');
    await screenshot(page, 'dashboard-zh');

    // English, switched per user and kept.
    await page.getByRole('button', { name: '切换为英文界面' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('button', { name: 'Switch to Chinese' }).click();
    await page.getByRole('heading', { name: '工作台' }).waitFor();

    // The university sees its own center's accounts but no command of the commission's.
    await u.reload();
    await u.locator('#funding').waitFor();
    expect(await u.locator('details[data-command="GRANT_FUNDING"], details[data-command="APPROVE"]').count()).toBe(0);

    for (const s of [commission, university]) expect(s.errors).toEqual([]);
  });

  it('lets the auditor read everything and act on nothing, and shows the replay and reconciliation', async () => {
    const auditor = await as('auditor-zhou');
    const p = auditor.page;
    await p.goto(`${api.url}/centers`);
    await p.getByRole('link', { name: /北京工业大学/ }).click();
    await p.locator('#timeline').waitFor();
    await p.getByText('当前没有您可以执行的操作。').waitFor();
    expect(await p.locator('details[data-command]').count()).toBe(0);
    await p.getByRole('link', { name: '审计：回放与核对' }).click();
    await p.getByTestId('replay-result').filter({ hasText: '回放一致' }).waitFor();
    await p.getByTestId('reconcile-result').filter({ hasText: '一致' }).waitFor();
    expect(auditor.errors).toEqual([]);
  });

  it('opens a funding round through the form the command table generates, and shows the round with its commands (Art. 13)', async () => {
    const s = await as('wang-fang');
    const p = s.page;
    await p.getByRole('link', { name: '年度择优' }).click();
    const form = await commandForm(p, 'OPEN_ROUND');
    const now = Date.now();
    await fillForm(form, { roundId: 'r-console', title: '2026 年度资金择优（控制台）', year: 2026, opensAt: beijingInput(now - 3600_000), closesAt: beijingInput(now + 7 * 86_400_000), budgetFen: { promotion: 500_000_00, guidance: 0 } });
    await form.getByRole('button', { name: '发布年度资金申报' }).click();
    await p.getByRole('heading', { name: '2026 年度资金择优（控制台）' }).waitFor();
    // The round's other commands, for the commission while the window is open.
    await p.locator('details[data-command="SUBMIT_TO_ROUND"]').waitFor();
    await p.locator('details[data-command="SCORE_IN_ROUND"]').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('is readable at a phone width', async () => {
    const s = await as('bjut-office', { width: 390, height: 844 });
    await s.page.goto(`${api.url}/centers/${CENTER}`);
    await s.page.locator('#funding').waitFor();
    await s.page.locator('[data-testid="statechart"][data-rendered="true"] svg').waitFor();
    const overflow = await s.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(s.page, 'center-phone-zh');
  });
});
