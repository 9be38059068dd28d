import { useApi } from '../api/api-context.js';
import { ApiError } from '../api/errors.js';
import type { AdminAuditEvent, AdminSession, AdminUser, AdminUserDetail, Page } from '../api/types.js';
import { LoadError, Loading } from '../components/load-error.js';
import { PagedAudit } from '../components/paged-audit.js';
import { StatusBadge } from '../components/status-badge.js';
import { AccountActions } from '../components/user/account-actions.js';
import { DangerZone } from '../components/user/danger-zone.js';
import { LinkedAccounts } from '../components/user/linked-accounts.js';
import { SessionsTable } from '../components/user/sessions-table.js';
import { UserProfile } from '../components/user/user-profile.js';
import { useAction } from '../hooks/use-action.js';
import { navigate } from '../hooks/use-hash-route.js';
import { usePagedList } from '../hooks/use-paged-list.js';
import { useResource } from '../hooks/use-resource.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';
import { formatRoute } from '../lib/route.js';

/** Audit events per "more". */
const AUDIT_PAGE = 20;

/** One user's story: profile, linked accounts, sessions, actions and audit trail. */
export function UserPage({ id }: { id: string }) {
  const api = useApi();
  const { t } = useI18n();
  const base = `/admin/api/users/${encodeURIComponent(id)}`;

  const detail = useResource(() => api.get<AdminUserDetail>(base), id);
  const audit = usePagedList(
    (cursor) =>
      api.get<Page<AdminAuditEvent>>('/admin/api/audit', { query: { userId: id, cursor, limit: AUDIT_PAGE } }),
    id,
  );
  const reload = () => {
    detail.reload();
    audit.reload();
  };
  const { run } = useAction(reload);
  const user = detail.data?.user;
  useTitle(t('title.user', { name: user === undefined ? id : (user.nickname ?? user.openid) }));

  const back = (
    <p class="crumbs">
      <a href="#/users">← {t('user.back')}</a>
    </p>
  );

  if (detail.data === undefined) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <>
        {back}
        {missing ? (
          <p class="alert" role="alert" data-testid="user-not-found">
            {t('user.notFound', { id })}
          </p>
        ) : detail.error !== undefined ? (
          <LoadError error={detail.error} onRetry={detail.reload} />
        ) : (
          <Loading />
        )}
      </>
    );
  }

  const { sessions, linkedAccounts } = detail.data;
  const shown: AdminUser = detail.data.user;
  const active = sessions.filter((session) => session.active).length;

  const revokeSession = (session: AdminSession) =>
    run(async () => {
      const answer = await api.post<{ revoked: number }>(`${base}/sessions/${encodeURIComponent(session.id)}/revoke`);
      return { text: answer.revoked > 0 ? t('notice.sessionRevoked') : t('notice.sessionAlready') };
    }, 'sessions-heading');
  const revokeAll = () =>
    run(async () => {
      const answer = await api.post<{ revoked: number }>(`${base}/revoke`);
      return { text: t('notice.allRevoked', { n: answer.revoked }) };
    }, 'sessions-heading');
  const disable = (reason: string) =>
    run(async () => {
      await api.post<AdminUser>(`${base}/disable`, { body: reason === '' ? {} : { reason } });
      return { text: t('notice.disabled') };
    }, 'account-heading');
  const enable = () =>
    run(async () => {
      await api.post<AdminUser>(`${base}/enable`);
      return { text: t('notice.enabled') };
    }, 'account-heading');
  const unbindPhone = () =>
    run(async () => {
      await api.post<AdminUser>(`${base}/phone/unbind`);
      return { text: t('notice.unbound') };
    }, 'account-heading');
  const remove = () =>
    run(async () => {
      await api.delete<undefined>(base);
      navigate(formatRoute({ page: 'users', q: '' }));
      return { text: t('notice.deleted', { openid: shown.openid }), sticky: true, leaves: true };
    });

  return (
    <>
      {back}
      <div class="page-head">
        <h1 class="break">{shown.nickname ?? shown.openid}</h1>
        <StatusBadge status={shown.status} />
        {shown.nickname !== null && <span class="mono muted">{shown.openid}</span>}
        <span class="mono muted small">{shown.appid}</span>
      </div>
      {detail.error !== undefined && <LoadError error={detail.error} onRetry={detail.reload} />}

      <div class="grid-user">
        <section class="card" aria-labelledby="profile-heading">
          <h2 id="profile-heading">{t('user.profile')}</h2>
          <UserProfile user={shown} />
        </section>
        <div class="column">
          <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading" tabIndex={-1}>
              {t('account.title')}
            </h2>
            <AccountActions user={shown} onDisable={disable} onEnable={enable} onUnbindPhone={unbindPhone} />
          </section>
          <section class="card" aria-labelledby="linked-heading">
            <h2 id="linked-heading">{t('user.linked')}</h2>
            <LinkedAccounts users={linkedAccounts} />
          </section>
        </div>
      </div>

      <section class="card" aria-labelledby="sessions-heading">
        <div class="card-head">
          <h2 id="sessions-heading" tabIndex={-1}>
            {t('sessions.title')}
          </h2>
          <span class="muted small">{t('sessions.summary', { active, total: sessions.length })}</span>
          <button
            type="button"
            class="btn btn-warn push"
            data-testid="revoke-all"
            disabled={active === 0}
            onClick={revokeAll}
          >
            {t('sessions.revokeAll')}
          </button>
        </div>
        <SessionsTable sessions={sessions} onRevoke={revokeSession} />
      </section>

      <section class="card" aria-labelledby="audit-heading" data-testid="user-audit">
        <h2 id="audit-heading">{t('audit.userHeading')}</h2>
        <PagedAudit list={audit} testid="user-audit-table" showUser={false} />
      </section>

      <DangerZone user={shown} onDelete={remove} />
    </>
  );
}
