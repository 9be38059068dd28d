/** A locale the console speaks. */
export type Locale = 'zh-CN' | 'en';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2024-05-01 14:05:09` in the browser's local time: one compact, sortable form for both languages. */
export function formatDateTime(iso: string | null): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** `12-02 13:09`, local time: a recent moment where a column is narrow. */
export function formatShortDateTime(iso: string | null): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `14:05`, local time (chart axes). */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "3 minutes ago" / "3分钟前" from `iso` to `now`; future times read "in …". */
export function formatRelative(iso: string | null, now: number, locale: Locale): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'long' });
  if (abs < 45) return format.format(0, 'second');
  if (abs < 45 * 60) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86_400), 'day');
}

/** How long until an expiry, for the operator to render through the language tables. */
export type ExpiresIn =
  | { kind: 'unknown' }
  | { kind: 'expired' }
  /** Under 10 minutes: a `mm:ss` countdown. */
  | { kind: 'clock'; text: string }
  | { kind: 'minutes'; minutes: number };

/** The time left until `expiresAt` at `now`: `mm:ss` under 10 minutes (worth watching), else whole minutes. */
export function expiresIn(expiresAt: string | null, now: number): ExpiresIn {
  if (expiresAt === null) return { kind: 'unknown' };
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) return { kind: 'unknown' };
  const left = Math.floor((ms - now) / 1000);
  if (left <= 0) return { kind: 'expired' };
  if (left < 600) return { kind: 'clock', text: `${pad(Math.floor(left / 60))}:${pad(left % 60)}` };
  return { kind: 'minutes', minutes: Math.floor(left / 60) };
}

/** `¥0.21`: yuan with two decimals, rounded half up (not `toFixed`'s binary rounding: 1.005 → ¥1.01). */
export function formatYuan(yuan: number): string {
  if (!Number.isFinite(yuan)) return '—';
  const fen = Math.round(Math.abs(yuan) * 100 + 1e-7);
  const sign = yuan < 0 && fen > 0 ? '-' : '';
  return `${sign}¥${Math.floor(fen / 100)}.${pad(fen % 100)}`;
}

/** Yuan per redeemed phone code: quick verification (手机号快速验证) and real-time (手机号实时验证). */
export const PHONE_PRICE_YUAN = { quick: 0.03, realtime: 0.04 } as const;

/** `12 ms`, `1.2 s`; null (no calls) as a dash. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A count with thousands separators. */
export function formatCount(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** `12.5%` of `total`; a dash when there is no total. */
export function formatShare(n: number, total: number): string {
  if (!(total > 0)) return '—';
  const share = (n / total) * 100;
  return `${share >= 10 || share === 0 ? Math.round(share) : share.toFixed(1)}%`;
}

/** The audit detail as compact JSON, e.g. `{"reason":"fraud"}`; null as a dash. */
export function formatDetail(detail: Record<string, unknown> | null): string {
  if (detail === null) return '—';
  const text = JSON.stringify(detail);
  return text === '{}' ? '—' : text;
}

/**
 * A user agent in a few words: the device, its OS version and WeChat's version when it is a mini program
 * (`iPhone · iOS 17.2 · WeChat 8.0.47`, `wechat` naming WeChat in the page's language); otherwise the first 40
 * characters. The full text goes in a tooltip.
 */
export function shortUserAgent(ua: string | null, wechat = 'WeChat'): string {
  if (ua === null || ua.trim() === '') return '—';
  const parts: string[] = [];
  const ios = /\b(iPhone|iPad|iPod)\b[^)]*?\bOS (\d+)[_.](\d+)/.exec(ua);
  const android = /\(([^)]*\bAndroid (\d+(?:\.\d+)?)[^)]*)\)/.exec(ua);
  if (ios) parts.push(ios[1]!, `iOS ${ios[2]}.${ios[3]}`);
  else if (android) {
    // `(Linux; Android 14; 23127PN0CC Build/UKQ1…; wv)`: the model is the part that is not a platform word.
    const model = android[1]!
      .split(';')
      .map((part) => part.trim().replace(/\s*Build\/.*$/, ''))
      .find((part) => part !== '' && !/^(?:Linux|U|wv|Android\b.*|[a-z]{2}(?:[-_][a-zA-Z]{2})?)$/.test(part));
    if (model !== undefined) parts.push(model);
    parts.push(`Android ${android[2]}`);
  } else if (/Windows NT/.test(ua)) parts.push('Windows');
  else if (/Mac OS X/.test(ua)) parts.push('macOS');
  else if (/Linux/.test(ua)) parts.push('Linux');
  const client = /MicroMessenger\/(\d+(?:\.\d+){0,2})/.exec(ua);
  if (client) parts.push(`${wechat} ${client[1]}`);
  if (parts.length > 0) return parts.join(' · ');
  return ua.length > 40 ? `${ua.slice(0, 39)}…` : ua;
}
