import type { ComponentChildren } from 'preact';
import type { AdminUser } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import type { MessageKey } from '../../i18n/en.js';
import { formatDateTime } from '../../lib/format.js';
import { StatusBadge } from '../status-badge.js';

/** Every field of the user, as a description list. */
export function UserProfile({ user }: { user: AdminUser }) {
  const { t } = useI18n();
  const text = (value: string | null): ComponentChildren =>
    value === null ? <span class="muted">—</span> : <span class="mono">{value}</span>;
  const rows: [MessageKey, ComponentChildren][] = [
    ['field.id', text(user.id)],
    ['field.appid', text(user.appid)],
    ['field.openid', text(user.openid)],
    ['field.unionid', text(user.unionid)],
    ['field.phone', text(user.phone)],
    ['field.nickname', user.nickname ?? <span class="muted">—</span>],
    // Shown, not loaded: the page's CSP allows no image from WeChat's CDN, and the console needs none.
    ['field.avatarUrl', user.avatarUrl === null ? text(null) : <span class="mono break">{user.avatarUrl}</span>],
    ['field.status', <StatusBadge key="status" status={user.status} />],
    ['field.disabledReason', user.disabledReason ?? <span class="muted">—</span>],
    ['field.createdAt', formatDateTime(user.createdAt)],
    ['field.lastLoginAt', formatDateTime(user.lastLoginAt)],
    ['field.updatedAt', formatDateTime(user.updatedAt)],
  ];
  return (
    <dl class="profile" data-testid="user-profile">
      {rows.map(([key, value]) => (
        <div key={key} data-field={key.slice('field.'.length)}>
          <dt>{t(key)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
