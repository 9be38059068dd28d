import type { Locale } from '../lib/format.js';
import { en, type MessageKey, type Messages } from './en.js';
import { zhCN } from './zh-CN.js';

export type { Locale } from '../lib/format.js';

/** The languages of the switch, in its order. */
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

/** Where the switch keeps the operator's choice. */
export const LOCALE_STORAGE_KEY = 'wxlogin.lang';

/** The message table of each locale. */
export const TABLES: Readonly<Record<Locale, Messages>> = { 'zh-CN': zhCN, en };

/** Values for a message's `{name}` placeholders. */
export type MessageValues = Record<string, string | number>;

/** Looks a key up and fills its placeholders. */
export type Translate = (key: MessageKey, values?: MessageValues) => string;

/**
 * The console's language: a stored choice wins; else the first of the browser's languages that is Chinese (any
 * `zh…` → zh-CN) or English decides; else English.
 */
export function pickLocale(languages: readonly string[], stored: string | null): Locale {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const language of languages) {
    const primary = language.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/** `{name}` placeholders filled from `values`; an unknown one is left as written. */
export function fill(template: string, values: MessageValues | undefined): string {
  if (values === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : match,
  );
}

/** The translate function of a locale. */
export function translator(locale: Locale): Translate {
  const table = TABLES[locale];
  return (key, values) => fill(table[key], values);
}

/**
 * A message whose key is built at run time (`outcome.${code}`), or undefined when the table has none: the caller
 * then shows the raw code, which is better than a blank for a code this console does not know yet.
 */
export function lookup(locale: Locale, key: string, values?: MessageValues): string | undefined {
  const table: Readonly<Record<string, string>> = TABLES[locale];
  return Object.hasOwn(table, key) ? fill(table[key]!, values) : undefined;
}
