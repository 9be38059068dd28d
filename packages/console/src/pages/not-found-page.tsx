import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';

/** A hash the console has no page for. */
export function NotFoundPage({ hash }: { hash: string }) {
  const { t } = useI18n();
  useTitle(t('title.notFound'));
  return (
    <>
      <div class="page-head">
        <h1>{t('title.notFound')}</h1>
      </div>
      <p data-testid="page-not-found">{t('notFound.body', { hash })}</p>
      <p>
        <a href="#/overview">{t('notFound.back')}</a>
      </p>
    </>
  );
}
