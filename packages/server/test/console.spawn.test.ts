import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  browserUnavailable,
  expectFailure,
  expectNoProblems,
  focusIsVisible,
  launchBrowser,
  recordOf,
  tabTo,
  watchedPage,
} from './helpers/browser.js';
import { ANDROID_UA, adminCall, DevClient, IPAD_UA, IPHONE_UA, type LoginBody } from './helpers/dev-logins.js';
import { type DevProcess, startDev } from './helpers/dev-process.js';
import { seedLoginHistory } from './helpers/seed-login-history.js';
import { DEV_APPID } from '../src/auth/dev-app.js';
import { repoRoot } from './helpers/spawn-process.js';
import type { InPage, InPageElement } from './helpers/in-page.js';
import { declareAvailability } from './helpers/unavailable.js';

const MANIFEST = join(repoRoot, 'packages/server/console/manifest.json');
const SCREENSHOTS = join(repoRoot, '.ci/out/screenshots');
const DOCS_IMAGES = join(repoRoot, 'docs/images');
const UPDATE_DOCS = process.env['WXLOGIN_UPDATE_SCREENSHOTS'] === '1';
/** Every wait in a page: well inside the spawn project's 60 s per test. */
const WAIT_MS = 10_000;

/** An openid no other test uses (the simulator makes a new user of any openid it has not seen). */
const uniqueOpenid = (what: string): string => `o${what}${randomBytes(8).toString('hex')}`;

interface StatsBody {
  totals: Record<string, number>;
  wechatErrcodes: Record<string, number>;
}
interface AdminUserBody {
  user: { id: string; openid: string; status: string; disabledReason: string | null; phone: string | null };
  sessions: { id: string; userAgent: string | null; active: boolean }[];
}

/** Sums the `data-count` of the elements matching `selector`. */
const countSum = (page: Page, selector: string): Promise<number> =>
  page.$$eval(selector, (elements: InPageElement[]) =>
    elements.reduce((n, e) => n + Number(e.getAttribute('data-count') ?? 0), 0),
  );

/** A full-page PNG of what `page` shows now, under `.ci/out/screenshots/` (and `docs/images/` when asked for). */
async function screenshot(page: Page, name: string, docsName?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  if (docsName !== undefined && UPDATE_DOCS) {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    await page.screenshot({ path: join(DOCS_IMAGES, `${docsName}.png`), fullPage: true });
  }
}

/** Moves the signed-in console to `hash` as a link would (same document: the token stays in sessionStorage). */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    (globalThis as unknown as InPage).location.hash = h;
  }, hash);
}

describe('the console in Chromium against a spawned wxlogin dev [sqlite] [browser]', () => {
  if (!declareAvailability('[browser]', 'Chromium', browserUnavailable())) return;
  if (!existsSync(MANIFEST)) {
    // `npm test` builds the console first; a suite that cannot see it must say so, not pass by skipping.
    it('the console is built', () => {
      throw new Error(`no ${MANIFEST}: build it with node packages/console/build.mjs`);
    });
    return;
  }

  let dev: DevProcess;
  let browser: Browser;
  let client: DevClient;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dev = await startDev();
    client = new DevClient(dev.api, dev.sim);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
  });

  /** A fresh tab (its own sessionStorage) in English, watched for problems. */
  async function freshPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(WAIT_MS);
    contexts.push(context);
    return watchedPage(context, dev.api);
  }

  /** A fresh tab signed in from the banner's URL, on the overview. */
  async function signedIn(): Promise<Page> {
    const page = await freshPage();
    await page.goto(dev.consoleUrl);
    await page.waitForSelector('[data-testid=logins-chart]');
    return page;
  }

  /** The admin API's view of user `id`. */
  async function adminUser(id: string): Promise<AdminUserBody> {
    const res = await adminCall<AdminUserBody>(dev.api, dev.adminToken, 'GET', `/admin/api/users/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  it('signs in from the banner URL: the token leaves the address bar, lives in sessionStorage, goes only in a header', async () => {
    const page = await signedIn();
    const token = dev.adminToken;
    expect(page.url()).not.toContain('token=');
    expect(page.url()).not.toContain(token);
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('wxlogin.adminToken')),
    ).toBe(token);

    const { requests } = recordOf(page);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(request.url).not.toContain(token);
    for (const request of requests) {
      for (const [name, value] of Object.entries(request.headers)) {
        if (name !== 'authorization') expect(value, name).not.toContain(token);
      }
    }
    const apiCalls = requests.filter((r) => new URL(r.url).pathname.startsWith('/admin/api/'));
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const request of apiCalls) expect(request.headers['authorization'], request.url).toBe(`Bearer ${token}`);
    await expectNoProblems(page);
  });

  it('after some logins the chart shows them per outcome, with errcode 40029 for the bad code, in both windows', async () => {
    const page = await signedIn();
    for (let i = 0; i < 3; i++) await client.login();
    await client.badLogin();

    const logins = '[data-testid=logins-chart] [data-testid=chart-point]';
    const stats = async (window: string): Promise<StatsBody> =>
      (await adminCall<StatsBody>(dev.api, dev.adminToken, 'GET', `/admin/api/stats?window=${window}`)).body;
    for (const window of ['24h', '1h']) {
      // Toggling the window loads it afresh, with the logins made since the page opened.
      await page.click(`[data-testid=window-${window}]`);
      await expect.poll(() => page.getAttribute(`[data-testid=window-${window}]`, 'aria-pressed')).toBe('true');
      await expect
        .poll(() => countSum(page, `${logins}[data-outcome=success]`), { timeout: WAIT_MS })
        .toBeGreaterThanOrEqual(3);
      await expect
        .poll(() => countSum(page, `${logins}[data-outcome=INVALID_CODE]`), { timeout: WAIT_MS })
        .toBeGreaterThanOrEqual(1);
      await page.waitForSelector('[data-testid=errcode-table] tr[data-errcode="40029"]');
      await page.waitForSelector('[data-testid=errcode-chart] [data-testid=chart-point][data-errcode="40029"]');

      // The chart, the totals table and the API tell the same story.
      const { totals, wechatErrcodes } = await stats(window);
      expect(await countSum(page, `${logins}[data-outcome=success]`)).toBe(totals['success']);
      expect(await countSum(page, `${logins}[data-outcome=INVALID_CODE]`)).toBe(totals['INVALID_CODE']);
      expect(await countSum(page, '[data-testid=errcode-chart] [data-errcode="40029"]')).toBe(wechatErrcodes['40029']);
      const total = (outcome: string) =>
        page.getAttribute(`[data-testid=outcome-totals] tr[data-outcome=${outcome}] td[data-count]`, 'data-count');
      expect(await total('success')).toBe(String(totals['success']));
      expect(await total('INVALID_CODE')).toBe(String(totals['INVALID_CODE']));
      expect(await page.textContent('[data-testid=errcode-table] tr[data-errcode="40029"]')).toContain(
        String(wechatErrcodes['40029']),
      );
      await screenshot(page, `overview-${window}`);
      await expectNoProblems(page);
    }
  });

  it('finds a user by its exact openid, opens its page with its one session, and finds nothing by a substring', async () => {
    const openid = uniqueOpenid('Find');
    const login = await client.login(openid, IPHONE_UA);
    const page = await signedIn();
    await page.click('nav a[href="#/users"]');
    await page.fill('[data-testid=user-search] input[name=q]', openid);
    await page.press('[data-testid=user-search] input[name=q]', 'Enter');
    await page.waitForFunction(() => (globalThis as unknown as InPage).location.hash.startsWith('#/users?q='));
    await expect.poll(() => page.locator('[data-testid=user-row]').count()).toBe(1);
    expect(await page.textContent('[data-testid=user-row]')).toContain(openid);
    await screenshot(page, 'users-search');

    await page.click(`[data-testid=user-row] a[href="#/users/${login.user.id}"]`);
    await page.waitForSelector('[data-testid=user-profile]');
    expect(await page.textContent('[data-testid=user-profile]')).toContain(openid);
    await expect.poll(() => page.locator('[data-testid=session-row]').count()).toBe(1);
    expect(await page.getAttribute('[data-testid=session-row] [title]', 'title')).toBe(IPHONE_UA);
    await screenshot(page, 'user');
    await expectNoProblems(page);

    await go(page, '#/users');
    await page.fill('[data-testid=user-search] input[name=q]', openid.slice(0, -4));
    await page.press('[data-testid=user-search] input[name=q]', 'Enter');
    await page.waitForSelector('[data-testid=no-results]');
    expect(await page.locator('[data-testid=user-row]').count()).toBe(0);
    await expectNoProblems(page);
  });

  it("revokes one device's session: that device's refresh is refused, the other's works, the audit trail says so", async () => {
    const openid = uniqueOpenid('Revoke');
    const phone = await client.login(openid, IPHONE_UA);
    const pad = await client.login(openid, IPAD_UA);
    expect(pad.user.id).toBe(phone.user.id);
    const padSession = (await adminUser(pad.user.id)).sessions.find((s) => s.userAgent === IPAD_UA);
    expect(padSession).toBeDefined();

    const page = await signedIn();
    await go(page, `#/users/${pad.user.id}`);
    await expect.poll(() => page.locator('[data-testid=session-row]').count()).toBe(2);
    const padRow = `[data-testid=session-row][data-session-id="${padSession!.id}"]`;
    await page.click(`${padRow} [data-testid=revoke-session]`);
    await page.waitForSelector(`${padRow}[data-state=revoked]`);
    expect(await page.locator(`${padRow} [data-testid=revoke-session]`).count()).toBe(0);
    await expect.poll(async () => (await page.textContent('[data-testid=notice]'))?.trim()).not.toBe('');

    const refused = await client.refresh(pad.refreshToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('SESSION_EXPIRED');
    expect((await client.refresh(phone.refreshToken)).status).toBe(200);

    await page.waitForSelector('[data-testid=user-audit] [data-testid=audit-row][data-action="session.revoked"]');
    expect(await page.textContent('[data-testid=user-audit]')).toContain('session.revoked');
    await screenshot(page, 'user-revoked');
    await expectNoProblems(page);
  });

  it('disables a user with a reason (its logins and refreshes answer USER_DISABLED), then enables it again', async () => {
    const openid = uniqueOpenid('Disable');
    const login = await client.login(openid);
    const reason = 'phone reported stolen, ticket 4711';
    const page = await signedIn();
    await go(page, `#/users/${login.user.id}`);
    await page.fill('[data-testid=disable-reason]', reason);
    await page.click('[data-testid=disable-user]');
    await page.waitForSelector('[data-testid=enable-user]');
    await expect.poll(() => page.textContent('[data-testid=user-profile] [data-field=status]')).toContain('Disabled');
    expect(await page.textContent('[data-testid=user-profile]')).toContain(reason);
    expect((await adminUser(login.user.id)).user).toMatchObject({ status: 'disabled', disabledReason: reason });

    const { code } = await client.mintCode(openid);
    const refused = await client.exchange(code);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('USER_DISABLED');
    const stale = await client.refresh(login.refreshToken);
    expect(stale.status).toBe(403);
    expect(stale.body.error.code).toBe('USER_DISABLED');

    await page.click('[data-testid=enable-user]');
    await page.waitForSelector('[data-testid=disable-user]');
    await expect.poll(() => page.textContent('[data-testid=user-profile] [data-field=status]')).toContain('Active');
    expect((await client.login(openid)).user.id).toBe(login.user.id);
    await expectNoProblems(page);
  });

  it('refuses a wrong token: the address bar is stripped, the form says why, no data shows; the right token then signs in', async () => {
    const page = await freshPage();
    // The one failure this test is about: the console's calls with the wrong token answer 401.
    expectFailure(page, {
      matches: ({ url, status, authorization }) =>
        status === 401 && new URL(url).pathname.startsWith('/admin/api/') && authorization === 'Bearer wrong-token',
    });
    await page.goto(`${dev.api}/admin#token=wrong-token`);
    await page.waitForSelector('[data-testid=signin-error]');
    expect(page.url()).not.toContain('token=');
    expect(page.url()).not.toContain('wrong-token');
    expect(await page.getAttribute('[data-testid=signin-error]', 'role')).toBe('alert');
    for (const data of ['user-row', 'logins-chart', 'chart-point', 'user-profile', 'outcome-totals', 'token-state']) {
      expect(await page.locator(`[data-testid=${data}]`).count(), data).toBe(0);
    }
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('wxlogin.adminToken')),
    ).toBeNull();
    await expectNoProblems(page);

    await page.fill('[data-testid=signin-form] input[name=token]', dev.adminToken);
    await page.press('[data-testid=signin-form] input[name=token]', 'Enter');
    await page.waitForSelector('[data-testid=logins-chart]');
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('wxlogin.adminToken')),
    ).toBe(dev.adminToken);
    expect(page.url()).not.toContain(dev.adminToken);
    await expectNoProblems(page);
  });

  it('renders every page and both languages with no console error and no CSP violation, under its CSP', async () => {
    // A user with a revoked session, so the user page and the audit filter have something to show.
    const openid = uniqueOpenid('Pages');
    const first = await client.login(openid, IPHONE_UA);
    await client.login(openid, ANDROID_UA);
    const { id } = first.user;
    const older = (await adminUser(id)).sessions.find((s) => s.userAgent === IPHONE_UA)!;
    const path = `/admin/api/users/${id}/sessions/${older.id}/revoke`;
    expect((await adminCall(dev.api, dev.adminToken, 'POST', path)).status).toBe(200);

    const page = await freshPage();
    const response = await page.goto(dev.consoleUrl);
    expect(response?.headers()['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
    await page.waitForSelector('[data-testid=logins-chart]');
    const assets = [...recordOf(page).responseHeaders].filter(([url]) =>
      new URL(url).pathname.startsWith('/admin/assets/'),
    );
    expect(assets.some(([url]) => url.endsWith('.js'))).toBe(true);
    expect(assets.some(([url]) => url.endsWith('.css'))).toBe(true);
    for (const [url, headers] of assets) expect(headers['cache-control'], url).toContain('immutable');
    await screenshot(page, 'pages-overview-1h');
    await expectNoProblems(page);

    await page.click('[data-testid=window-24h]');
    await expect.poll(() => page.getAttribute('[data-testid=window-24h]', 'aria-pressed')).toBe('true');
    await page.waitForSelector('[data-testid=logins-chart] [data-testid=chart-point]');
    await screenshot(page, 'pages-overview-24h');
    await expectNoProblems(page);

    await go(page, '#/users');
    await page.waitForSelector('[data-testid=user-list] [data-testid=user-row]');
    await screenshot(page, 'pages-users');
    await expectNoProblems(page);

    await go(page, `#/users/${id}`);
    await page.waitForSelector('[data-testid=session-row][data-state=revoked]');
    await page.waitForSelector('[data-testid=user-audit] [data-testid=audit-row]');
    await screenshot(page, 'pages-user');
    await expectNoProblems(page);

    await go(page, '#/apps');
    await page.waitForSelector('[data-testid=apps-table]');
    expect(await page.textContent('[data-testid=apps-table]')).toContain('wxdevapp00000001');
    await screenshot(page, 'pages-apps');
    await expectNoProblems(page);

    await go(page, '#/audit');
    await page.waitForSelector('[data-testid=audit-table] [data-testid=audit-row]');
    await page.selectOption('[data-testid=audit-action]', 'session.revoked');
    await page.click('[data-testid=audit-apply]');
    await page.waitForFunction(() =>
      (globalThis as unknown as InPage).location.hash.includes('action=session.revoked'),
    );
    await expect
      .poll(() =>
        page.$$eval('[data-testid=audit-table] [data-testid=audit-row]', (rows: InPageElement[]) => [
          ...new Set(rows.map((r) => r.getAttribute('data-action'))),
        ]),
      )
      .toEqual(['session.revoked']);
    await screenshot(page, 'pages-audit');
    await expectNoProblems(page);

    const usersLink = 'nav a[href="#/users"]';
    const english = await page.textContent(usersLink);
    await page.selectOption('[data-testid=lang-switch]', 'zh-CN');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-CN');
    await expect.poll(() => page.textContent(usersLink)).not.toBe(english);
    expect(await page.textContent(usersLink)).toMatch(/[\u4e00-\u9fff]/);
    await screenshot(page, 'pages-audit-zh-CN');
    await expectNoProblems(page);
    await page.selectOption('[data-testid=lang-switch]', 'en');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('en');
    await expect.poll(() => page.textContent(usersLink)).toBe(english);
    await expectNoProblems(page);
  });

  it('keyboard only: skip link first, then overview → Users → search → user → revoke a session → disable', async () => {
    const openid = uniqueOpenid('Keys');
    const phone = await client.login(openid, IPHONE_UA);
    const pad = await client.login(openid, IPAD_UA);
    const { id } = phone.user;
    const page = await signedIn();

    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.matches('a[href="#main"]')),
    ).toBe(true);
    expect(await focusIsVisible(page)).toBe(true);

    await tabTo(page, 'nav a[href="#/users"]');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=user-search]');
    await tabTo(page, '[data-testid=user-search] input[name=q]');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.type(openid);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=user-row]').count()).toBe(1);

    await tabTo(page, `a[href="#/users/${id}"]`);
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=session-row]').count()).toBe(2);

    await tabTo(page, '[data-testid=revoke-session]');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await adminUser(id)).sessions.filter((s) => s.active).length, { timeout: WAIT_MS })
      .toBe(1);
    await page.waitForSelector('[data-testid=session-row][data-state=revoked]');
    const refreshed = await Promise.all([client.refresh(phone.refreshToken), client.refresh(pad.refreshToken)]);
    expect(refreshed.map((r) => r.status).sort()).toEqual([200, 401]);

    await tabTo(page, '[data-testid=disable-reason]');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.type('keyboard test');
    await tabTo(page, '[data-testid=disable-user]');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Space');
    await page.waitForSelector('[data-testid=enable-user]');
    expect((await adminUser(id)).user).toMatchObject({ status: 'disabled', disabledReason: 'keyboard test' });

    // Back the other way with Shift+Tab: the header's Users link is still reachable.
    await tabTo(page, 'nav a[href="#/users"]', 60, true);
    await expectNoProblems(page);
  });

  if (UPDATE_DOCS) {
    it("takes the README's screenshots after realistic traffic (WXLOGIN_UPDATE_SCREENSHOTS=1)", async () => {
      // The hour before this minute, so the chart reads as it does after an hour of use (see the helper).
      seedLoginHistory(join(dev.stateDir, 'dev.db'), DEV_APPID, Date.now());
      const users: LoginBody[] = [];
      const agents = [IPHONE_UA, ANDROID_UA, IPAD_UA];
      for (let i = 0; i < 40; i++) {
        users.push(await client.login(undefined, agents[i % agents.length]));
        if (i % 9 === 4) await client.badLogin(`never-minted-${i}`);
      }
      // A disabled account that keeps trying: USER_DISABLED in the chart.
      const banned = users[7]!;
      const disable = `/admin/api/users/${banned.user.id}/disable`;
      const reason = { reason: 'abuse: scripted logins' };
      expect((await adminCall(dev.api, dev.adminToken, 'POST', disable, reason)).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const { code } = await client.mintCode(banned.user.openid);
        expect((await client.exchange(code)).status).toBe(403);
      }
      for (const user of users.slice(0, 2)) expect((await client.bindPhone(user)).status).toBe(200);
      // Reuse: gen 0 → 1 → 2, then gen 0 again (older than the direct predecessor, so no grace).
      const victim = users[5]!;
      const gen1 = await client.refresh(victim.refreshToken);
      expect((await client.refresh(gen1.body.refreshToken)).status).toBe(200);
      expect((await client.refresh(victim.refreshToken)).body.error.code).toBe('REFRESH_TOKEN_REUSED');

      // One user on three devices, a phone bound, one device revoked: a user page with a story.
      const star = users[0]!;
      await client.login(star.user.openid, IPAD_UA);
      await client.login(star.user.openid, ANDROID_UA);
      const ipad = (await adminUser(star.user.id)).sessions.find((s) => s.userAgent === IPAD_UA)!;
      const revoke = `/admin/api/users/${star.user.id}/sessions/${ipad.id}/revoke`;
      expect((await adminCall(dev.api, dev.adminToken, 'POST', revoke)).status).toBe(200);

      const page = await signedIn();
      await page.waitForSelector('[data-testid=reuse-alarms]');
      await expect
        .poll(() => countSum(page, '[data-testid=logins-chart] [data-outcome=success]'), { timeout: WAIT_MS })
        .toBeGreaterThanOrEqual(40);
      await screenshot(page, 'docs-console-overview', 'console-overview');
      await go(page, `#/users/${star.user.id}`);
      await expect.poll(() => page.locator('[data-testid=session-row]').count()).toBe(3);
      await page.waitForSelector('[data-testid=user-audit] [data-testid=audit-row][data-action="session.revoked"]');
      await screenshot(page, 'docs-console-user', 'console-user');
      await expectNoProblems(page);
    });
  }
});
