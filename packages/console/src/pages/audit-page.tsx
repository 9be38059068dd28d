import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../api/api-context.js';
import type { AdminAuditEvent, Page } from '../api/types.js';
import { PagedAudit } from '../components/paged-audit.js';
import { navigate } from '../hooks/use-hash-route.js';
import { usePagedList } from '../hooks/use-paged-list.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';
import { AUDIT_ACTIONS, actionLabel } from '../lib/labels.js';
import { formatRoute } from '../lib/route.js';

/** Audit events per "more". */
const AUDIT_PAGE = 50;

/** The whole audit log, filtered by action and user; the filters live in the hash so a view can be linked. */
export function AuditPage({ action, userId }: { action: string; userId: string }) {
  const api = useApi();
  const i18n = useI18n();
  const { t } = i18n;
  useTitle(t('title.audit'));
  const [draft, setDraft] = useState({ action, userId });
  useEffect(() => setDraft({ action, userId }), [action, userId]);

  const list = usePagedList(
    (cursor) =>
      api.get<Page<AdminAuditEvent>>('/admin/api/audit', {
        query: {
          action: action === '' ? undefined : action,
          userId: userId === '' ? undefined : userId,
          cursor,
          limit: AUDIT_PAGE,
        },
      }),
    `${action}|${userId}`,
  );

  const apply = (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = formatRoute({ page: 'audit', action: draft.action, userId: draft.userId.trim() });
    // The same filters again: reload instead (the hash would not change).
    if (location.hash === next) list.reload();
    else navigate(next);
  };

  // An action in the URL that the console does not list still gets an option, so the select shows it.
  const actions: readonly string[] =
    action === '' || (AUDIT_ACTIONS as readonly string[]).includes(action) ? AUDIT_ACTIONS : [...AUDIT_ACTIONS, action];

  return (
    <>
      <div class="page-head">
        <h1>{t('audit.heading')}</h1>
      </div>
      <section class="card" aria-labelledby="filters-heading">
        <h2 id="filters-heading" class="sr-only">
          {t('audit.filters')}
        </h2>
        <form class="filters" onSubmit={apply}>
          <div class="stack">
            <label class="field" for="audit-action">
              {t('audit.action')}
            </label>
            <select
              id="audit-action"
              data-testid="audit-action"
              value={draft.action}
              onChange={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
            >
              <option value="">{t('audit.all')}</option>
              {actions.map((name) => (
                <option key={name} value={name}>
                  {actionLabel(i18n, name)} ({name})
                </option>
              ))}
            </select>
          </div>
          <div class="stack">
            <label class="field" for="audit-user">
              {t('audit.user')}
            </label>
            <input
              id="audit-user"
              data-testid="audit-user"
              type="text"
              class="mono filter-input"
              autocomplete="off"
              spellcheck={false}
              value={draft.userId}
              onInput={(event) => setDraft({ ...draft, userId: event.currentTarget.value })}
            />
          </div>
          <div class="row end">
            <button type="submit" class="btn btn-primary" data-testid="audit-apply">
              {t('audit.apply')}
            </button>
            {(action !== '' || userId !== '') && (
              <a class="btn" href="#/audit">
                {t('audit.reset')}
              </a>
            )}
          </div>
        </form>
      </section>
      <section class="card">
        <PagedAudit list={list} testid="audit-table" />
      </section>
    </>
  );
}
