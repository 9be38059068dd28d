import type { AdminUser } from '../api/types.js';
import { useI18n } from '../i18n/i18n-context.js';
import { Badge } from './badge.js';

/** A user's status in words, coloured. */
export function StatusBadge({ status }: { status: AdminUser['status'] }) {
  const { t } = useI18n();
  return status === 'active' ? (
    <Badge tone="ok">{t('status.active')}</Badge>
  ) : (
    <Badge tone="bad">{t('status.disabled')}</Badge>
  );
}
