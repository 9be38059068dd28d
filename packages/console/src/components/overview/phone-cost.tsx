import type { AdminOverview } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { formatCount, formatYuan } from '../../lib/format.js';

/** Phone-number codes of the window and what WeChat bills for them. */
export function PhoneCost({ phone }: { phone: AdminOverview['phone'] }) {
  const { t, locale } = useI18n();
  return (
    <dl class="stats" data-testid="phone-cost">
      <div>
        <dt>{t('phone.redeemed')}</dt>
        <dd data-value={phone.redeemed}>{formatCount(phone.redeemed, locale)}</dd>
      </div>
      <div>
        <dt>{t('phone.failed')}</dt>
        <dd data-value={phone.failed} class={phone.failed > 0 ? 'text-warn' : undefined}>
          {formatCount(phone.failed, locale)}
        </dd>
      </div>
      <div>
        <dt>{t('phone.costQuick')}</dt>
        <dd data-cost="quick">{formatYuan(phone.costYuan.quick)}</dd>
      </div>
      <div>
        <dt>{t('phone.costRealtime')}</dt>
        <dd data-cost="realtime">{formatYuan(phone.costYuan.realtime)}</dd>
      </div>
    </dl>
  );
}
