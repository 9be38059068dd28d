import { DEFAULT_DEV_SECRET } from '@wxlogin/simulator';
import { describe, expect, it } from 'vitest';
import type { LoginResponse, TokenResponse } from '../src/schemas/tokens.js';
import { createTestApp } from './helpers/test-app.js';

describe('logs [sqlite]', () => {
  it('a full scenario at debug level logs no session_key, AppSecret, master key, token, code or nonce', async () => {
    const lines: string[] = [];
    const t = await createTestApp({
      env: { WXLOGIN_LOG_LEVEL: 'debug' },
      logStream: { write: (line) => void lines.push(line) },
    });
    const secrets: string[] = [
      DEFAULT_DEV_SECRET,
      t.masterKey,
      Buffer.from(t.masterKey, 'base64').toString('hex'),
      Buffer.from(t.masterKey, 'base64').toString('base64url'),
    ];
    const remember = (...values: string[]) => secrets.push(...values);

    // Login with a nonce, its replay, a refresh, a grace replay, /v1/me, a patch.
    const first = await t.login({ loginNonce: 'nonce-secret-1' });
    remember(first.code, 'nonce-secret-1', first.body.accessToken, first.body.refreshToken);
    const replay = await t.post('/v1/auth/login', { code: first.code, appid: t.appid, loginNonce: 'nonce-secret-1' });
    remember(replay.json<LoginResponse>().accessToken);
    const rotated = (await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })).json<TokenResponse>();
    remember(rotated.accessToken, rotated.refreshToken);
    await t.get('/v1/me', rotated.accessToken);
    await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { nickname: 'n' },
      headers: { authorization: `Bearer ${rotated.accessToken}` },
    });

    // Failures: a bad code, a wrong nonce, reuse, a forged bearer, WeChat down, JSON garbage.
    await t.post('/v1/auth/login', { code: 'bogus-code-abc', appid: t.appid });
    remember('bogus-code-abc');
    await t.post('/v1/auth/login', { code: first.code, appid: t.appid, loginNonce: 'nonce-secret-2' });
    remember('nonce-secret-2');
    t.clock.advance(t.config.refreshGraceS * 1000 + 1000);
    await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    await t.get('/v1/me', `${rotated.accessToken}x`);
    const second = t.simulator.login({ appid: t.appid, openid: first.openid });
    remember(second.code);
    t.simulator.setFaults({ errcode: -1 });
    await t.post('/v1/auth/login', { code: second.code, appid: t.appid });
    t.simulator.clearFaults();
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: `{"code":"${second.code}"`,
      headers: { 'content-type': 'application/json' },
    });

    // A second user: login, logout everywhere, logout.
    const other = await t.login();
    remember(other.code, other.body.accessToken, other.body.refreshToken);
    await t.post('/v1/auth/logout', { all: true }, { authorization: `Bearer ${other.body.accessToken}` });
    await t.post('/v1/auth/logout', { refreshToken: other.body.refreshToken });

    // Every session_key WeChat handed out during the scenario.
    for (const openid of [first.openid, other.openid]) remember(t.simulator.getUser(t.appid, openid)!.sessionKey);

    await t.close();
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toContain('"level":20'); // debug lines were written
    expect(log).toContain('incoming request');
    expect(log).toContain('refresh token reuse detected');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(5);
      expect(log, `a secret of length ${secret.length} reached the log`).not.toContain(secret);
    }
    // Tokens' signatures alone must not appear either (a token split across fields).
    for (const token of [first.body.accessToken, rotated.accessToken]) expect(log).not.toContain(token.split('.')[2]);
    expect(log).not.toMatch(/authorization/i);
  });
});
