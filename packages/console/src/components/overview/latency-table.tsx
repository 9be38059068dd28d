import type { WechatApiStats } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { formatCount, formatMs } from '../../lib/format.js';
import { wechatApiLabel } from '../../lib/labels.js';
import { EmptyRow } from '../empty-row.js';

/** Calls, errors and latency of each WeChat API over the window. */
export function LatencyTable({ apis }: { apis: readonly WechatApiStats[] }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  return (
    <table class="table" data-testid="wechat-latency">
      <thead>
        <tr>
          <th scope="col">{t('latency.api')}</th>
          <th scope="col" class="num">
            {t('latency.calls')}
          </th>
          <th scope="col" class="num">
            {t('latency.errors')}
          </th>
          <th scope="col" class="num">
            {t('latency.p50')}
          </th>
          <th scope="col" class="num">
            {t('latency.p95')}
          </th>
        </tr>
      </thead>
      <tbody>
        {apis.length === 0 && <EmptyRow columns={5}>{t('latency.empty')}</EmptyRow>}
        {apis.map((api) => {
          const label = wechatApiLabel(i18n, api.api);
          return (
            <tr key={api.api} data-api={api.api}>
              <td>
                <code class="raw">{api.api}</code>
                {label !== undefined && <span class="muted small"> {label}</span>}
              </td>
              <td class="num">{formatCount(api.calls, locale)}</td>
              <td class={api.errors > 0 ? 'num text-bad' : 'num'}>{formatCount(api.errors, locale)}</td>
              <td class="num">{formatMs(api.p50Ms)}</td>
              <td class="num">{formatMs(api.p95Ms)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
