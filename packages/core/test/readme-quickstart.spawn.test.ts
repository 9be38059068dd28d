import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

describe('README quick start of @wxlogin/core', () => {
  it('is the same code as examples/core-quickstart.mjs', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const snippet = /<!-- quickstart:start -->\n```js\n([\s\S]*?)```\n<!-- quickstart:end -->/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    expect(readFileSync(`${root}examples/core-quickstart.mjs`, 'utf8')).toBe(snippet);
  });

  it('runs as written against `npx wxlogin-simulator` on its default port', async () => {
    const sim = spawn(process.execPath, ['packages/simulator/bin/wxlogin-simulator.js', '--quiet'], { cwd: root });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        sim.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('listening on http://127.0.0.1:3001')) resolve();
        });
        sim.on('exit', () => reject(new Error(`simulator exited (is port 3001 taken?): ${out}`)));
      });
      const { stdout, stderr } = await run(process.execPath, ['examples/core-quickstart.mjs'], { cwd: root, timeout: 15_000 });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/openid: 'o[\w-]{27}'/);
      expect(stdout).toContain('hasSessionKey: true');
    } finally {
      sim.kill('SIGTERM');
    }
  });
});
