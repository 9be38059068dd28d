import type { AdminOverview } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { formatCount, formatDateTime, formatShortDateTime } from '../../lib/format.js';
import { Badge } from '../badge.js';
import { UserLink } from '../user-link.js';

/** Refresh-token reuse: a stolen token or a broken client. Loud when there is any. */
export function ReuseAlarms({ reuse }: { reuse: AdminOverview['refreshReuse'] }) {
  const { t, locale } = useI18n();
  const alarm = reuse.detected > 0;
  return (
    <div data-testid="reuse-alarms" class={alarm ? 'reuse reuse-alarm' : 'reuse'} data-detected={reuse.detected}>
      <p class="reuse-count">
        <span class="big">{formatCount(reuse.detected, locale)}</span> <span>{t('reuse.detected')}</span>{' '}
        {alarm && <Badge tone="bad">{t('reuse.alarm')}</Badge>}
      </p>
      {alarm ? <p class="small">{t('reuse.explain')}</p> : <p class="muted small">{t('reuse.none')}</p>}
      {reuse.recent.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t('reuse.time')}</th>
              <th scope="col">{t('reuse.user')}</th>
              <th scope="col">{t('reuse.appid')}</th>
            </tr>
          </thead>
          <tbody>
            {reuse.recent.map((event) => (
              <tr key={event.id}>
                <td class="nowrap" title={formatDateTime(event.at)}>
                  {formatShortDateTime(event.at)}
                </td>
                <td>{event.userId === null ? '—' : <UserLink id={event.userId} />}</td>
                <td class="mono">{event.appid ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
