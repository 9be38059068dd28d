import { redactSecrets } from '@wxlogin/core';
import type { CheckResult, CheckStatus } from './check-result.js';
import type { DoctorReport } from './run-doctor.js';

const SYMBOLS: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/**
 * One check as text: `✓ database: …`, then its details and, when it did not pass, `next: …` indented under it.
 * `secrets` are blanked wherever they appear (a driver's message quoting a URL, say): defence in depth, since no
 * check puts one there.
 */
export function renderCheck(result: CheckResult, secrets: readonly string[]): string {
  const label = result.check === 'app' ? `app ${result.appid ?? ''}` : result.check;
  const lines = [`${SYMBOLS[result.status]} ${label}: ${result.summary}`];
  for (const detail of result.details ?? []) lines.push(`    - ${detail}`);
  if (result.next !== undefined && result.status !== 'ok') lines.push(`    next: ${result.next}`);
  return `${redactSecrets(lines.join('\n'), secrets)}\n`;
}

/** The last line: how many checks failed or warned, and the exit code it means. */
export function renderVerdict(report: DoctorReport): string {
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  const warnings = `${warned} warning${warned === 1 ? '' : 's'}`;
  const verdict =
    report.exitCode === 2
      ? 'the configuration is invalid'
      : failed === 0
        ? `no check failed (${warnings})`
        : `${failed} check${failed === 1 ? '' : 's'} failed, ${warnings}`;
  return `wxlogin doctor: ${verdict}; exit code ${report.exitCode}\n`;
}

/** The whole report as one JSON document (`--json`), secrets blanked as in the text. */
export function renderJson(report: DoctorReport, secrets: readonly string[]): string {
  return `${redactSecrets(JSON.stringify(report, null, 2), secrets)}\n`;
}
