import type { TargetedMouseEvent } from 'preact';
import { useI18n } from '../i18n/i18n-context.js';
import { LOCALES, type Locale } from '../i18n/locale.js';
import { NAV_PAGES, type NavPage } from '../lib/route.js';

/** The skip link, the console's name, its pages, the language switch and sign-out. */
export function Header({
  current,
  onLocale,
  onSignOut,
}: {
  /** The highlighted page; null for none. With `onSignOut` undefined (signed out) there is no nav at all. */
  current: NavPage | null;
  onLocale: (locale: Locale) => void;
  onSignOut?: () => void;
}) {
  const { t, locale } = useI18n();
  // The skip link must not change the hash: that is the router's.
  const skip = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  };
  return (
    <header class="header">
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is in-page navigation; the handler only keeps the router's hash. */}
      <a class="skip" href="#main" onClick={skip}>
        {t('app.skip')}
      </a>
      <span class="brand">
        <span class="brand-mark" aria-hidden="true">
          wx
        </span>
        {t('app.name')}
      </span>
      {onSignOut !== undefined && (
        <nav aria-label={t('nav.label')}>
          <ul class="nav">
            {NAV_PAGES.map((page) => (
              <li key={page}>
                <a href={`#/${page}`} aria-current={current === page ? 'page' : undefined}>
                  {t(`nav.${page}`)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <span class="header-tools">
        <label class="lang">
          <span class="sr-only">{t('lang.label')}</span>
          <select
            data-testid="lang-switch"
            value={locale}
            onChange={(event) => onLocale(event.currentTarget.value === 'en' ? 'en' : 'zh-CN')}
          >
            {LOCALES.map((option) => (
              <option key={option} value={option} lang={option}>
                {t(`lang.${option}`)}
              </option>
            ))}
          </select>
        </label>
        {onSignOut !== undefined && (
          <button type="button" class="btn" data-testid="signout" onClick={onSignOut}>
            {t('header.signout')}
          </button>
        )}
      </span>
    </header>
  );
}
