import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { expect } from 'vitest';
import type { InPage } from './in-page.js';
import type { Unavailable } from './unavailable.js';

/** Chromium at /usr/bin/chromium (what .ci/run installs); WXLOGIN_TEST_CHROMIUM points elsewhere for a local run. */
export const chromiumPath: string = process.env['WXLOGIN_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Why the browser suites cannot run here, or undefined: they run only when WXLOGIN_TEST_BROWSER=1 asks for them,
 * and a missing Chromium then (or whenever CI=true) is a failure rather than a quiet skip.
 */
export function browserUnavailable(): Unavailable | undefined {
  const wanted = process.env['WXLOGIN_TEST_BROWSER'] === '1';
  const isCi = process.env['CI'] === 'true';
  if (!wanted) {
    return {
      reason: `WXLOGIN_TEST_BROWSER is not set${isCi ? ', and CI=true requires the browser suite' : ''} (e.g. WXLOGIN_TEST_BROWSER=1)`,
      fail: isCi,
    };
  }
  return existsSync(chromiumPath) ? undefined : { reason: `no Chromium at ${chromiumPath}`, fail: true };
}

/** Launches the one Chromium of a suite, headless, without the background traffic that would leave loopback. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-background-networking'],
    timeout: 20_000,
  });
}

/** What a page may do that is not a problem: one exact expected failure (e.g. the 401 of a refused token). */
export interface ExpectedFailure {
  /** Matches the failing request (its URL, status and headers are known when this is asked). */
  matches(request: { url: string; status: number; authorization: string | undefined }): boolean;
}

/** Everything a watched page did, for the assertions of a test. */
export interface PageRecord {
  /**
   * Console errors, uncaught errors and failed requests to the service, as readable lines (a function when it
   * depends on what comes later: it answers the line, or undefined when it turned out to be expected).
   */
  problems: (string | (() => string | undefined))[];
  /** Every request the page made: its URL and its headers as sent. */
  requests: { url: string; headers: Record<string, string> }[];
  /** Response headers per URL (the last response of each). */
  responseHeaders: Map<string, Record<string, string>>;
}

const records = new WeakMap<Page, PageRecord>();
const expectations = new WeakMap<Page, ExpectedFailure[]>();

/**
 * A fresh page at 1280×900 in `context`, watched: console errors, `pageerror`s, requests to `serviceOrigin` that
 * fail or answer ≥ 400, and CSP violations are recorded for {@link expectNoProblems}.
 */
export async function watchedPage(context: BrowserContext, serviceOrigin: string): Promise<Page> {
  // Playwright's init scripts are not subject to the page's CSP, so this one sees every violation.
  await context.addInitScript(() => {
    const page = globalThis as unknown as InPage;
    const violations: string[] = [];
    page.__cspViolations = violations;
    page.document.addEventListener('securitypolicyviolation', (e) =>
      violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  const record: PageRecord = { problems: [], requests: [], responseHeaders: new Map() };
  records.set(page, record);
  expectations.set(page, []);
  const expected = (request: Request, status: number, authorization: string | undefined): boolean =>
    (expectations.get(page) ?? []).some((e) => e.matches({ url: request.url(), status, authorization }));
  // Chromium logs every ≥ 400 answer as a console error naming its URL: an expected one is not a problem either.
  const expectedUrls = new Set<string>();

  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    const line = `console error: ${message.text()} (${url})`;
    // The response event may come after this message: whether it was expected is decided when problems are read.
    if (/^Failed to load resource: the server responded with a status of/.test(message.text())) {
      record.problems.push(() => (expectedUrls.has(url) ? undefined : line));
    } else {
      record.problems.push(line);
    }
  });
  page.on('pageerror', (error) => record.problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    record.requests.push({ url: request.url(), headers: request.headers() });
  });
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(serviceOrigin)) {
      record.problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
    }
  });
  page.on('response', (response) => {
    const request = response.request();
    record.responseHeaders.set(response.url(), response.headers());
    if (!response.url().startsWith(serviceOrigin) || response.status() < 400) return;
    if (expected(request, response.status(), request.headers()['authorization'])) {
      expectedUrls.add(response.url());
      return;
    }
    record.problems.push(`HTTP ${response.status()}: ${request.method()} ${response.url()}`);
  });
  return page;
}

/** What `page` recorded so far. */
export function recordOf(page: Page): PageRecord {
  const record = records.get(page);
  if (record === undefined) throw new Error('not a watched page: open it with watchedPage()');
  return record;
}

/** Declares one failure `page` is expected to meet, so that it is not reported as a problem. */
export function expectFailure(page: Page, failure: ExpectedFailure): void {
  expectations.get(page)?.push(failure);
}

/** Asserts that `page` met no console error, no uncaught error, no failed request and no CSP violation so far. */
export async function expectNoProblems(page: Page): Promise<void> {
  const violations = await page.evaluate(() => (globalThis as unknown as InPage).__cspViolations ?? []);
  const problems = recordOf(page).problems.map((p) => (typeof p === 'string' ? p : p()));
  expect([...problems.filter((p) => p !== undefined), ...violations.map((v) => `CSP violation: ${v}`)]).toEqual([]);
}

/**
 * Presses Tab (Shift+Tab with `backwards`) until the focused element matches `selector`; fails after `max` presses.
 * Keyboard tests reach everything this way, never with a click.
 */
export async function tabTo(page: Page, selector: string, max = 60, backwards = false): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const focused = await page.evaluate(
      (s) => (globalThis as unknown as InPage).document.activeElement?.matches(s),
      selector,
    );
    if (focused === true) return;
  }
  const at = await page.evaluate(
    () => (globalThis as unknown as InPage).document.activeElement?.outerHTML.slice(0, 200) ?? 'nothing',
  );
  throw new Error(`${max} Tab presses never focused ${selector} (focus is on ${at})`);
}

/** Whether the focused element shows where it is: an outline or a box-shadow ring, as computed now. */
export function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as InPage;
    const element = document.activeElement;
    if (element === null || element === document.body) return false;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow !== '' && style.boxShadow !== 'none');
  });
}
