import type { AdminApp } from '../api/types.js';
import { useNow } from '../hooks/use-now.js';
import { useI18n } from '../i18n/i18n-context.js';
import { expiresIn, formatDateTime, formatRelative } from '../lib/format.js';
import { Badge } from './badge.js';
import { EmptyRow } from './empty-row.js';

/** Each app's WeChat access_token cache: the same table on the overview and the apps page. */
export function TokenStateTable({ apps, testid }: { apps: readonly AdminApp[]; testid: string }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  // A second's tick: the expiry is a countdown.
  const now = useNow(1000);
  return (
    <table class="table" data-testid={testid}>
      <thead>
        <tr>
          <th scope="col">{t('token.appid')}</th>
          <th scope="col">{t('token.cached')}</th>
          <th scope="col">{t('token.expiresIn')}</th>
          <th scope="col">{t('token.fetched')}</th>
          <th scope="col" class="num">
            {t('token.forcedLeft')}
          </th>
          <th scope="col">{t('token.shared')}</th>
        </tr>
      </thead>
      <tbody>
        {apps.length === 0 ? (
          <EmptyRow columns={6}>{t('token.noApps')}</EmptyRow>
        ) : (
          apps.map(({ appid, accessToken: state }) => {
            // A host's own WeChat client that cannot tell: the app is listed, its token state is unknown.
            if (state === null) {
              return (
                <tr key={appid} data-appid={appid}>
                  <td class="mono">{appid}</td>
                  <td colSpan={5} class="muted">
                    {t('token.stateUnknown')}
                  </td>
                </tr>
              );
            }
            const left = expiresIn(state.expiresAt, now);
            const forcedLeft =
              state.forcedToday === null
                ? t('common.unknown')
                : t('token.forcedOf', {
                    left: Math.max(0, state.forcedBudget - state.forcedToday),
                    budget: state.forcedBudget,
                  });
            return (
              <tr key={appid} data-appid={appid}>
                <td class="mono">{appid}</td>
                <td>
                  {state.cached ? (
                    <Badge tone="ok">{t('common.yes')}</Badge>
                  ) : (
                    <Badge tone="neutral">{t('common.no')}</Badge>
                  )}
                </td>
                <td class="mono" title={formatDateTime(state.expiresAt)}>
                  {left.kind === 'unknown'
                    ? '—'
                    : left.kind === 'expired'
                      ? t('token.expired')
                      : left.kind === 'clock'
                        ? left.text
                        : t('token.minutes', { n: left.minutes })}
                </td>
                <td title={formatDateTime(state.fetchedAt)}>{formatRelative(state.fetchedAt, now, locale)}</td>
                <td class="num">
                  {state.forcedToday !== null && state.forcedBudget - state.forcedToday <= 0 ? (
                    <Badge tone="bad">{forcedLeft}</Badge>
                  ) : (
                    forcedLeft
                  )}
                </td>
                <td>{state.shared ? t('token.sharedRedis') : t('token.sharedLocal')}</td>
              </tr>
            );
          })
        )}
      </tbody>
    </table>
  );
}
