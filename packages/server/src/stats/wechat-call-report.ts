import type { PhoneSpend, WeChatApiStats } from '../schemas/admin.js';
import type { LoginStatTotal } from '../store/types.js';
import { parseStatOutcome } from './wechat-call-outcomes.js';

/** 元 per phone number WeChat verified: quick verification (手机号快速验证) and real-time verification (手机号实时验证). */
export const PHONE_PRICE_YUAN = { quick: 0.03, realtime: 0.04 } as const;

interface ApiTally {
  calls: number;
  errors: number;
  /** Calls per latency-bucket upper bound, ms. */
  buckets: Map<number, number>;
}

// The bound of the bucket holding the call at rank `q` of `total`: the same estimate Prometheus's
// histogram_quantile starts from, without its interpolation (the console shows "≤ 250 ms").
function quantile(buckets: Map<number, number>, q: number): number | null {
  const total = [...buckets.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [bound, count] of [...buckets].sort(([a], [b]) => a - b)) {
    seen += count;
    if (seen >= q * total) return Number.isFinite(bound) ? bound : null;
  }
  return null;
}

/**
 * WeChat calls per API over a window's `login_stats` rows (every app, every instance) and the phone codes redeemed:
 * the errcode rows give calls and errors, the latency rows the median and 95th percentile.
 */
export function wechatCallReport(rows: readonly LoginStatTotal[]): { apis: WeChatApiStats[]; phone: PhoneSpend } {
  const tallies = new Map<string, ApiTally>();
  const tally = (api: string): ApiTally => {
    let entry = tallies.get(api);
    if (entry === undefined) tallies.set(api, (entry = { calls: 0, errors: 0, buckets: new Map() }));
    return entry;
  };
  let redeemed = 0;
  let failed = 0;
  for (const row of rows) {
    const outcome = parseStatOutcome(row.outcome);
    if (outcome?.kind === 'wechat') {
      const entry = tally(outcome.api);
      entry.calls += row.count;
      if (outcome.errcode !== '0') entry.errors += row.count;
      if (outcome.api === 'getPhoneNumber') {
        if (outcome.errcode === '0') redeemed += row.count;
        else failed += row.count;
      }
    } else if (outcome?.kind === 'latency') {
      const buckets = tally(outcome.api).buckets;
      buckets.set(outcome.boundMs, (buckets.get(outcome.boundMs) ?? 0) + row.count);
    }
  }
  const apis = [...tallies]
    .filter(([, entry]) => entry.calls > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([api, entry]) => ({
      api,
      calls: entry.calls,
      errors: entry.errors,
      p50Ms: quantile(entry.buckets, 0.5),
      p95Ms: quantile(entry.buckets, 0.95),
    }));
  // Whole fen: 0.03 × 7 is 0.21, not 0.21000000000000002.
  const yuan = (price: number): number => Math.round(redeemed * price * 100) / 100;
  return {
    apis,
    phone: {
      redeemed,
      failed,
      costYuan: { quick: yuan(PHONE_PRICE_YUAN.quick), realtime: yuan(PHONE_PRICE_YUAN.realtime) },
    },
  };
}
