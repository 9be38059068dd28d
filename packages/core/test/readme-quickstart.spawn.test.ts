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

  // As written but for the simulator's port: a free one, so the test passes while `npm start` holds 3001.
  it('runs as written against `npx wxlogin-simulator` (on a free port instead of 3001)', async () => {
    const example = readFileSync(`${root}examples/core-quickstart.mjs`, 'utf8');
    expect(example.split('http://127.0.0.1:3001')).toHaveLength(2);
    const sim = spawn(process.execPath, ['packages/simulator/bin/wxlogin-simulator.js', '--quiet', '--port', '0'], {
      cwd: root,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        sim.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        sim.on('exit', () => reject(new Error(`simulator exited: ${out}`)));
      });
      const code = example.replace('http://127.0.0.1:3001', url);
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', code], {
        cwd: root,
        timeout: 15_000,
      });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/openid: 'o[\w-]{27}'/);
      expect(stdout).toContain('hasSessionKey: true');
    } finally {
      sim.kill('SIGTERM');
    }
  });
});
