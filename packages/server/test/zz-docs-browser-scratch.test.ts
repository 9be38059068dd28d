import { chromium } from 'playwright-core';
import { it, expect } from 'vitest';
import { createTestApp } from './helpers/test-app.js';

it('docs render under CSP', async () => {
  const t = await createTestApp();
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: '/tmp/oa/chr/usr/lib/chromium/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.goto(`${url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 15000 });
    const count = await page.locator('.opblock').count();
    await page.locator('.opblock').first().click();
    await page.waitForTimeout(500);
    console.log('opblocks', count, '\n' + messages.join('\n'));
    await page.screenshot({ path: '/tmp/oa/docs.png', fullPage: false });
    expect(messages.filter((m) => /Content Security Policy|Refused/i.test(m))).toEqual([]);
  } finally {
    await browser.close();
  }
}, 60000);
