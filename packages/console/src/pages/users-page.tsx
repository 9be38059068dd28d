import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../api/api-context.js';
import type { AdminUser, Page } from '../api/types.js';
import { LoadError, Loading } from '../components/load-error.js';
import { StatusBadge } from '../components/status-badge.js';
import { navigate } from '../hooks/use-hash-route.js';
import { useResource } from '../hooks/use-resource.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';
import { formatDateTime } from '../lib/format.js';
import { formatRoute, normalizeUserQuery } from '../lib/route.js';

/** Users per page of the list. */
const PAGE_SIZE = 50;

/** The exact-match search and the newest users, a page at a time. */
export function UsersPage({ q }: { q: string }) {
  const api = useApi();
  const { t } = useI18n();
  useTitle(t('title.users'));
  const [input, setInput] = useState(q);
  // Cursors of the pages seen so far: [undefined] is the first page.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => {
    setInput(q);
    setCursors([undefined]);
  }, [q]);
  const cursor = cursors[cursors.length - 1];

  const resource = useResource(
    () =>
      api.get<Page<AdminUser>>('/admin/api/users', {
        query: { q: q === '' ? undefined : q, cursor, limit: PAGE_SIZE },
      }),
    `${q}|${cursor ?? ''}`,
  );

  const submit = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    navigate(formatRoute({ page: 'users', q: normalizeUserQuery(input) }));
  };

  const page = resource.data;
  return (
    <>
      <div class="page-head">
        <h1>{t('users.heading')}</h1>
      </div>
      <section class="card" aria-labelledby="search-heading">
        <h2 id="search-heading" class="sr-only">
          {t('users.search')}
        </h2>
        <form class="search" data-testid="user-search" onSubmit={submit}>
          <label class="field" for="user-q">
            {t('users.q')}
          </label>
          <div class="row">
            <input
              id="user-q"
              class="search-input"
              name="q"
              type="search"
              value={input}
              onInput={(event) => setInput(event.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
              aria-describedby="user-q-hint"
            />
            <button type="submit" class="btn btn-primary">
              {t('users.submit')}
            </button>
            {q !== '' && (
              <a class="btn" href="#/users">
                {t('users.showNewest')}
              </a>
            )}
          </div>
          <p id="user-q-hint" class="hint">
            {t('users.qHint')}
          </p>
        </form>
      </section>

      <section class="card" aria-labelledby="list-heading">
        <div class="card-head">
          <h2 id="list-heading">{q === '' ? t('users.newest') : t('users.results', { q })}</h2>
          {cursors.length > 1 && <span class="muted small">{t('users.page', { n: cursors.length })}</span>}
        </div>
        {resource.error !== undefined && <LoadError error={resource.error} onRetry={resource.reload} />}
        {page === undefined ? (
          resource.error === undefined && <Loading />
        ) : page.items.length === 0 ? (
          <p class="empty" data-testid="no-results">
            {q === '' ? t('users.empty') : t('users.noResults', { q })}
          </p>
        ) : (
          <table class="table" data-testid="user-list">
            <thead>
              <tr>
                <th scope="col">{t('users.openid')}</th>
                <th scope="col">{t('users.nickname')}</th>
                <th scope="col">{t('users.appid')}</th>
                <th scope="col">{t('users.phone')}</th>
                <th scope="col">{t('users.status')}</th>
                <th scope="col">{t('users.created')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((user) => (
                <tr key={user.id} data-testid="user-row" data-user-id={user.id}>
                  <td>
                    <a href={formatRoute({ page: 'user', id: user.id })} class="mono">
                      {user.openid}
                    </a>
                  </td>
                  <td>{user.nickname ?? '—'}</td>
                  <td class="mono">{user.appid}</td>
                  <td class="mono">{user.phone ?? '—'}</td>
                  <td>
                    <StatusBadge status={user.status} />
                  </td>
                  <td class="nowrap">{formatDateTime(user.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="row pager">
          {cursors.length > 1 && (
            <button type="button" class="btn" onClick={() => setCursors([undefined])}>
              {t('users.first')}
            </button>
          )}
          {page !== undefined && page.nextCursor !== null && (
            <button
              type="button"
              class="btn"
              data-testid="next-page"
              onClick={() => {
                const next = page.nextCursor;
                if (next !== null) setCursors((previous) => [...previous, next]);
              }}
            >
              {t('users.next')}
            </button>
          )}
        </div>
      </section>
    </>
  );
}
