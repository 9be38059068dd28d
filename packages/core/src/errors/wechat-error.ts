import { inspect } from 'node:util';
import { classifyErrcode, isCodeConsumed, type WeChatApi, type WeChatErrorKind } from './errcode-table.js';
import { redactSecrets } from './redact.js';

/** What a {@link WeChatError} is built from. */
export interface WeChatErrorInit {
  /** WeChat's errcode, or one of `SYNTHETIC_ERRCODES`. */
  errcode: number;
  /** WeChat's errmsg (or the client's description of a synthetic failure); redacted before it is kept. */
  errmsg: string;
  /** The API that failed. */
  api: WeChatApi;
  /** The appid the call was made for. */
  appid: string;
  /** Seconds a caller should wait before trying again (becomes `Retry-After`). */
  retryAfterSeconds?: number;
  /** Secret values in play for this call, removed from `errmsg` wherever they appear. Never stored. */
  secrets?: readonly (string | undefined)[];
}

/** The plain, secret-free form of a {@link WeChatError} (what `toJSON` returns). */
export interface WeChatErrorJSON {
  name: 'WeChatError';
  message: string;
  errcode: number;
  errmsg: string;
  rid: string | null;
  kind: WeChatErrorKind;
  retryable: boolean;
  consumed: boolean;
  api: WeChatApi;
  appid: string;
  retryAfterSeconds?: number;
}

// What a caller should wait when nothing more precise is known: WeChat's quotas are per minute, outages short.
const DEFAULT_RETRY_AFTER_SECONDS: Partial<Record<WeChatErrorKind, number>> = { unavailable: 1, rate_limited: 60 };

/**
 * Extracts WeChat's request id from an errmsg: everything after `rid: ` (real rids contain dashes).
 * @returns the rid, or `null` when the errmsg carries none.
 */
export function extractRid(errmsg: string): string | null {
  const at = errmsg.indexOf('rid: ');
  if (at < 0) return null;
  const rid = errmsg.slice(at + 'rid: '.length).trim();
  return rid.length > 0 ? rid : null;
}

/**
 * A failed WeChat call: WeChat answered with an errcode, or the call never got a usable answer (timeout, network,
 * HTTP status, garbage body, concurrency cap). `kind` comes from the errcode table; what a service answers for it
 * (status, code, message) is that service's choice, so none of it is here. Nothing secret
 * (AppSecret, access_token, session_key, js_code) appears in its message, `toJSON()` or `util.inspect`.
 */
export class WeChatError extends Error {
  override readonly name = 'WeChatError';
  /** WeChat's errcode, or one of `SYNTHETIC_ERRCODES` (below -1000). */
  readonly errcode: number;
  /** WeChat's errmsg, redacted. */
  readonly errmsg: string;
  /** WeChat's request id (everything after `rid: ` in errmsg), or `null`. Keep it: WeChat support asks for it. */
  readonly rid: string | null;
  /** The kind of failure (errcode table). */
  readonly kind: WeChatErrorKind;
  /** True for `unavailable` only. */
  readonly retryable: boolean;
  /**
   * Whether WeChat may have used up the one-time code the call carried (code2Session's login code, getPhoneNumber's
   * phone code): then the same code must not be sent again. False for calls that carry no code, and when WeChat did
   * not take the code up (`unavailable`, `rate_limited`, `config`).
   */
  readonly consumed: boolean;
  /** The API that failed. */
  readonly api: WeChatApi;
  /** The appid of the call. */
  readonly appid: string;
  /** Seconds to wait before trying again, when that is known (unavailable, rate limited). */
  readonly retryAfterSeconds?: number;

  constructor(init: WeChatErrorInit) {
    const errmsg = redactSecrets(init.errmsg, init.secrets);
    super(`WeChat ${init.api} failed for ${init.appid}: errcode ${init.errcode}, ${errmsg}`);
    const rule = classifyErrcode(init.errcode, init.api);
    this.errcode = init.errcode;
    this.errmsg = errmsg;
    this.rid = extractRid(errmsg);
    this.kind = rule.kind;
    this.retryable = rule.kind === 'unavailable';
    this.consumed = isCodeConsumed(rule.kind, init.api);
    this.api = init.api;
    this.appid = init.appid;
    const retryAfterSeconds = init.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS[rule.kind];
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The secret-free plain form, for logs and JSON. */
  toJSON(): WeChatErrorJSON {
    const json: WeChatErrorJSON = {
      name: this.name,
      message: this.message,
      errcode: this.errcode,
      errmsg: this.errmsg,
      rid: this.rid,
      kind: this.kind,
      retryable: this.retryable,
      consumed: this.consumed,
      api: this.api,
      appid: this.appid,
    };
    if (this.retryAfterSeconds !== undefined) json.retryAfterSeconds = this.retryAfterSeconds;
    return json;
  }

  // util.inspect would otherwise print every own property, including a `cause` someone might attach later.
  [inspect.custom](): string {
    const { name: _name, message: _message, ...fields } = this.toJSON();
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(fields)}`;
  }
}
