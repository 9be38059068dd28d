import { useApi } from '../api/api-context.js';
import type { AdminApp, Page } from '../api/types.js';
import { LoadError, Loading } from '../components/load-error.js';
import { TokenStateTable } from '../components/token-state-table.js';
import { useResource } from '../hooks/use-resource.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';

/** The configured mini programs and their access_token state (never a secret: the API has none). */
export function AppsPage() {
  const api = useApi();
  const { t } = useI18n();
  useTitle(t('title.apps'));
  const resource = useResource(() => api.get<Page<AdminApp>>('/admin/api/apps'), 'apps');
  return (
    <>
      <div class="page-head">
        <h1>{t('apps.heading')}</h1>
      </div>
      <section class="card">
        <p class="muted">{t('apps.intro')}</p>
        {resource.error !== undefined && <LoadError error={resource.error} onRetry={resource.reload} />}
        {resource.data === undefined ? (
          resource.error === undefined && <Loading />
        ) : (
          <TokenStateTable apps={resource.data.items} testid="apps-table" />
        )}
      </section>
    </>
  );
}
