import type { WeChatCallEvent } from '@wxlogin/core';
import { ERROR_CATALOGUE } from '../errors/catalogue.js';
import { Counter, Histogram, Registry } from 'prom-client';
import { errcodeLabel, OTHER_LABEL, WECHAT_LATENCY_BUCKETS_MS } from '../stats/wechat-call-outcomes.js';
import type { AuthMetrics } from './auth-metrics.js';
import { processMetricsRegistry } from './process-metrics.js';

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The configured appids: the only values the `appid` label takes (anything else is `unknown`). */
  appids: readonly string[];
}

/** {@link AuthMetrics} counted in a Prometheus registry of its own (never prom-client's global one). */
export interface PrometheusMetrics extends AuthMetrics {
  /** This app's metrics plus the shared process metrics; `/metrics` renders it. */
  readonly registry: Registry;
}

/** `appid` label of a login, a phone code or a WeChat call whose appid is not configured. */
export const UNKNOWN_APPID_LABEL = 'unknown';
// `outcome` label of a value outside `success` and the error catalogue; `errcode` label of an unlisted errcode.
export { OTHER_LABEL };

const WECHAT_DURATION_BUCKETS = WECHAT_LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

/**
 * Creates the metrics of the Contract in a new registry: `wxlogin_logins_total{appid,outcome}`,
 * `wxlogin_wechat_request_duration_seconds{api,errcode}`, `wxlogin_token_refreshes_total`,
 * `wxlogin_wechat_token_fetches_total{appid,forced}`, `wxlogin_phone_codes_redeemed_total{appid,outcome}`,
 * `wxlogin_refresh_reuse_detected_total`, `wxlogin_rate_limit_fail_open_total`, plus prom-client's default process
 * metrics. Every label value comes from a closed set (configured appids, the catalogue, the errcode table), so a
 * client cannot grow the series count.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const own = new Registry();
  const registers = [own];
  const appids = new Set(options.appids);
  const onlyAppid = options.appids.length === 1 ? options.appids[0]! : undefined;

  const logins = new Counter({
    name: 'wxlogin_logins_total',
    help: 'Logins by app and outcome (success or the error code answered).',
    labelNames: ['appid', 'outcome'] as const,
    registers,
  });
  const wechatDuration = new Histogram({
    name: 'wxlogin_wechat_request_duration_seconds',
    help: 'Duration of upstream WeChat API requests by API and errcode (0 success; below -1000 no WeChat answer).',
    labelNames: ['api', 'errcode'] as const,
    buckets: WECHAT_DURATION_BUCKETS,
    registers,
  });
  const refreshes = new Counter({
    name: 'wxlogin_token_refreshes_total',
    help: 'Refresh-token rotations answered with new tokens.',
    registers,
  });
  const tokenFetches = new Counter({
    name: 'wxlogin_wechat_token_fetches_total',
    help: 'Requests for a WeChat access_token (stable_token) by app, forced refresh or not.',
    labelNames: ['appid', 'forced'] as const,
    registers,
  });
  const phoneCodes = new Counter({
    name: 'wxlogin_phone_codes_redeemed_total',
    help: 'Phone-number codes redeemed at WeChat by app and outcome (success or the error code answered).',
    labelNames: ['appid', 'outcome'] as const,
    registers,
  });
  const reuse = new Counter({
    name: 'wxlogin_refresh_reuse_detected_total',
    help: 'Refresh tokens presented again after rotation (outside the grace window): the session was revoked.',
    registers,
  });
  const failOpen = new Counter({
    name: 'wxlogin_rate_limit_fail_open_total',
    help: 'Requests counted by per-process rate limits because the Redis-backed ones could not be checked.',
    registers,
  });

  // Series that should read 0 rather than be absent, so rate() and alerts work from the first scrape.
  for (const appid of appids) {
    logins.inc({ appid, outcome: 'success' }, 0);
    phoneCodes.inc({ appid, outcome: 'success' }, 0);
    tokenFetches.inc({ appid, forced: 'false' }, 0);
    tokenFetches.inc({ appid, forced: 'true' }, 0);
  }

  const appidLabel = (appid: string | undefined): string =>
    appid === undefined || appid === ''
      ? (onlyAppid ?? UNKNOWN_APPID_LABEL)
      : appids.has(appid)
        ? appid
        : UNKNOWN_APPID_LABEL;
  const outcomeLabel = (outcome: string): string =>
    outcome === 'success' || Object.hasOwn(ERROR_CATALOGUE, outcome) ? outcome : OTHER_LABEL;

  return {
    registry: Registry.merge([own, processMetricsRegistry()]),
    loginFinished(appid, outcome) {
      logins.inc({ appid: appidLabel(appid), outcome: outcomeLabel(outcome) });
    },
    tokenRefreshed() {
      refreshes.inc();
    },
    refreshReuseDetected() {
      reuse.inc();
    },
    phoneCodeRedeemed(appid, outcome) {
      phoneCodes.inc({ appid: appidLabel(appid), outcome: outcomeLabel(outcome) });
    },
    rateLimitFailedOpen() {
      failOpen.inc();
    },
    wechatCall(event: WeChatCallEvent) {
      wechatDuration.observe({ api: event.api, errcode: errcodeLabel(event.errcode) }, event.durationMs / 1000);
      if (event.api === 'stableToken') {
        tokenFetches.inc({ appid: appidLabel(event.appid), forced: event.forced === true ? 'true' : 'false' });
      }
    },
  };
}
