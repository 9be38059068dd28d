import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CONSOLE_CSP } from '../src/routes/console-routes.js';
import { createTestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'admin-token-for-console-tests';
const PAGE =
  '<!doctype html><html><head><script type="module" src="/admin/assets/index-Ab12Cd34.js"></script></head></html>';

/** A built console as `npm run build` leaves it, in a directory of the test's own. */
function fakeBuild(options: { manifest?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-console-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log("console")');
  writeFileSync(join(dir, 'assets', 'index-Ef56Gh78.css'), 'body{margin:0}');
  // Left in the folder by hand, not by the build: must not be served.
  writeFileSync(join(dir, 'assets', 'stray.js'), 'alert(1)');
  if (options.manifest !== false) {
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ files: ['index.html', 'assets/index-Ab12Cd34.js', 'assets/index-Ef56Gh78.css'] }),
    );
  }
  return `${dir}/`;
}

const consoleApp = (dir: string, env: Record<string, string> = { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN }) =>
  createTestApp({ env, appOptions: { consoleDir: dir } });

describe('the console at /admin [sqlite]', () => {
  it('serves the page with the CSP, no caching and no framing; the page itself needs no token', async () => {
    const t = await consoleApp(fakeBuild());
    const response = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(PAGE);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONSOLE_CSP,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    expect(CONSOLE_CSP).toBe("default-src 'self'; frame-ancestors 'none'");
    const slash = await t.app.inject({ method: 'GET', url: '/admin/' });
    expect([slash.statusCode, slash.headers.location]).toEqual([302, '/admin']);
  });

  it('serves the hashed assets for a year, immutable, and nothing else under /admin', async () => {
    const t = await consoleApp(fakeBuild());
    const script = await t.app.inject({ method: 'GET', url: '/admin/assets/index-Ab12Cd34.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-security-policy']).toBe(CONSOLE_CSP);
    const style = await t.app.inject({ method: 'GET', url: '/admin/assets/index-Ef56Gh78.css' });
    expect([style.statusCode, style.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);

    for (const url of [
      '/admin/assets/stray.js',
      '/admin/assets/missing-00000000.js',
      '/admin/assets/../index.html',
      '/admin/assets/%2e%2e/manifest.json',
      '/admin/manifest.json',
      '/admin/index.html',
      '/admin/users',
      '/admin/assets/',
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^application\/json/);
      expect(response.json<{ error: { code: string } }>().error.code, url).toBe('NOT_FOUND');
    }
  });

  it('does not exist without WXLOGIN_ADMIN_TOKEN, like the admin API', async () => {
    const t = await consoleApp(fakeBuild(), {});
    for (const url of ['/admin', '/admin/assets/index-Ab12Cd34.js']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
  });

  it('a checkout whose console is not built says to build it, and the service runs on', async () => {
    const t = await consoleApp(fakeBuild({ manifest: false }));
    const response = await t.app.inject({ method: 'GET', url: '/admin' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'The console is not built: run npm run build.' },
    });
    expect((await t.login()).status).toBe(200);
  });
});
