import { describe, expect, it } from 'vitest';
import {
  expiresIn,
  formatDateTime,
  formatDetail,
  formatMs,
  formatRelative,
  formatShare,
  formatYuan,
  PHONE_PRICE_YUAN,
  shortUserAgent,
} from '../src/lib/format.js';

const NOW = Date.UTC(2025, 4, 1, 12, 0, 0);
const at = (seconds: number): string => new Date(NOW + seconds * 1000).toISOString();

describe('expiresIn', () => {
  it('counts down as mm:ss under 10 minutes', () => {
    expect(expiresIn(at(599), NOW)).toEqual({ kind: 'clock', text: '09:59' });
    expect(expiresIn(at(65.9), NOW)).toEqual({ kind: 'clock', text: '01:05' });
    expect(expiresIn(at(1), NOW)).toEqual({ kind: 'clock', text: '00:01' });
  });

  it('says whole minutes from 10 minutes up', () => {
    expect(expiresIn(at(600), NOW)).toEqual({ kind: 'minutes', minutes: 10 });
    expect(expiresIn(at(7199), NOW)).toEqual({ kind: 'minutes', minutes: 119 });
  });

  it('knows expired and unknown', () => {
    expect(expiresIn(at(0), NOW)).toEqual({ kind: 'expired' });
    expect(expiresIn(at(-30), NOW)).toEqual({ kind: 'expired' });
    expect(expiresIn(null, NOW)).toEqual({ kind: 'unknown' });
    expect(expiresIn('soon', NOW)).toEqual({ kind: 'unknown' });
  });
});

describe('formatRelative', () => {
  it('speaks both languages, past and future', () => {
    expect(formatRelative(at(-10), NOW, 'en')).toBe('now');
    expect(formatRelative(at(-3 * 60), NOW, 'en')).toBe('3 minutes ago');
    expect(formatRelative(at(-2 * 3600), NOW, 'en')).toBe('2 hours ago');
    expect(formatRelative(at(-3 * 86_400), NOW, 'en')).toBe('3 days ago');
    expect(formatRelative(at(5 * 60), NOW, 'en')).toBe('in 5 minutes');
    expect(formatRelative(at(-3 * 60), NOW, 'zh-CN')).toBe('3分钟前');
    expect(formatRelative(null, NOW, 'en')).toBe('—');
  });
});

describe('formatYuan', () => {
  it('formats ¥0.00 from yuan, rounding half up', () => {
    expect(formatYuan(0)).toBe('¥0.00');
    expect(formatYuan(7 * PHONE_PRICE_YUAN.quick)).toBe('¥0.21');
    expect(formatYuan(123 * PHONE_PRICE_YUAN.realtime)).toBe('¥4.92');
    expect(formatYuan(1.005)).toBe('¥1.01');
    expect(formatYuan(1234.5)).toBe('¥1234.50');
    expect(formatYuan(Number.NaN)).toBe('—');
  });

  it('has the prices of quick and real-time verification', () => {
    expect(PHONE_PRICE_YUAN).toEqual({ quick: 0.03, realtime: 0.04 });
  });
});

describe('small formats', () => {
  it('formats latencies', () => {
    expect([formatMs(null), formatMs(12), formatMs(999.6), formatMs(1250), formatMs(12_000)]).toEqual([
      '—',
      '12 ms',
      '1000 ms',
      '1.3 s',
      '12 s',
    ]);
  });

  it('formats shares', () => {
    expect([formatShare(1, 0), formatShare(0, 5), formatShare(1, 3), formatShare(1, 30)]).toEqual([
      '—',
      '0%',
      '33%',
      '3.3%',
    ]);
  });

  it('formats local date-times compactly', () => {
    const local = new Date(2025, 4, 1, 9, 5, 7);
    expect(formatDateTime(local.toISOString())).toBe('2025-05-01 09:05:07');
    expect(formatDateTime(null)).toBe('—');
  });

  it('formats audit details as compact JSON', () => {
    expect(formatDetail({ reason: 'fraud', n: 2 })).toBe('{"reason":"fraud","n":2}');
    expect(formatDetail({})).toBe('—');
    expect(formatDetail(null)).toBe('—');
  });
});

describe('shortUserAgent', () => {
  it('names the device, its OS and WeChat', () => {
    expect(
      shortUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
      ),
    ).toBe('iPhone · iOS 17.2 · WeChat 8.0.47');
    expect(
      shortUserAgent(
        'Mozilla/5.0 (Linux; Android 14; 23127PN0CC Build/UKQ1.230804.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI',
        '微信',
      ),
    ).toBe('23127PN0CC · Android 14 · 微信 8.0.47');
  });

  it('shortens anything else', () => {
    expect(shortUserAgent('wxlogin-smoke/1.0')).toBe('wxlogin-smoke/1.0');
    expect(shortUserAgent('x'.repeat(60))).toBe(`${'x'.repeat(39)}…`);
    expect(shortUserAgent(null)).toBe('—');
  });
});
