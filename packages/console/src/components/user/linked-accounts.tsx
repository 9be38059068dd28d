import type { AdminUser } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { formatRoute } from '../../lib/route.js';
import { StatusBadge } from '../status-badge.js';

/** The user's accounts in other apps (same unionid), as links. */
export function LinkedAccounts({ users }: { users: readonly AdminUser[] }) {
  const { t } = useI18n();
  return (
    <div data-testid="linked-accounts">
      {users.length === 0 ? (
        <p class="muted">{t('user.linkedNone')}</p>
      ) : (
        <ul class="plain">
          {users.map((user) => (
            <li key={user.id}>
              <a href={formatRoute({ page: 'user', id: user.id })} class="mono">
                {user.openid}
              </a>{' '}
              <span class="muted mono small">{user.appid}</span> <StatusBadge status={user.status} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
