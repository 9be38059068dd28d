import type { Counts } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { stackOrder } from '../../lib/chart-model.js';
import { formatCount, formatShare } from '../../lib/format.js';
import { outcomeLabel } from '../../lib/labels.js';
import { toneOf } from '../../lib/palette.js';
import { EmptyRow } from '../empty-row.js';

/** Logins of the window per outcome, with their share. */
export function OutcomeTotals({ totals, total }: { totals: Counts; total: number }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const order = stackOrder(totals, 'success');
  return (
    <table class="table" data-testid="outcome-totals">
      <thead>
        <tr>
          <th scope="col">{t('totals.outcome')}</th>
          <th scope="col">{t('totals.code')}</th>
          <th scope="col" class="num">
            {t('totals.count')}
          </th>
          <th scope="col" class="num">
            {t('totals.share')}
          </th>
        </tr>
      </thead>
      <tbody>
        {order.length === 0 && <EmptyRow columns={4}>{t('totals.empty')}</EmptyRow>}
        {order.map((outcome) => (
          <tr key={outcome} data-outcome={outcome}>
            <td>
              <span class={`swatch tone-${toneOf(outcome)}`} aria-hidden="true" /> {outcomeLabel(i18n, outcome)}
            </td>
            <td>
              <code class="raw">{outcome}</code>
            </td>
            <td class="num" data-count={totals[outcome] ?? 0}>
              {formatCount(totals[outcome] ?? 0, locale)}
            </td>
            <td class="num">{formatShare(totals[outcome] ?? 0, total)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            {t('common.total')}
          </th>
          <td class="num" data-count={total}>
            {formatCount(total, locale)}
          </td>
          <td class="num">{total > 0 ? '100%' : '—'}</td>
        </tr>
      </tfoot>
    </table>
  );
}
