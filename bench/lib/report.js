// The printed table and the JSON record of a run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** What the figures were measured on; they mean little without it. */
export function describeMachine() {
  const list = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: list.length,
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The commit the figures belong to (`+dirty` with local changes); `unknown` outside a git checkout. */
export function describeCommit(cwd) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty === '' ? head : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}

const round = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/**
 * The scenario table as text.
 * @param {ReturnType<typeof import('./load.js').summarise>[]} rows
 */
export function formatTable(rows) {
  const header = ['scenario', 'req/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'];
  const body = rows.map((r) => [
    r.scenario,
    round(r.reqPerSecMean),
    round(r.latencyMs.p50),
    round(r.latencyMs.p99),
    String(r.non2xx),
    String(r.errors + r.timeouts),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/**
 * Writes `results/quick-<UTC date-time>.json` under `benchDir` and answers its path.
 * @param {string} benchDir
 * @param {object} record
 */
export function writeRecord(benchDir, record) {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const file = join(dir, `quick-${stamp}Z.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
