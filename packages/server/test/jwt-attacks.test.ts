import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSealer, signingKeyAad } from '../src/crypto/seal.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const errorCode = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;

/** The deployment's own signing key, opened the way the service opens it: lets a test sign arbitrary claims. */
async function ownKey(t: TestApp) {
  const [row] = await t.store.listSigningKeys();
  const jwk = JSON.parse(createSealer(Buffer.from(t.masterKey, 'base64')).open(row!.privateJwkSealed, signingKeyAad(row!.kid)).toString()) as JWK;
  return { kid: row!.kid, alg: row!.alg, privateKey: await importJWK(jwk, row!.alg), publicJwk: JSON.parse(row!.publicJwk) as JWK };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

async function expect401(t: TestApp, token: string): Promise<void> {
  const response = await t.get('/v1/me', token);
  expect(response.statusCode).toBe(401);
  expect(errorCode(response)).toBe('UNAUTHORIZED');
}

describe('access-token attacks are 401 [sqlite]', () => {
  it('alg: none', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const { kid } = await ownKey(t);
    await expect401(t, `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64(claimsOf(body.accessToken))}.`);
    await expect401(t, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(body.accessToken))}.`);
  });

  it('HS256 keyed with the public key (alg confusion)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const { kid, publicJwk } = await ownKey(t);
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x ?? '', JSON.stringify(await t.auth.jwks())]) {
      const input = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${b64(claimsOf(body.accessToken))}`;
      const sig = createHmac('sha256', secret).update(input).digest('base64url');
      await expect401(t, `${input}.${sig}`);
    }
  });

  it('a kid the deployment does not have, and a token of another deployment', async () => {
    const t = await createTestApp();
    const other = await createTestApp();
    const { body } = await t.login();
    const foreign = await other.login();
    const attacker = await generateKeyPair('ES256');
    const forged = await new SignJWT(claimsOf(body.accessToken))
      .setProtectedHeader({ alg: 'ES256', kid: 'attacker-kid', typ: 'JWT' })
      .sign(attacker.privateKey);
    await expect401(t, forged);
    await expect401(t, foreign.body.accessToken);
  });

  it('jku / x5u / jwk headers are never followed: an attacker key announced there does not verify', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const { kid } = await ownKey(t);
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const forged = await new SignJWT(claimsOf(body.accessToken))
      .setProtectedHeader({
        alg: 'ES256',
        kid,
        typ: 'JWT',
        jku: 'http://127.0.0.1:9/jwks.json',
        x5u: 'http://127.0.0.1:9/cert.pem',
        jwk: await exportJWK(attacker.publicKey),
      })
      .sign(attacker.privateKey);
    await expect401(t, forged);
  });

  it('jku / x5u on a genuinely signed token change nothing (ignored, not fetched)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const { kid, alg, privateKey } = await ownKey(t);
    const token = await new SignJWT(claimsOf(body.accessToken))
      .setProtectedHeader({ alg, kid, typ: 'JWT', jku: 'http://127.0.0.1:9/jwks.json', x5u: 'http://127.0.0.1:9/x.pem' })
      .sign(privateKey);
    expect((await t.get('/v1/me', token)).statusCode).toBe(200);
  });

  it('expired (beyond the 30 s tolerance), but accepted within it', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    t.clock.advance((900 + 20) * 1000);
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
    t.clock.advance(11 * 1000);
    await expect401(t, body.accessToken);
  });

  it('wrong aud, wrong iss, an unconfigured appid, missing claims, a tampered payload', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const { kid, alg, privateKey } = await ownKey(t);
    const claims = claimsOf(body.accessToken);
    const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
    await expect401(t, await sign({ ...claims, aud: 'another-service' }));
    await expect401(t, await sign({ ...claims, iss: 'evil' }));
    await expect401(t, await sign({ ...claims, appid: 'wxanotherapp000001' }));
    const { sid: _sid, ...noSid } = claims;
    await expect401(t, await sign(noSid));
    const { exp: _exp, ...noExp } = claims;
    await expect401(t, await sign(noExp));
    const [h, , s] = body.accessToken.split('.');
    await expect401(t, `${h}.${b64({ ...claims, sub: '01977375-f600-7400-9522-000000000000' })}.${s}`);
    await expect401(t, 'not.a.jwt');
  });

  it('a missing or malformed Authorization header', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    expect(errorCode(await t.get('/v1/me'))).toBe('UNAUTHORIZED');
    for (const authorization of [`Basic ${body.accessToken}`, `Bearer`, `Bearer ${body.accessToken} extra`, body.accessToken]) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });
      expect(response.statusCode).toBe(401);
    }
    const lower = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `bearer ${body.accessToken}` } });
    expect(lower.statusCode).toBe(200);
  });

  it('a revoked sid is refused within 5 s on another instance (database check, cached at most 5 s)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200); // cached as alive
    // Another instance revokes the session: this instance's cache may say "alive" for up to 5 s.
    await t.store.revokeFamily(body.refreshToken.split('.')[1]!, 'admin', t.clock());
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
    t.clock.advance(5001);
    await expect401(t, body.accessToken);
  });

  it('a disabled user is 403 USER_DISABLED on /v1/me', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    await t.store.setUserStatus(body.user.id, 'disabled', 'test', t.clock());
    const response = await t.get('/v1/me', body.accessToken);
    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('USER_DISABLED');
  });
});
