import { useI18n } from '../i18n/i18n-context.js';
import { errorText } from '../lib/error-text.js';

/** A failed load, said plainly, with a retry. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <div class="alert" role="alert" data-testid="load-error">
      <span>{errorText(t, error)}</span>
      <button type="button" class="btn" onClick={onRetry}>
        {t('error.retry')}
      </button>
    </div>
  );
}

/** The placeholder while a page's first data is on its way. */
export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" aria-busy="true">
      {t('common.loading')}
    </p>
  );
}
