import type { AdminAuditEvent } from '../api/types.js';
import { useI18n } from '../i18n/i18n-context.js';
import { formatDateTime, formatDetail } from '../lib/format.js';
import { actionLabel } from '../lib/labels.js';
import { UserLink } from './user-link.js';

/** Who did it: admin, system, or the user (a link). */
function Actor({ actor }: { actor: string }) {
  const { t } = useI18n();
  if (actor === 'admin') return <span>{t('actor.admin')}</span>;
  if (actor === 'system') return <span>{t('actor.system')}</span>;
  if (actor.startsWith('user:')) return <UserLink id={actor.slice('user:'.length)} label={t('actor.user')} />;
  return <span class="mono">{actor}</span>;
}

/** Audit events, newest first, as the service answered them. */
export function AuditTable({
  events,
  testid,
  showUser = true,
}: {
  events: readonly AdminAuditEvent[];
  testid: string;
  showUser?: boolean;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <table class="table" data-testid={testid}>
      <thead>
        <tr>
          <th scope="col">{t('audit.time')}</th>
          <th scope="col">{t('audit.actor')}</th>
          <th scope="col">{t('audit.actionCol')}</th>
          <th scope="col">{t('audit.appid')}</th>
          {showUser && <th scope="col">{t('audit.userCol')}</th>}
          <th scope="col">{t('audit.detail')}</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => {
          const detail = formatDetail(event.detail);
          return (
            <tr key={event.id} data-testid="audit-row" data-action={event.action}>
              <td class="nowrap">{formatDateTime(event.at)}</td>
              <td>
                <Actor actor={event.actor} />
              </td>
              <td>
                <span class={event.action === 'refresh.reuse_detected' ? 'text-bad' : undefined}>
                  {actionLabel(i18n, event.action)}
                </span>{' '}
                <code class="raw">{event.action}</code>
              </td>
              <td class="mono">{event.appid ?? '—'}</td>
              {showUser && <td>{event.userId === null ? '—' : <UserLink id={event.userId} />}</td>}
              <td>
                <code class="detail" title={detail}>
                  {detail}
                </code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
