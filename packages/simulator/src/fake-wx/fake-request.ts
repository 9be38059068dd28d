import { settle, toWxError, WxFailure, type WxCallbacks } from './callbacks.js';
import { sendWithNodeHttp, type RawResponse } from './node-http-send.js';
import {
  DEFAULT_NETWORK_TIMEOUT_MS,
  Lane,
  runNetworkTask,
  type NetworkContext,
  type RequestCounters,
} from './network-task.js';

/** The methods `wx.request` takes (WeChat's docs and official typings): there is no PATCH. */
export const WX_REQUEST_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'] as const;

/** One of {@link WX_REQUEST_METHODS}. */
export type WxRequestMethod = (typeof WX_REQUEST_METHODS)[number];

/** Options of `wx.request`. */
export interface WxRequestOptions extends WxCallbacks<WxRequestSuccess> {
  url: string;
  /** Default GET. Anything else than {@link WX_REQUEST_METHODS} fails with `request:fail invalid method`. */
  method?: WxRequestMethod;
  data?: string | Record<string, unknown> | ArrayBuffer;
  /** `content-type` defaults to `application/json`; a `Referer` is ignored (WeChat sets its own). */
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

const METHODS: ReadonlySet<string> = new Set(WX_REQUEST_METHODS);
// The Fetch standard forbids these two, so undici refuses them; node:http sends them.
const NOT_FOR_FETCH: ReadonlySet<string> = new Set(['TRACE', 'CONNECT']);

/**
 * `wx.request`: `success` for any HTTP status, `fail` only when no response came (network error, timeout, abort,
 * interrupted in the background); at most `maxConcurrent` in flight, the rest queued.
 */
export class FakeRequester {
  readonly #lane: Lane;

  /**
   * @param network - what the launch's network APIs share. @param maxConcurrent - in flight at once (WeChat: 10).
   * @param alive - false once the launch was killed: its callbacks are not called any more.
   */
  constructor(
    private readonly network: NetworkContext,
    maxConcurrent: number,
    private readonly alive: () => boolean,
  ) {
    this.#lane = new Lane(maxConcurrent);
  }

  /** In flight, most at once, total. */
  get counters(): Readonly<RequestCounters> {
    return this.#lane.counters;
  }

  /** `wx.request`. */
  request(options: WxRequestOptions): WxRequestTask {
    const callbacks = { ...options, success: options.success ?? noop };
    const method = String(options.method ?? 'GET').toUpperCase();
    // A method WeChat does not have never reaches the network, nor takes a slot that real requests wait for.
    if (!METHODS.has(method)) {
      const failure = new WxFailure('request:fail invalid method');
      settle(callbacks, () => Promise.reject(failure), toWxError('request'), this.alive);
      return { abort: noop };
    }
    const timeout = options.timeout ?? DEFAULT_NETWORK_TIMEOUT_MS;
    const task = runNetworkTask('request', this.network, this.#lane, timeout, (signal) => {
      // Checked once the call holds its slot, as this fake always has: a bad URL takes and frees one like any call.
      const url = httpUrl(options.url);
      if (url === undefined) throw new WxFailure('request:fail invalid url');
      return this.#send(options, url, method, signal);
    });
    settle(callbacks, () => task.result, toWxError('request'), this.alive);
    return { abort: () => task.abort() };
  }

  async #send(options: WxRequestOptions, url: URL, method: string, signal: AbortSignal): Promise<WxRequestSuccess> {
    // WeChat sends JSON unless the caller sets another content-type, and its own Referer whatever the caller sets.
    const header: Record<string, string> = {
      'content-type': 'application/json',
      ...lowercaseKeys(options.header ?? {}),
    };
    header.referer = this.network.referer;
    let body: string | ArrayBuffer | undefined;
    if (method === 'GET' || method === 'HEAD') {
      appendQuery(url, options.data);
    } else if (options.data !== undefined) {
      body = encodeBody(options.data, header['content-type'] ?? '');
    }
    const raw = NOT_FOR_FETCH.has(method)
      ? await sendWithNodeHttp(url, method, header, body, signal)
      : await sendWithFetch(url, method, header, body, signal);
    const data =
      options.responseType === 'arraybuffer'
        ? toArrayBuffer(raw.body)
        : (options.dataType ?? 'json') === 'json'
          ? parseJsonOr(raw.body.toString('utf8'))
          : raw.body.toString('utf8');
    return { data, statusCode: raw.status, header: raw.header, cookies: raw.cookies, errMsg: 'request:ok' };
  }
}

/** Sends with `fetch` and reads the whole body. */
export async function sendWithFetch(
  url: URL,
  method: string,
  header: Record<string, string>,
  body: string | ArrayBuffer | FormData | undefined,
  signal: AbortSignal,
): Promise<RawResponse> {
  const res = await fetch(url, { method, headers: header, signal, ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const answered = Object.fromEntries(res.headers);
  return { status: res.status, header: answered, cookies: res.headers.getSetCookie(), body: bytes };
}

/** The URL when it is http(s), else undefined (WeChat accepts no other scheme). */
export function httpUrl(text: unknown): URL | undefined {
  try {
    const url = new URL(String(text));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Header names in lower case (HTTP's are case-insensitive; one spelling lets the defaults be overridden). */
export function lowercaseKeys(header: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(header).map(([key, value]) => [key.toLowerCase(), String(value)]));
}

function noop(): void {}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  // A Buffer may be a view on a shared pool: hand out a copy of exactly its bytes.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
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
