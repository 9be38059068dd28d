import { ERRCODE_TABLE, type WeChatCallEvent } from '@wxlogin/core';

/**
 * `login_stats` counts more than logins: each WeChat call is counted under two more outcomes of its app and minute,
 * `wechat:<api>:<errcode>` and `wechat-ms:<api>:<bucket>`, so the console's errcode breakdown, latency and phone
 * spend sum over every instance exactly as the login chart does, from the same additive rows. A login outcome is a
 * catalogue code or `success` and never holds a colon, so the three kinds cannot be confused.
 */
export const WECHAT_CALL_PREFIX = 'wechat:';
/** Prefix of the latency-bucket outcomes (see {@link WECHAT_CALL_PREFIX}). */
export const WECHAT_LATENCY_PREFIX = 'wechat-ms:';

/**
 * Upper bounds of the latency buckets, ms (the last bucket, `inf`, takes the rest). The Prometheus histogram uses
 * the same bounds, in seconds: WeChat answers in tens of milliseconds to seconds, and the call budget defaults to 5 s.
 */
export const WECHAT_LATENCY_BUCKETS_MS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The label of a value outside a closed set: an unlisted errcode here, an unknown outcome in the metrics. */
export const OTHER_LABEL = 'other';

/** The errcode label of a call: 0, or an errcode of WeChat's table, else {@link OTHER_LABEL} (bounded rows). */
export function errcodeLabel(errcode: number): string {
  return errcode === 0 || ERRCODE_TABLE.has(errcode) ? String(errcode) : OTHER_LABEL;
}

/** The two outcomes one WeChat call is counted under. */
export function wechatCallOutcomes(event: WeChatCallEvent): [call: string, latency: string] {
  const bucket = WECHAT_LATENCY_BUCKETS_MS.find((bound) => event.durationMs <= bound);
  return [
    `${WECHAT_CALL_PREFIX}${event.api}:${errcodeLabel(event.errcode)}`,
    `${WECHAT_LATENCY_PREFIX}${event.api}:${bucket ?? 'inf'}`,
  ];
}

/** A `login_stats` outcome read back: a login's, a WeChat call's, or a latency bucket's. */
export type StatOutcome =
  | { kind: 'login'; outcome: string }
  | { kind: 'wechat'; api: string; errcode: string }
  | { kind: 'latency'; api: string; boundMs: number };

/** Reads an outcome of `login_stats`; undefined for one this version does not know (a newer instance wrote it). */
export function parseStatOutcome(outcome: string): StatOutcome | undefined {
  if (!outcome.includes(':')) return { kind: 'login', outcome };
  const [prefix, api, value] = outcome.split(':');
  if (api === undefined || value === undefined || api === '') return undefined;
  if (`${prefix}:` === WECHAT_CALL_PREFIX) return { kind: 'wechat', api, errcode: value };
  if (`${prefix}:` === WECHAT_LATENCY_PREFIX) {
    const boundMs = value === 'inf' ? Number.POSITIVE_INFINITY : Number(value);
    return Number.isNaN(boundMs) ? undefined : { kind: 'latency', api, boundMs };
  }
  return undefined;
}
