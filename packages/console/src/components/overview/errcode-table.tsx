import type { Counts } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { stackOrder } from '../../lib/chart-model.js';
import { formatCount } from '../../lib/format.js';
import { errcodeMeaning } from '../../lib/labels.js';
import { toneOf } from '../../lib/palette.js';
import { EmptyRow } from '../empty-row.js';

/** The WeChat errcodes of the window: what each means for the operator, and how often. */
export function ErrcodeTable({ errcodes }: { errcodes: Counts }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const order = stackOrder(errcodes);
  return (
    <table class="table" data-testid="errcode-table">
      <thead>
        <tr>
          <th scope="col">{t('errcodes.errcode')}</th>
          <th scope="col">{t('errcodes.meaning')}</th>
          <th scope="col" class="num">
            {t('errcodes.count')}
          </th>
        </tr>
      </thead>
      <tbody>
        {order.length === 0 && <EmptyRow columns={3}>{t('errcodes.empty')}</EmptyRow>}
        {order.map((errcode) => {
          const meaning = errcodeMeaning(i18n, errcode);
          return (
            <tr key={errcode} data-errcode={errcode}>
              <td class="mono">
                <span class={`swatch tone-${toneOf(errcode)}`} aria-hidden="true" /> {errcode}
              </td>
              <td class={meaning === undefined ? 'muted' : undefined}>{meaning ?? t('errcodes.unlisted')}</td>
              <td class="num">{formatCount(errcodes[errcode] ?? 0, locale)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
