import { ApiError, NetworkError, UnauthorizedError } from './errors.js';

/** The part of `fetch` the client uses (so tests can pass a fake one). */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    cache: 'no-store';
    credentials: 'same-origin';
  },
) => Promise<{ status: number; ok: boolean; text(): Promise<string> }>;

/** Query parameters; undefined and empty values are left out. */
export type Query = Record<string, string | number | undefined>;

/** One call's options. */
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Cancels the call (a page that is left); the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Calls the admin API with the admin token. */
export interface ApiClient {
  /** Resolves with the parsed JSON body, or `undefined` for 204. */
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  /** Same as {@link ApiClient.get}, with POST. */
  post<T>(path: string, options?: RequestOptions): Promise<T>;
  /** Same as {@link ApiClient.get}, with DELETE. */
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
}

/** How the client is made. */
export interface ApiClientOptions {
  token: string;
  fetch: FetchLike;
  /** Called once per refused call, before its promise rejects with {@link UnauthorizedError}. */
  onUnauthorized: () => void;
  /** Gives up after this long (a hung proxy would otherwise leave the page spinning). Default 15 s. */
  timeoutMs?: number;
}

/** `path?query`, with each value percent-encoded (`+` of a phone number stays a plus). */
export function withQuery(path: string, query: Query | undefined): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? path : `${path}?${parts.join('&')}`;
}

/** The admin API's message out of an error envelope, if the body is one. */
function errorOf(text: string): { code: string; message: string } | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
    const error: unknown = body.error;
    if (typeof error !== 'object' || error === null) return undefined;
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const message = 'message' in error && typeof error.message === 'string' ? error.message : undefined;
    return code === undefined ? undefined : { code, message: message ?? code };
  } catch {
    return undefined;
  }
}

/**
 * A client that sends the token only as `Authorization: Bearer …`, never in a URL. A 401 calls `onUnauthorized`
 * (the console forgets the token) and rejects with {@link UnauthorizedError}; no answer rejects with
 * {@link NetworkError}; any other failure with {@link ApiError} carrying the API's message.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const timeoutMs = options.timeoutMs ?? 15_000;

  const request = async <T>(method: string, path: string, { query, body, signal }: RequestOptions = {}) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const forward = () => controller.abort();
    signal?.addEventListener('abort', forward, { once: true });
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    // Only with a body: Fastify refuses an empty body declared as JSON.
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      let response: Awaited<ReturnType<FetchLike>>;
      let text: string;
      try {
        response = await options.fetch(withQuery(path, query), {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: controller.signal,
          cache: 'no-store',
          // The default, stated: a proxy in front of /admin may authenticate operators by cookie.
          credentials: 'same-origin',
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new NetworkError(timedOut, error);
      }
      if (response.status === 401) {
        options.onUnauthorized();
        throw new UnauthorizedError(errorOf(text)?.message ?? 'Unauthorized');
      }
      if (!response.ok) {
        const error = errorOf(text);
        throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
      }
      if (response.status === 204 || text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError(response.status, 'BAD_RESPONSE', 'The answer was not JSON.');
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
    }
  };

  return {
    get: (path, requestOptions) => request('GET', path, requestOptions),
    post: (path, requestOptions) => request('POST', path, requestOptions),
    delete: (path, requestOptions) => request('DELETE', path, requestOptions),
  };
}
