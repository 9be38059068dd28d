import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Locale } from '../lib/format.js';
import { lookup, type MessageValues, type Translate, translator } from './locale.js';

/** The page's language and its translate functions. */
export interface I18n {
  locale: Locale;
  t: Translate;
  /** A run-time built key, or undefined when there is none (see `lookup`). */
  maybe: (key: string, values?: MessageValues) => string | undefined;
}

/** The I18n value of a locale. */
export function i18nOf(locale: Locale): I18n {
  return { locale, t: translator(locale), maybe: (key, values) => lookup(locale, key, values) };
}

/** Provided by the app shell. */
export const I18nContext = createContext<I18n>(i18nOf('en'));

/** The page's language. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
