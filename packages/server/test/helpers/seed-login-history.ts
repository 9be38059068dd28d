import Database from 'better-sqlite3';
import { wechatCallOutcomes } from '../../src/stats/wechat-call-outcomes.js';

const MINUTE = 60_000;

/**
 * Writes an hour of made-up but plausible traffic into a running `wxlogin dev`'s `login_stats` (its SQLite file),
 * under an instance of its own: the README's screenshot then shows the chart as an operator sees it after an hour,
 * not one bar at the right edge. Only the screenshot test calls it; every asserted number comes from real logins.
 * Deterministic (no randomness), so the image changes only when the console does.
 */
export function seedLoginHistory(databaseFile: string, appid: string, now: number): void {
  // Keyed as the table is: several calls of a minute can share a latency bucket.
  const counts = new Map<string, { minute: number; outcome: string; count: number }>();
  const current = now - (now % MINUTE);
  const add = (minute: number, outcome: string, count: number): void => {
    if (count === 0) return;
    const key = `${minute}\n${outcome}`;
    const row = counts.get(key);
    if (row === undefined) counts.set(key, { minute, outcome, count });
    else row.count += count;
  };
  const wechat = (minute: number, api: 'code2Session' | 'getPhoneNumber', errcode: number, ms: number, n: number) => {
    const [call, latency] = wechatCallOutcomes({ api, appid, errcode, durationMs: ms });
    add(minute, call, n);
    add(minute, latency, n);
  };
  // The hour before the current minute (which holds the real logins of the test).
  for (let ago = 59; ago >= 1; ago--) {
    const minute = current - ago * MINUTE;
    const i = 59 - ago;
    // A morning ramp with a lunchtime wave: 18 to ~60 logins a minute.
    const success = Math.round(30 + 14 * Math.sin(i / 6) + i / 3);
    const badCode = i % 7 === 3 ? 2 : i % 11 === 0 ? 1 : 0; // 40029: an old SDK build resending stale codes
    const doubleSubmit = i % 13 === 5 ? 1 : 0; // 40163
    const quota = i >= 38 && i <= 40 ? 4 + (i - 38) * 2 : 0; // 45011: one user's script, minutes 38–40
    add(minute, 'success', success);
    add(minute, 'INVALID_CODE', badCode);
    add(minute, 'CODE_ALREADY_USED', doubleSubmit);
    add(minute, 'WECHAT_RATE_LIMITED', quota);
    wechat(minute, 'code2Session', 0, i % 5 === 0 ? 140 : 45, success);
    wechat(minute, 'code2Session', 40029, 40, badCode);
    wechat(minute, 'code2Session', 40163, 40, doubleSubmit);
    wechat(minute, 'code2Session', 45011, 30, quota);
    wechat(minute, 'getPhoneNumber', 0, 90, i % 3 === 0 ? 2 : 1);
  }
  const db = new Database(databaseFile, { timeout: 5000 });
  try {
    const insert = db.prepare(
      'INSERT INTO login_stats (appid, minute, outcome, instance, count) VALUES (@appid, @minute, @outcome, @instance, @count)',
    );
    db.transaction(() => {
      for (const row of counts.values()) insert.run({ ...row, appid, instance: 'readme-screenshot-seed' });
    })();
  } finally {
    db.close();
  }
}
