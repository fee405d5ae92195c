/**
 * The console in a real headless browser: Debian's chromium driven by playwright-core, against the API harness
 * (test/helpers/api.ts) serving the built console. Only Playwright's auto-waiting locators wait; nothing sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { fenToInput } from '../../console/src/format';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');

export function launch(): Promise<Browser> {
  // A fresh machine has no browser until .ci/run (or the line below) installs one: say so, instead of playwright's
  // "Failed to launch" with a path.
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The console tests drive Debian's chromium, and ${CHROMIUM} does not exist: install it (apt-get install chromium fonts-wqy-microhei, as .ci/run does) or set CHROMIUM_PATH to a chromium binary.`);
  }
  // --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions (a CSP violation shows here). */
  errors: string[];
}

export async function open(browser: Browser, url: string, opts: { viewport?: { width: number; height: number } } = {}): Promise<Session> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: opts.viewport ?? { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // A refused command is an HTTP error the console shows on the page; the browser logs it as a failed resource.
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { context, page, errors };
}

export async function login(browser: Browser, url: string, userId: string, password: string, opts: { viewport?: { width: number; height: number } } = {}): Promise<Session> {
  const s = await open(browser, `${url}/`, opts);
  await s.page.getByLabel('用户名').fill(userId);
  await s.page.getByLabel('密码').fill(password);
  await s.page.getByRole('button', { name: '登录' }).click();
  await s.page.getByTestId('who').waitFor();
  return s;
}

/** Opens a command's form on the page (its <details>) and gives the form. */
export async function commandForm(page: Page, type: string): Promise<Locator> {
  const details = page.locator(`details[data-command="${type}"]`);
  await details.locator('summary').click();
  const form = details.locator('form');
  await form.waitFor();
  return form;
}

/**
 * Types `value` into a generated form, field by field as a person would: objects by their fields, lists item by item
 * (adding items with the list's button), money in yuan, booleans as check boxes, closed lists as selects.
 */
export async function fillForm(form: Locator, value: unknown, at = ''): Promise<void> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = `${at}.${i}`;
      if ((await form.locator(`[name="${item}"], [name^="${item}."]`).count()) === 0) await form.locator(`[data-add="${at}"]`).click();
      await fillForm(form, value[i], item);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) await fillForm(form, v, at ? `${at}.${k}` : k);
    return;
  }
  const field = form.locator(`[name="${at}"]`);
  if (typeof value === 'boolean') return field.setChecked(value);
  const tag = await field.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'select') {
    await field.selectOption(String(value));
    return;
  }
  await field.fill(typeof value === 'number' && /Fen$/.test(at) ? fenToInput(value) : String(value));
}

export function screenshot(page: Page, name: string): Promise<Buffer> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
