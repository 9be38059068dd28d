import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../build.mjs', import.meta.url));

// Built into a directory of its own, so the server's copy is never emptied under a running server.
let out: string;
let firstBuild: string;

async function build(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [buildScript, '--out-dir', out, ...args], { timeout: 60_000 });
  return stdout;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'wxlogin-console-'));
  firstBuild = await build('--force');
}, 60_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The attributes and bodies of every tag `name` in `html`. */
function tags(html: string, name: string): { attrs: string; body: string }[] {
  const pattern = new RegExp(`<${name}\\b([^>]*)>(?:([\\s\\S]*?)</${name}>)?`, 'gi');
  return [...html.matchAll(pattern)].map((match) => ({ attrs: match[1] ?? '', body: match[2] ?? '' }));
}

describe('the built console', () => {
  it('is index.html plus hashed assets, all listed in manifest.json', async () => {
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { files: string[] };
    const onDisk = (await filesIn(out)).filter((file) => file !== 'manifest.json');
    expect(manifest.files).toEqual(onDisk);
    expect(manifest.files).toContain('index.html');
    const assets = manifest.files.filter((file) => file !== 'index.html');
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const file of assets) expect(file).toMatch(/^assets\/[\w.-]+-[\w-]{6,}\.(?:js|css|svg)$/);
    expect(assets.some((file) => file.endsWith('.js'))).toBe(true);
    expect(assets.some((file) => file.endsWith('.css'))).toBe(true);
  });

  it('has no inline script, style, handler or data: URI in index.html, and loads only /admin/assets/…', async () => {
    const html = await readFile(join(out, 'index.html'), 'utf8');
    const scripts = tags(html, 'script');
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script.attrs).toMatch(/\bsrc="\/admin\/assets\/[^"]+\.js"/);
      expect(script.body.trim()).toBe('');
    }
    expect(tags(html, 'style')).toEqual([]);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/data:|javascript:/i);
    expect(html).not.toMatch(/modulepreload/i);
    const urls = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect(url).toMatch(/^\/admin\/assets\/[\w.-]+$/);
    // Every referenced asset was emitted.
    const files = await filesIn(out);
    for (const url of urls) expect(files).toContain(url.slice('/admin/'.length));
  });

  it('has no data: URI or external URL in the assets either', async () => {
    for (const file of (await filesIn(out)).filter((name) => /\.(?:js|css)$/.test(name))) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text, file).not.toMatch(/data:[a-z]+\/|url\(\s*['"]?(?:https?:)?\/\//i);
      // XML namespace names are not fetched; anything else with a scheme would be.
      const urls = (text.match(/https?:\/\/[^\s"'`)]+/g) ?? []).filter((url) => !url.startsWith('http://www.w3.org/'));
      expect(urls, file).toEqual([]);
    }
  });

  it('prints the gzip sizes on a build and skips a build that is up to date', async () => {
    expect(firstBuild).toMatch(/gzip/);
    const again = await build();
    expect(again.trim()).toBe('console assets up to date');
  });

  it('rebuilds when an output is older than an input', async () => {
    const old = new Date(Date.UTC(2000, 0, 1));
    await utimes(join(out, 'index.html'), old, old);
    const stdout = await build();
    expect(stdout).not.toContain('console assets up to date');
    expect(stdout).toMatch(/built in/);
    expect(await build()).toContain('console assets up to date');
  });
});
