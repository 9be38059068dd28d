import { describe, expect, it, vi } from 'vitest';
import { createApiClient, type FetchLike, withQuery } from '../src/api/client.js';
import { ApiError, NetworkError, UnauthorizedError } from '../src/api/errors.js';

type Call = { url: string; init: Parameters<FetchLike>[1] };

/** A fetch that records its calls and answers `status` with `body`. */
function fakeFetch(status: number, body: string): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return { status, ok: status >= 200 && status < 300, text: async () => body };
    },
  };
}

describe('createApiClient', () => {
  it('sends the token as a Bearer header only, never in the URL', async () => {
    const { fetch, calls } = fakeFetch(200, '{"items":[],"nextCursor":null}');
    const api = createApiClient({ token: 'tok-123', fetch, onUnauthorized: () => {} });
    await expect(api.get('/admin/api/users', { query: { q: '+8613800138000', cursor: undefined } })).resolves.toEqual({
      items: [],
      nextCursor: null,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('/admin/api/users?q=%2B8613800138000');
    expect(calls[0]!.url).not.toContain('tok-123');
    expect(calls[0]!.init.headers['authorization']).toBe('Bearer tok-123');
    expect(calls[0]!.init.headers['content-type']).toBeUndefined();
    expect(calls[0]!.init.method).toBe('GET');
  });

  it('declares JSON only when there is a body', async () => {
    const { fetch, calls } = fakeFetch(200, '{}');
    const api = createApiClient({ token: 't', fetch, onUnauthorized: () => {} });
    await api.post('/admin/api/users/x/disable', { body: { reason: 'fraud' } });
    await api.post('/admin/api/users/x/enable');
    expect(calls[0]!.init).toMatchObject({ method: 'POST', body: '{"reason":"fraud"}' });
    expect(calls[0]!.init.headers['content-type']).toBe('application/json');
    expect(calls[1]!.init.body).toBeUndefined();
    expect(calls[1]!.init.headers['content-type']).toBeUndefined();
  });

  it('answers undefined for 204', async () => {
    const { fetch } = fakeFetch(204, '');
    const api = createApiClient({ token: 't', fetch, onUnauthorized: () => {} });
    await expect(api.delete('/admin/api/users/x')).resolves.toBeUndefined();
  });

  it('reports a 401 to the app before rejecting', async () => {
    const { fetch } = fakeFetch(401, '{"error":{"code":"UNAUTHORIZED","message":"Missing or wrong admin token."}}');
    const onUnauthorized = vi.fn();
    const api = createApiClient({ token: 'wrong', fetch, onUnauthorized });
    const error = await api.get('/admin/api/apps').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).message).toBe('Missing or wrong admin token.');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("carries the API's code and message for other failures", async () => {
    const { fetch } = fakeFetch(404, '{"error":{"code":"NOT_FOUND","message":"No such user."}}');
    const api = createApiClient({ token: 't', fetch, onUnauthorized: () => {} });
    const error = await api.get('/admin/api/users/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'No such user.' });
    expect(error).not.toBeInstanceOf(UnauthorizedError);

    const html = createApiClient({ token: 't', fetch: fakeFetch(502, '<html>').fetch, onUnauthorized: () => {} });
    await expect(html.get('/x')).rejects.toMatchObject({ status: 502, code: 'HTTP_ERROR' });
  });

  it('turns no answer into a NetworkError, and a hung one into a timed-out one', async () => {
    const down = createApiClient({
      token: 't',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      onUnauthorized: () => {},
    });
    await expect(down.get('/x')).rejects.toMatchObject({ name: 'NetworkError', timedOut: false });

    const hung = createApiClient({
      token: 't',
      timeoutMs: 20,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      onUnauthorized: () => {},
    });
    const error = await hung.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).timedOut).toBe(true);
  });

  it('lets the caller abort, as an AbortError rather than a network failure', async () => {
    const controller = new AbortController();
    const api = createApiClient({
      token: 't',
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      onUnauthorized: () => {},
    });
    const pending = api.get('/x', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });
});

describe('withQuery', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(withQuery('/a', { x: undefined, y: '', z: 'a b&c', n: 5 })).toBe('/a?z=a%20b%26c&n=5');
    expect(withQuery('/a', undefined)).toBe('/a');
  });
});
