import { describe, expect, it, onTestFinished } from 'vitest';
import type { WeChatLoginClient } from '../src/auth/types.js';
import { DEFAULT_REQUEST_DEADLINE_MS, requestDeadlineMs } from '../src/http/request-deadline.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestApp } from './helpers/test-app.js';

const SECRET_LOOKING = 'late-failure-detail-that-must-not-be-logged';

describe('request deadline [sqlite]', () => {
  it('is the WeChat budget plus three statement timeouts: 20 s with the defaults', () => {
    expect(DEFAULT_REQUEST_DEADLINE_MS).toBe(20_000);
    expect(requestDeadlineMs({ wechatTimeoutMs: 2000, dbStatementTimeoutMs: 400 })).toBe(3200);
    // 0 is "unset": the store's default statement timeout applies.
    expect(requestDeadlineMs({ wechatTimeoutMs: 5000, dbStatementTimeoutMs: 0 })).toBe(20_000);
  });

  it('a request whose work never ends answers 503 DEPENDENCY_UNAVAILABLE with Retry-After at the deadline, not never; its late failure is dropped without a log line', async () => {
    let fail: ((error: Error) => void) | undefined;
    // Stands for what no bound covers: a call that neither answers nor fails until long after the deadline.
    const stuck: WeChatLoginClient = {
      code2Session: () => new Promise((_resolve, reject) => void (fail = reject)),
      getPhoneNumber: () => new Promise(() => undefined),
    };
    const lines: string[] = [];
    const t = await createTestApp({
      env: { WXLOGIN_WECHAT_TIMEOUT_MS: '100', WXLOGIN_DB_STATEMENT_TIMEOUT_MS: '100', WXLOGIN_LOG_LEVEL: 'debug' },
      logStream: { write: (line) => void lines.push(line) },
      appOptions: { wechat: stuck },
    });
    const deadlineMs = requestDeadlineMs(t.config);
    expect(deadlineMs).toBe(400);

    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), deadlineMs + 5000);
    });
    const response = await Promise.race([
      t.post('/v1/auth/login', { code: 'a-code-wechat-never-answers', appid: t.appid }),
      giveUp,
    ]);
    clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    console.log(
      `[sqlite] request deadline: login whose WeChat call never ends → ${response?.statusCode ?? 'no answer'} in ${ms} ms (deadline ${deadlineMs} ms)`,
    );
    expect(response?.statusCode).toBe(503);
    expect(response?.headers['retry-after']).toBe('1');
    expect(response?.json()).toEqual({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: expect.any(String) } });
    expect(ms).toBeGreaterThanOrEqual(deadlineMs - 5);
    expect(ms).toBeLessThan(deadlineMs + 1000);

    // The work fails long after the answer went out: nothing is sent twice, nothing is logged as an error.
    fail?.(new Error(SECRET_LOOKING));
    await new Promise((resolve) => setImmediate(resolve));
    const health = await t.get('/healthz');
    expect(health.statusCode).toBe(200);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg?: string });
    expect(logged.some((entry) => entry.msg === 'request deadline exceeded')).toBe(true);
    expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
    expect(lines.join('\n')).not.toContain(SECRET_LOOKING);
  });

  it('covers the bearer check of a route that needs a user: a session lookup that never answers is 503 at the deadline', async () => {
    const store = await openStore('sqlite::memory:');
    onTestFinished(() => store.close());
    await store.migrate();
    let stuck = false;
    // Stands for a database that stops answering between the login and the next request.
    const stalling = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'getSession' && stuck) return () => new Promise(() => undefined);
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    const t = await createTestApp({
      env: { WXLOGIN_WECHAT_TIMEOUT_MS: '100', WXLOGIN_DB_STATEMENT_TIMEOUT_MS: '100' },
      store: stalling,
    });
    const deadlineMs = requestDeadlineMs(t.config);
    const { body } = await t.login();
    stuck = true;

    const started = performance.now();
    const response = await t.get('/v1/me', body.accessToken);
    const ms = Math.round(performance.now() - started);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toEqual({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: expect.any(String) } });
    expect(ms).toBeGreaterThanOrEqual(deadlineMs - 5);
    expect(ms).toBeLessThan(deadlineMs + 1000);
  });
});
