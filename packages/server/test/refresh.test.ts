import { describe, expect, it, onTestFinished } from 'vitest';
import type { TokenResponse } from '../src/schemas/tokens.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestApp } from './helpers/test-app.js';

const errorCode = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;
const sessionOf = (refreshToken: string) => refreshToken.split('.')[1]!;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The token with its mac's last character changed in the two bits a 32-byte mac leaves unused (3 spellings). */
function nonCanonicalSpellings(token: string): string[] {
  const index = BASE64URL.indexOf(token.at(-1)!);
  return [1, 2, 3].map((spare) => `${token.slice(0, -1)}${BASE64URL[(index & ~3) | spare]}`);
}

describe('POST /v1/auth/refresh [sqlite]', () => {
  it('rotates: the next generation, a new access token, the same session and user', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    t.clock.advance(5000);
    const response = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(response.statusCode).toBe(200);
    const next = response.json<TokenResponse>();
    expect(Object.keys(next).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    expect(next.refreshToken).toMatch(new RegExp(`^wxr1\\.${sessionOf(body.refreshToken)}\\.1\\.`));
    expect(next.accessToken).not.toBe(body.accessToken);
    expect(next.user).toEqual(body.user);
    expect((await t.get('/v1/me', next.accessToken)).statusCode).toBe(200);
  });

  it('two concurrent refreshes of one token get the same successor', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const [a, b] = await Promise.all([
      t.post('/v1/auth/refresh', { refreshToken: body.refreshToken }),
      t.post('/v1/auth/refresh', { refreshToken: body.refreshToken }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json<TokenResponse>().refreshToken).toBe(b.json<TokenResponse>().refreshToken);
    expect(a.json<TokenResponse>().refreshToken.split('.')[2]).toBe('1');
  });

  it('the direct predecessor within the grace window gets the same successor again', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const first = (await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).json<TokenResponse>();
    t.clock.advance(10_000); // WXLOGIN_REFRESH_GRACE_S = 10, inclusive
    const again = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(again.statusCode).toBe(200);
    expect(again.json<TokenResponse>().refreshToken).toBe(first.refreshToken);
  });

  it("a rotation whose statement ran 30 s after its request began (a stalled database): the client's retry inside grace from the statement gets the same successor, not REFRESH_TOKEN_REUSED", async () => {
    const inner = await openStore('sqlite::memory:');
    await inner.migrate();
    onTestFinished(() => inner.close());
    // The first rotateSession call waits 30 s (by the injected clock) before the store runs its statement, as a
    // request queued for a pool connection or a lock would.
    let stall: (() => void) | undefined;
    const store = new Proxy(inner, {
      get(target, property) {
        if (property === 'rotateSession') {
          return (input: Parameters<Store['rotateSession']>[0]) => {
            stall?.();
            stall = undefined;
            return target.rotateSession(input);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const t = await createTestApp({ store });
    const { body } = await t.login();
    const requestStart = t.clock();
    stall = () => t.clock.advance(30_000);
    const first = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(first.statusCode).toBe(200);
    const successor = first.json<TokenResponse>();
    const statementAt = requestStart + 30_000;

    // The client gave up waiting and retries the same token, 5 s after the statement (35 s after it first sent it).
    t.clock.advance(5000);
    const retry = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json<TokenResponse>().refreshToken).toBe(successor.refreshToken);
    expect(await t.store.getSession(sessionOf(body.refreshToken))).toMatchObject({
      rotatedAt: statementAt,
      revokedAt: null,
    });

    // Grace still ends 10 s after the statement: later, the predecessor is reuse as before.
    t.clock.set(statementAt + t.config.refreshGraceS * 1000 + 1);
    expect(errorCode(await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken }))).toBe(
      'REFRESH_TOKEN_REUSED',
    );
  });

  it('reuse after the grace window: REFRESH_TOKEN_REUSED, the session revoked and audited, its tokens dead', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const successor = (await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).json<TokenResponse>();
    t.clock.advance(10_001);
    const reused = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(reused.statusCode).toBe(401);
    expect(errorCode(reused)).toBe('REFRESH_TOKEN_REUSED');

    const session = await t.store.getSession(sessionOf(body.refreshToken));
    expect(session?.revokedAt).not.toBeNull();
    expect(session?.revokedReason).toBe('reuse');
    const audit = await t.store.listAudit({ limit: 10 });
    const reuse = audit.items.find((e) => e.action === 'refresh.reuse_detected');
    expect(reuse).toMatchObject({ appid: session?.appid, userId: session?.userId });

    // The legitimate holder's successor is dead too, and so is the access token of the session.
    const afterReuse = await t.post('/v1/auth/refresh', { refreshToken: successor.refreshToken });
    expect(errorCode(afterReuse)).toBe('SESSION_EXPIRED');
    expect((await t.get('/v1/me', successor.accessToken)).statusCode).toBe(401);
  });

  it('an older generation than the predecessor is reuse even inside the grace window', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const g1 = (await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).json<TokenResponse>();
    await t.post('/v1/auth/refresh', { refreshToken: g1.refreshToken });
    expect(errorCode(await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken }))).toBe(
      'REFRESH_TOKEN_REUSED',
    );
  });

  it('a bad mac is UNAUTHORIZED and revokes nothing (knowing a session id must not end it)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const [prefix, sessionId] = body.refreshToken.split('.');
    for (const forged of [
      `${prefix}.${sessionId}.0.${'A'.repeat(43)}`,
      `${prefix}.${sessionId}.5.${body.refreshToken.split('.')[3]}`,
      'wxr1.garbage',
      'not-a-token',
    ]) {
      const response = await t.post('/v1/auth/refresh', { refreshToken: forged });
      expect(response.statusCode).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHORIZED');
    }
    expect((await t.store.getSession(sessionId!))?.revokedAt).toBeNull();
    expect((await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).statusCode).toBe(200);
  });

  it('the three non-canonical base64url spellings of a valid mac are UNAUTHORIZED: no rotation, no reuse, nothing revoked', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const sessionId = sessionOf(body.refreshToken);
    const successor = (await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).json<TokenResponse>();
    t.clock.advance(10_001); // past the grace window: the predecessor's canonical spelling would be reuse
    for (const token of [successor.refreshToken, body.refreshToken]) {
      const spellings = nonCanonicalSpellings(token);
      expect(spellings).toHaveLength(3);
      for (const refreshToken of spellings) {
        // The same 32 bytes under Node's lenient decoder: only the text differs.
        expect(Buffer.from(refreshToken.split('.')[3]!, 'base64url')).toEqual(
          Buffer.from(token.split('.')[3]!, 'base64url'),
        );
        const response = await t.post('/v1/auth/refresh', { refreshToken });
        expect(response.statusCode).toBe(401);
        expect(errorCode(response)).toBe('UNAUTHORIZED');
        expect((await t.post('/v1/auth/logout', { refreshToken })).statusCode).toBe(204);
      }
    }
    const session = await t.store.getSession(sessionId);
    expect(session?.revokedAt).toBeNull();
    expect(session?.generation).toBe(1);
    expect((await t.store.listAudit({ limit: 10 })).items.some((e) => e.action === 'refresh.reuse_detected')).toBe(
      false,
    );
    const next = await t.post('/v1/auth/refresh', { refreshToken: successor.refreshToken });
    expect(next.statusCode).toBe(200);
    expect(next.json<TokenResponse>().refreshToken.split('.')[2]).toBe('2');
  });

  it('an expired session is SESSION_EXPIRED (sliding expiry, then the absolute one)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_REFRESH_TTL: '3600', WXLOGIN_REFRESH_ABSOLUTE_TTL: '7200' } });
    const { body } = await t.login();
    t.clock.advance(3000 * 1000);
    const g1 = (await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken })).json<TokenResponse>();
    t.clock.advance(3000 * 1000);
    const g2 = await t.post('/v1/auth/refresh', { refreshToken: g1.refreshToken });
    expect(g2.statusCode).toBe(200);
    t.clock.advance(1300 * 1000); // past the absolute expiry, though within the sliding one
    expect(errorCode(await t.post('/v1/auth/refresh', { refreshToken: g2.json<TokenResponse>().refreshToken }))).toBe(
      'SESSION_EXPIRED',
    );

    const other = await t.login();
    t.clock.advance(3601 * 1000);
    const idle = await t.post('/v1/auth/refresh', { refreshToken: other.body.refreshToken });
    expect(idle.statusCode).toBe(401);
    expect(errorCode(idle)).toBe('SESSION_EXPIRED');
  });

  it('a disabled user gets USER_DISABLED at refresh', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    await t.store.setUserStatus(body.user.id, 'disabled', 'test', t.clock());
    const response = await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken });
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('USER_DISABLED');
  });
});

describe('POST /v1/auth/logout [sqlite]', () => {
  it('ends the session (204), idempotently, and refresh then says SESSION_EXPIRED', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    for (let i = 0; i < 2; i++) {
      const response = await t.post('/v1/auth/logout', { refreshToken: body.refreshToken });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
    }
    expect(errorCode(await t.post('/v1/auth/refresh', { refreshToken: body.refreshToken }))).toBe('SESSION_EXPIRED');
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(401);
  });

  it('answers 204 for unknown, malformed or forged tokens without touching anything (no oracle)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const sessionId = sessionOf(body.refreshToken);
    for (const refreshToken of [
      'nonsense',
      `wxr1.${sessionId}.0.${'B'.repeat(43)}`,
      'wxr1.01977375-f600-7a74-b7b1-64d78a211241.0.x',
    ]) {
      expect((await t.post('/v1/auth/logout', { refreshToken })).statusCode).toBe(204);
    }
    expect((await t.store.getSession(sessionId))?.revokedAt).toBeNull();
  });

  it('{ all: true } with a bearer ends every session of the user; without a bearer it is 401', async () => {
    const t = await createTestApp();
    const phone = await t.login();
    const tablet = await t.login({ openid: phone.openid });
    const other = await t.login();
    expect(errorCode(await t.post('/v1/auth/logout', { all: true }))).toBe('UNAUTHORIZED');
    const response = await t.post(
      '/v1/auth/logout',
      { all: true },
      { authorization: `Bearer ${phone.body.accessToken}` },
    );
    expect(response.statusCode).toBe(204);
    for (const session of [phone, tablet]) {
      expect(errorCode(await t.post('/v1/auth/refresh', { refreshToken: session.body.refreshToken }))).toBe(
        'SESSION_EXPIRED',
      );
    }
    expect((await t.post('/v1/auth/refresh', { refreshToken: other.body.refreshToken })).statusCode).toBe(200);
  });

  it('an empty body is VALIDATION_FAILED', async () => {
    const t = await createTestApp();
    const response = await t.post('/v1/auth/logout', {});
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('VALIDATION_FAILED');
  });
});
