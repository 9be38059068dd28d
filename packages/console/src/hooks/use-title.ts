import { useEffect } from 'preact/hooks';
import { useI18n } from '../i18n/i18n-context.js';

/** Sets `document.title` to the page's name and the console's. */
export function useTitle(page: string): void {
  const { t } = useI18n();
  const app = t('app.name');
  useEffect(() => {
    document.title = `${page} · ${app}`;
  }, [page, app]);
}
