import type { AdminSession } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { formatDateTime, shortUserAgent } from '../../lib/format.js';
import { revokedReasonLabel } from '../../lib/labels.js';
import { Badge } from '../badge.js';

/** The user's sessions (devices), newest first, each active one with its revoke button. */
export function SessionsTable({
  sessions,
  onRevoke,
}: {
  sessions: readonly AdminSession[];
  onRevoke: (session: AdminSession) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  if (sessions.length === 0) {
    return (
      <p class="muted" data-testid="sessions">
        {t('sessions.none')}
      </p>
    );
  }
  return (
    <table class="table" data-testid="sessions">
      <thead>
        <tr>
          <th scope="col">{t('sessions.device')}</th>
          <th scope="col">{t('sessions.ip')}</th>
          <th scope="col">{t('sessions.created')}</th>
          <th scope="col">{t('sessions.lastUsed')}</th>
          <th scope="col" class="num">
            {t('sessions.generation')}
          </th>
          <th scope="col">{t('sessions.state')}</th>
          <th scope="col">
            <span class="sr-only">{t('sessions.actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => {
          const device = shortUserAgent(session.userAgent, t('ua.wechat'));
          const state = session.active ? 'active' : session.revokedAt !== null ? 'revoked' : 'expired';
          return (
            <tr key={session.id} data-testid="session-row" data-session-id={session.id} data-state={state}>
              <td title={session.userAgent ?? undefined}>
                {device}
                <div class="muted small mono">{session.appid}</div>
              </td>
              <td class="mono">{session.ip ?? '—'}</td>
              <td class="nowrap">{formatDateTime(session.createdAt)}</td>
              <td class="nowrap">{formatDateTime(session.lastUsedAt)}</td>
              <td class="num">{session.generation ?? '—'}</td>
              <td>
                {state === 'active' && <Badge tone="ok">{t('sessions.active')}</Badge>}
                {state === 'revoked' && (
                  <>
                    <Badge tone="bad">{t('sessions.revoked')}</Badge>
                    <div class="small muted">
                      {session.revokedReason === null ? '' : revokedReasonLabel(i18n, session.revokedReason)}
                      {session.revokedReason === null ? '' : ' · '}
                      {formatDateTime(session.revokedAt)}
                    </div>
                  </>
                )}
                {state === 'expired' && <Badge tone="neutral">{t('sessions.expired')}</Badge>}
              </td>
              <td>
                {session.active && (
                  <button
                    type="button"
                    class="btn btn-small"
                    data-testid="revoke-session"
                    aria-label={t('sessions.revokeLabel', { device })}
                    onClick={() => onRevoke(session)}
                  >
                    {t('sessions.revoke')}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
