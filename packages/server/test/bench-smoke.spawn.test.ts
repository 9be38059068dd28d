// A tiny run of `npm run bench` (wxlogin alone, one round of one second per scenario), so the benchmark cannot rot
// unnoticed: the figures are not checked, only that every scenario ran with every request answered.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Summary {
  target: string;
  scenario: string;
  requests: number;
  failed: number;
  reqPerSec: number;
  cpuUsPerReq: number;
}

describe('npm run bench, smoke', () => {
  it('runs login, refresh and GET /v1/me against wxlogin serve, every request answered, and writes its record', async () => {
    const args = [
      '--targets',
      'wxlogin',
      '--rounds',
      '1',
      '--seconds',
      '1',
      '--warmup',
      '0',
      '--no-growth',
      '--no-check',
    ];
    const { stdout } = await run(process.execPath, ['bench/run.js', ...args], {
      timeout: 50_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    const file = /^results: (.+)$/m.exec(stdout)?.[1];
    expect(file, stdout).toBeDefined();
    try {
      const record = JSON.parse(readFileSync(file!, 'utf8')) as { summary: Summary[]; pass: boolean };
      expect(record.summary.map((s) => s.scenario).sort()).toEqual(['login', 'me', 'refresh']);
      for (const row of record.summary) {
        expect(row.target).toBe('wxlogin');
        expect(row.requests).toBeGreaterThan(100);
        expect(row.failed).toBe(0);
        expect(row.reqPerSec).toBeGreaterThan(0);
        expect(row.cpuUsPerReq).toBeGreaterThan(0);
      }
    } finally {
      rmSync(file!, { force: true });
    }
  }, 60_000);
});
