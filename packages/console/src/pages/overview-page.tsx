import { useApi } from '../api/api-context.js';
import type { AdminOverview, AdminStats, StatsWindow } from '../api/types.js';
import { LoadError, Loading } from '../components/load-error.js';
import { ErrcodeTable } from '../components/overview/errcode-table.js';
import { HealthPanel } from '../components/overview/health-panel.js';
import { LatencyTable } from '../components/overview/latency-table.js';
import { OutcomeTotals } from '../components/overview/outcome-totals.js';
import { PhoneCost } from '../components/overview/phone-cost.js';
import { ReuseAlarms } from '../components/overview/reuse-alarms.js';
import { StackedChart } from '../components/stacked-chart.js';
import { TokenStateTable } from '../components/token-state-table.js';
import { usePolling } from '../hooks/use-polling.js';
import { useResource } from '../hooks/use-resource.js';
import { useTitle } from '../hooks/use-title.js';
import { useI18n } from '../i18n/i18n-context.js';
import { COLUMN_MINUTES, stackOrder, sumColumns, toColumns } from '../lib/chart-model.js';
import { formatClock, formatCount, formatDateTime, formatShare } from '../lib/format.js';
import { errcodeMeaning, outcomeLabel } from '../lib/labels.js';
import { formatRoute } from '../lib/route.js';

/** How often the overview reloads while it is on screen. */
export const OVERVIEW_REFRESH_MS = 15_000;

/** The window toggle: two buttons, the current one pressed. Links would do, but these are toggles. */
function WindowToggle({ window }: { window: StatsWindow }) {
  const { t } = useI18n();
  const options: { value: StatsWindow; label: string }[] = [
    { value: '1h', label: t('overview.window1h') },
    { value: '24h', label: t('overview.window24h') },
  ];
  return (
    <fieldset class="toggle">
      <legend class="sr-only">{t('overview.window')}</legend>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          class="btn"
          data-testid={`window-${option.value}`}
          aria-pressed={option.value === window ? 'true' : 'false'}
          onClick={() => {
            location.hash = formatRoute({ page: 'overview', window: option.value });
          }}
        >
          {option.label}
        </button>
      ))}
    </fieldset>
  );
}

/** Login health over the window: outcomes, WeChat errcodes and APIs, phone cost, reuse alarms, tokens, health. */
export function OverviewPage({ window }: { window: StatsWindow }) {
  const api = useApi();
  const i18n = useI18n();
  const { t, locale } = i18n;
  useTitle(t('title.overview'));

  const resource = useResource(async () => {
    const query = { window };
    const [overview, stats] = await Promise.all([
      api.get<AdminOverview>('/admin/api/overview', { query }),
      api.get<AdminStats>('/admin/api/stats', { query }),
    ]);
    return { overview, stats };
  }, `overview|${window}`);
  const refresh = resource.reload;
  usePolling(refresh, OVERVIEW_REFRESH_MS);

  const head = (
    <div class="page-head">
      <h1>{t('overview.heading')}</h1>
      <WindowToggle window={window} />
      <span class="muted small">
        {t('overview.autoRefresh')}
        {resource.loadedAt !== undefined && <> · {t('common.updated', { time: formatClock(resource.loadedAt) })}</>}
      </span>
    </div>
  );

  if (resource.data === undefined) {
    return (
      <>
        {head}
        {resource.error !== undefined ? <LoadError error={resource.error} onRetry={refresh} /> : <Loading />}
      </>
    );
  }

  const { overview, stats } = resource.data;
  const columnMinutes = COLUMN_MINUTES[window];
  const loginColumns = toColumns(stats.series, columnMinutes, 'outcomes');
  const errcodeColumns = toColumns(stats.series, columnMinutes, 'errcodes');
  const loginOrder = stackOrder(stats.totals, 'success');
  const errcodeTotals = stats.wechatErrcodes ?? sumColumns(errcodeColumns);
  const errcodeOrder = stackOrder(sumColumns(errcodeColumns));
  const range = { from: formatDateTime(stats.from), to: formatDateTime(stats.to) };
  const success = stats.totals['success'] ?? 0;

  return (
    <>
      {head}
      {/* A failed refresh keeps the last data on screen, under the alarm. */}
      {resource.error !== undefined && <LoadError error={resource.error} onRetry={refresh} />}
      <section class="card" aria-labelledby="health-heading">
        <h2 id="health-heading">{t('health.title')}</h2>
        <HealthPanel health={overview.health} />
      </section>

      <section class="card" aria-labelledby="logins-heading">
        <div class="card-head">
          <h2 id="logins-heading">{columnMinutes === 1 ? t('chart.logins.perMinute') : t('chart.logins.per10')}</h2>
          <span class="muted small" data-testid="login-summary">
            {t('overview.summary', {
              total: formatCount(stats.total, locale),
              success: formatCount(success, locale),
              share: formatShare(success, stats.total),
            })}
          </span>
        </div>
        <StackedChart
          testid="logins-chart"
          keyAttr="outcome"
          columns={loginColumns}
          order={loginOrder}
          totals={stats.totals}
          labelOf={(outcome) => outcomeLabel(i18n, outcome)}
          window={window}
          label={`${t('chart.logins.desc', range)} ${stats.total === 0 ? t('chart.empty') : ''}`}
          emptyText={t('chart.empty')}
        />
      </section>

      <section class="card" aria-labelledby="errcodes-heading">
        <h2 id="errcodes-heading">{t('chart.errcodes.title')}</h2>
        <StackedChart
          testid="errcode-chart"
          keyAttr="errcode"
          columns={errcodeColumns}
          order={errcodeOrder}
          totals={errcodeTotals}
          labelOf={(errcode) => {
            const meaning = errcodeMeaning(i18n, errcode);
            return meaning === undefined ? errcode : `${errcode} ${meaning}`;
          }}
          window={window}
          label={t('chart.errcodes.desc', range)}
          emptyText={t('chart.errcodesEmpty')}
          height={150}
        />
      </section>

      <div class="grid-2">
        <section class="card" aria-labelledby="totals-heading">
          <h2 id="totals-heading">{t('totals.title')}</h2>
          <OutcomeTotals totals={stats.totals} total={stats.total} />
        </section>
        <section class="card" aria-labelledby="errcode-table-heading">
          <h2 id="errcode-table-heading">{t('errcodes.title')}</h2>
          <ErrcodeTable errcodes={errcodeTotals} />
        </section>
      </div>

      <div class="grid-3">
        <section class="card" aria-labelledby="latency-heading">
          <h2 id="latency-heading">{t('latency.title')}</h2>
          <LatencyTable apis={overview.wechatApis} />
          <p class="hint">{t('latency.note')}</p>
        </section>
        <section class="card" aria-labelledby="phone-heading">
          <h2 id="phone-heading">{t('phone.title')}</h2>
          <PhoneCost phone={overview.phone} />
        </section>
        <section class="card" aria-labelledby="reuse-heading">
          <h2 id="reuse-heading">{t('reuse.title')}</h2>
          <ReuseAlarms reuse={overview.refreshReuse} />
        </section>
      </div>

      <section class="card" aria-labelledby="token-heading">
        <h2 id="token-heading">{t('token.title')}</h2>
        <TokenStateTable apps={overview.apps} testid="token-state" />
      </section>
    </>
  );
}
