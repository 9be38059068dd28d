import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { fill, lookup, pickLocale, TABLES } from '../src/i18n/locale.js';
import { zhCN } from '../src/i18n/zh-CN.js';
import { AUDIT_ACTIONS, KNOWN_ERRCODES, KNOWN_OUTCOMES, REVOKED_REASONS, WECHAT_APIS } from '../src/lib/labels.js';

const src = fileURLToPath(new URL('../src', import.meta.url));

/** Every `.ts`/`.tsx` file under src. */
function sources(): string[] {
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => join(src, file));
}

/** The keys of literal `t('…')` calls in a source text. */
function keysUsed(text: string): string[] {
  return [...text.matchAll(/\bt\(\s*'([^']+)'/g)].map((match) => match[1]!);
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('message tables', () => {
  const tables: [string, Record<string, string>][] = [
    ['en', en],
    ['zh-CN', zhCN],
  ];

  it.each(tables)('%s has every key of the other table, none empty', (_name, table) => {
    const all = new Set([...Object.keys(en), ...Object.keys(zhCN)]);
    const missing = [...all].filter((key) => !Object.hasOwn(table, key));
    const empty = Object.entries(table)
      .filter(([, text]) => typeof text !== 'string' || text.trim() === '')
      .map(([key]) => key);
    expect(missing).toEqual([]);
    expect(empty).toEqual([]);
  });

  it('both tables use the same placeholders for each key', () => {
    const differ = Object.keys(en).filter(
      (key) => placeholders(en[key as keyof typeof en]).join() !== placeholders(zhCN[key as keyof typeof zhCN]).join(),
    );
    expect(differ).toEqual([]);
  });

  it('every key used as t(…) in src is in a table', () => {
    const files = sources();
    expect(files.some((file) => file.endsWith('.tsx'))).toBe(true);
    const unknown: string[] = [];
    let used = 0;
    for (const file of files) {
      for (const key of keysUsed(readFileSync(file, 'utf8'))) {
        used++;
        if (!Object.hasOwn(en, key) && !Object.hasOwn(zhCN, key)) unknown.push(`${file}: ${key}`);
      }
    }
    expect(unknown).toEqual([]);
    // The scan itself must be finding the calls, or this test would pass on anything.
    expect(used).toBeGreaterThan(100);
  });

  it('the scan finds keys in t() calls, not in other calls', () => {
    expect(keysUsed("t('a.b') + t( 'c', { n }) + split('x') + format('y') + it('z')")).toEqual(['a.b', 'c']);
  });

  it('every outcome, errcode, audit action, revoke reason and WeChat API the console names has a label', () => {
    const keys = [
      ...KNOWN_OUTCOMES.map((code) => `outcome.${code}`),
      ...KNOWN_ERRCODES.map((code) => `errcode.${code}`),
      ...AUDIT_ACTIONS.map((action) => `action.${action}`),
      ...REVOKED_REASONS.map((reason) => `revoked.${reason}`),
      ...WECHAT_APIS.map((api) => `wechatApi.${api}`),
    ];
    for (const locale of ['en', 'zh-CN'] as const) {
      expect(keys.filter((key) => lookup(locale, key) === undefined)).toEqual([]);
    }
  });

  it('the errcodes the brief names mean what it says', () => {
    expect(lookup('en', 'errcode.40163')).toMatch(/twice/);
    expect(lookup('en', 'errcode.40164')).toMatch(/whitelist/);
    expect(lookup('zh-CN', 'errcode.45011')).toMatch(/每分钟/);
    expect(lookup('en', 'errcode.99999')).toBeUndefined();
  });

  it('speaks proper operator Chinese for the key terms', () => {
    const text = Object.values(zhCN).join('\n');
    for (const term of ['登录', '会话', '吊销', '停用', '解绑手机号', '审计日志', '接口调用凭据 access_token']) {
      expect(text).toContain(term);
    }
    expect(TABLES['zh-CN']).toBe(zhCN);
  });
});

describe('fill', () => {
  it('fills known placeholders and leaves unknown ones', () => {
    expect(fill('{n} of {m} ({x})', { n: 1, m: 'two' })).toBe('1 of two ({x})');
    expect(fill('plain', undefined)).toBe('plain');
  });
});

describe('pickLocale', () => {
  it('takes the first Chinese or English browser language', () => {
    expect(pickLocale(['zh-TW', 'en'], null)).toBe('zh-CN');
    expect(pickLocale(['zh'], null)).toBe('zh-CN');
    expect(pickLocale(['fr-FR', 'zh-CN', 'en'], null)).toBe('zh-CN');
    expect(pickLocale(['en-GB', 'zh-CN'], null)).toBe('en');
    expect(pickLocale(['fr', 'de'], null)).toBe('en');
    expect(pickLocale([], null)).toBe('en');
  });

  it('lets a stored choice win, and ignores a stored value it does not know', () => {
    expect(pickLocale(['zh-CN'], 'en')).toBe('en');
    expect(pickLocale(['en'], 'zh-CN')).toBe('zh-CN');
    expect(pickLocale(['zh-CN'], 'klingon')).toBe('zh-CN');
  });
});
