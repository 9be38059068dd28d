// The printed tables and the JSON record of a run.
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
const whole = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

/**
 * Rows of cells as an aligned text table: the first `leftColumns` columns flush left, the others flush right.
 * @param {string[]} header
 * @param {string[][]} body
 * @param {number} [leftColumns]
 */
function formatGrid(header, body, leftColumns = 1) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/**
 * Every target × scenario of a full run (bench/run.js); a summary with too many errors shows `INVALID`, not a figure.
 * @param {import('./summary.js').Summary[]} summaries
 * @param {Record<string, string>} labels how each scenario is printed
 */
export function formatSummaryTable(summaries, labels) {
  const withDb = summaries.some((s) => s.countersPerReq !== undefined);
  const header = ['scenario', 'target', 'req/s', 'CPU µs/req', 'p50 ms', 'p99 ms', 'max RSS MB', 'errors'];
  if (withDb) header.push('db per request');
  const body = summaries.map((s) => {
    const row = [
      labels[s.scenario] ?? s.scenario,
      s.target,
      s.invalid ? 'INVALID' : whole(s.reqPerSec),
      s.invalid ? '-' : whole(s.cpuUsPerReq),
      round(s.p50Ms),
      round(s.p99Ms),
      round(s.maxRssBytes / 1e6),
      `${s.failed}${s.failed > 0 ? ` (worst round ${(s.worstErrorRate * 100).toFixed(2)}%)` : ''}`,
    ];
    if (withDb) {
      row.push(
        s.countersPerReq === undefined
          ? ''
          : Object.entries(s.countersPerReq)
              .map(([key, value]) => `${key} ${value.toFixed(2)}`)
              .join(', '),
      );
    }
    return row;
  });
  return formatGrid(header, body, 2);
}

/**
 * The checks as text: ✓ met, ✗ missed, – not in this run.
 * @param {import('./checks.js').Check[]} checks
 */
export function formatChecksTable(checks) {
  const header = ['', 'check', 'value', 'goal', 'CPU µs/req ratio', 'note'];
  const body = checks.map((c) => [
    c.pass === undefined ? '–' : c.pass ? '✓' : '✗',
    c.name,
    c.shown,
    c.goal,
    c.cpuRatio === undefined ? '' : `${round(c.cpuRatio, 2)}×`,
    c.note ?? '',
  ]);
  return formatGrid(header, body, 2);
}

/**
 * Writes `results/<prefix>-<UTC date-time>.json` under `benchDir` and answers its path.
 * @param {string} benchDir
 * @param {object} record
 * @param {string} [prefix] the file name's start (`bench` for bench/run.js)
 */
export function writeRecord(benchDir, record, prefix = 'bench') {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const file = join(dir, `${prefix}-${stamp}Z.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
