import { settle, toWxError, WxFailure, type WxCallbacks } from './callbacks.js';

/** Options of `wx.request`. */
export interface WxRequestOptions extends WxCallbacks<WxRequestSuccess> {
  url: string;
  method?: 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT' | 'PATCH';
  data?: string | Record<string, unknown> | ArrayBuffer;
  header?: Record<string, string>;
  /** Milliseconds; default 60000. */
  timeout?: number;
  /** `json` (default): parse the body as JSON when it is JSON. Anything else: leave it as text. */
  dataType?: string;
  /** `text` (default) or `arraybuffer`. */
  responseType?: 'text' | 'arraybuffer';
}

/** What `success` of `wx.request` receives — for any HTTP status. */
export interface WxRequestSuccess {
  data: unknown;
  statusCode: number;
  header: Record<string, string>;
  cookies: string[];
  errMsg: 'request:ok';
}

/** What `wx.request` returns. */
export interface WxRequestTask {
  abort(): void;
}

/** How many requests ran at once, at most, and in total. */
export interface RequestCounters {
  inFlight: number;
  maxInFlight: number;
  total: number;
}

/**
 * `wx.request` on `fetch`: `success` for any HTTP status, `fail` only when no response came (network error, timeout,
 * abort); at most `maxConcurrent` in flight, the rest wait in order (base library >= 1.4.0 queues them).
 */
export class FakeRequester {
  readonly counters: RequestCounters = { inFlight: 0, maxInFlight: 0, total: 0 };
  readonly #waiting: (() => void)[] = [];
  /** When true, every request fails as if the device were offline. */
  offline = false;

  /** @param maxConcurrent - requests allowed in flight at once (WeChat: 10). */
  constructor(private readonly maxConcurrent: number) {}

  /** `wx.request`. */
  request(options: WxRequestOptions): WxRequestTask {
    const controller = new AbortController();
    let aborted = false;
    const run = async (): Promise<WxRequestSuccess> => {
      await this.#acquire();
      try {
        if (aborted) throw new WxFailure('request:fail abort');
        if (this.offline) throw new WxFailure('request:fail -106:net::ERR_INTERNET_DISCONNECTED');
        return await this.#send(options, controller, () => aborted);
      } finally {
        this.#release();
      }
    };
    settle({ ...options, success: options.success ?? noop }, run, toWxError('request'));
    return {
      abort: () => {
        aborted = true;
        controller.abort();
      },
    };
  }

  async #send(
    options: WxRequestOptions,
    controller: AbortController,
    isAborted: () => boolean,
  ): Promise<WxRequestSuccess> {
    let url: URL;
    try {
      url = new URL(options.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw new WxFailure('request:fail invalid url');
    }
    const method = (options.method ?? 'GET').toUpperCase();
    // WeChat sends JSON unless the caller sets another content-type.
    const header = { 'content-type': 'application/json', ...lowercaseKeys(options.header ?? {}) };
    let body: string | ArrayBuffer | undefined;
    if (method === 'GET' || method === 'HEAD') {
      appendQuery(url, options.data);
    } else if (options.data !== undefined) {
      body = encodeBody(options.data, header['content-type'] ?? '');
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeout ?? 60_000);
    try {
      const res = await fetch(url, {
        method,
        headers: header,
        signal: controller.signal,
        ...(body === undefined ? {} : { body }),
      });
      const raw = options.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
      return {
        data: typeof raw === 'string' && (options.dataType ?? 'json') === 'json' ? parseJsonOr(raw) : raw,
        statusCode: res.status,
        header: Object.fromEntries(res.headers),
        cookies: res.headers.getSetCookie(),
        errMsg: 'request:ok',
      };
    } catch (error) {
      if (timedOut) throw new WxFailure('request:fail timeout');
      if (isAborted()) throw new WxFailure('request:fail abort');
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new WxFailure(`request:fail ${cause}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async #acquire(): Promise<void> {
    // A waiter is handed the slot of the request that ended (see #release): it is already counted in flight.
    if (this.counters.inFlight >= this.maxConcurrent) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.counters.inFlight += 1;
    this.counters.total += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
  }

  #release(): void {
    // Freeing the slot and waking the waiter later would let a request made in between take it too: 11 in flight.
    const next = this.#waiting.shift();
    if (next === undefined) this.counters.inFlight -= 1;
    else next();
  }
}

function noop(): void {}

function lowercaseKeys(header: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(header).map(([key, value]) => [key.toLowerCase(), String(value)]));
}

function appendQuery(url: URL, data: WxRequestOptions['data']): void {
  if (data === undefined || data instanceof ArrayBuffer) return;
  if (typeof data === 'string') {
    if (data !== '') url.search = url.search === '' ? data : `${url.search}&${data}`;
    return;
  }
  for (const [key, value] of Object.entries(data)) {
    url.searchParams.append(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
}

function encodeBody(data: NonNullable<WxRequestOptions['data']>, contentType: string): string | ArrayBuffer {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const pairs = Object.entries(data).map(([key, value]): [string, string] => [key, String(value)]);
    return new URLSearchParams(pairs).toString();
  }
  return JSON.stringify(data);
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
