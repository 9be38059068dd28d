import type { AdminAuditEvent } from '../api/types.js';
import type { PagedList } from '../hooks/use-paged-list.js';
import { useI18n } from '../i18n/i18n-context.js';
import { AuditTable } from './audit-table.js';
import { LoadError, Loading } from './load-error.js';

/** An audit list with its "more" button, its empty state and its failures. */
export function PagedAudit({
  list,
  testid,
  showUser,
}: {
  list: PagedList<AdminAuditEvent>;
  testid: string;
  showUser?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div>
      {list.error !== undefined && <LoadError error={list.error} onRetry={list.reload} />}
      {!list.loaded ? (
        list.error === undefined && <Loading />
      ) : list.items.length === 0 ? (
        <p class="empty" data-testid="no-results">
          {t('audit.empty')}
        </p>
      ) : (
        <AuditTable events={list.items} testid={testid} {...(showUser === undefined ? {} : { showUser })} />
      )}
      {list.loaded && list.nextCursor !== null && (
        <div class="row pager">
          <button type="button" class="btn" data-testid="more" disabled={list.loading} onClick={list.loadMore}>
            {t('common.more')}
          </button>
        </div>
      )}
    </div>
  );
}
