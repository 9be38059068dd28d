import type { CheckResult, ClockSample } from './check-result.js';

/** Beyond this (after the reading's own uncertainty) the clock is worth fixing, ms. */
export const CLOCK_WARN_MS = 5000;
/** Beyond this tokens are wrong where they are checked, ms. */
export const CLOCK_FAIL_MS = 60_000;

const LABELS: Record<ClockSample['source'], string> = { wechat: 'WeChat', database: 'the database' };

const WHY =
  "sync this machine's clock (NTP: chrony or systemd-timesyncd). Access tokens carry iat and exp from this clock and are checked against other machines' clocks, and the lifetimes of refresh tokens and login codes are compared across every instance sharing the database: a skewed clock makes fresh tokens look expired, or not yet valid, elsewhere";

/**
 * Judges this machine's clock against the others read meanwhile (WeChat's `Date` header, the database's clock).
 * `sqlite`: the database runs on this machine's clock, so only WeChat's is compared.
 */
export function checkClock(samples: readonly ClockSample[], sqlite: boolean): CheckResult {
  const sqliteNote = sqlite ? ' (SQLite runs on this clock)' : '';
  if (samples.length === 0) {
    return {
      check: 'clock',
      status: 'warn',
      summary: `not compared: no other clock answered${sqliteNote}`,
      next: 'fix the wechat and database checks above, then run `wxlogin doctor` again',
    };
  }
  const readings = samples.map((sample) => ({
    ...sample,
    skewMs: Math.max(0, Math.abs(sample.offsetMs) - sample.uncertaintyMs),
  }));
  const worst = Math.max(...readings.map((reading) => reading.skewMs));
  const described = readings
    .map((r) => `${LABELS[r.source]} ${formatSeconds(r.offsetMs)} (±${formatSeconds(r.uncertaintyMs, false)})`)
    .join(', ');
  const data: Record<string, number> = {};
  for (const r of readings) data[`${r.source}OffsetMs`] = Math.round(r.offsetMs);
  const status = worst > CLOCK_FAIL_MS ? 'fail' : worst > CLOCK_WARN_MS ? 'warn' : 'ok';
  return {
    check: 'clock',
    status,
    summary: `other clocks minus this machine's: ${described}${sqliteNote}`,
    ...(status === 'ok' ? {} : { next: WHY }),
    data,
  };
}

/** `+1.2 s` (the other clock is ahead) / `-0.4 s`. */
function formatSeconds(ms: number, signed = true): string {
  const seconds = (Math.abs(ms) / 1000).toFixed(1);
  if (!signed || seconds === '0.0') return `${seconds} s`;
  return `${ms < 0 ? '-' : '+'}${seconds} s`;
}
