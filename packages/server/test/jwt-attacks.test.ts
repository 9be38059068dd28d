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
  const jwk = JSON.parse(
    createSealer(Buffer.from(t.masterKey, 'base64')).open(row!.privateJwkSealed, signingKeyAad(row!.kid)).toString(),
  ) as JWK;
  return {
    kid: row!.kid,
    alg: row!.alg,
    privateKey: await importJWK(jwk, row!.alg),
    publicJwk: JSON.parse(row!.publicJwk) as JWK,
  };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The order n of P-256: (r, s) and (r, n - s) are both valid ECDSA signatures of one message. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The token with the last character changed in its `spareBits` unused low bits, every way but the canonical one. */
function respelledLastCharacter(token: string, spareBits: number): string[] {
  const index = BASE64URL.indexOf(token.at(-1)!);
  const mask = (1 << spareBits) - 1;
  return Array.from({ length: mask }, (_, k) => `${token.slice(0, -1)}${BASE64URL[(index & ~mask) | (k + 1)]}`);
}

function sOf(token: string): bigint {
  return BigInt(`0x${Buffer.from(token.split('.')[2]!, 'base64url').subarray(32).toString('hex')}`);
}

function withS(token: string, s: bigint): string {
  const [header, payload, signature] = token.split('.');
  const r = Buffer.from(signature!, 'base64url').subarray(0, 32);
  return `${header}.${payload}.${Buffer.concat([r, Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
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
      .setProtectedHeader({
        alg,
        kid,
        typ: 'JWT',
        jku: 'http://127.0.0.1:9/jwks.json',
        x5u: 'http://127.0.0.1:9/x.pem',
      })
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
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
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
    for (const authorization of [
      `Basic ${body.accessToken}`,
      `Bearer`,
      `Bearer ${body.accessToken} extra`,
      body.accessToken,
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } });
      expect(response.statusCode).toBe(401);
    }
    const lower = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `bearer ${body.accessToken}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('a revoked sid is refused within 5 s on another instance (database check, cached at most 5 s)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200); // cached as alive
    // Another instance revokes the session: this instance's cache may say "alive" for up to 5 s.
    await t.store.revokeSession(body.refreshToken.split('.')[1]!, 'admin', t.clock());
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
    t.clock.advance(5001);
    await expect401(t, body.accessToken);
  });

  it('the 15 non-canonical base64url spellings of a genuine signature are 401 (one token, one spelling)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const spellings = respelledLastCharacter(body.accessToken, 4);
    expect(spellings).toHaveLength(15);
    for (const token of spellings) {
      // jose alone would accept every one: its decoder drops the spare bits.
      expect(Buffer.from(token.split('.')[2]!, 'base64url')).toEqual(
        Buffer.from(body.accessToken.split('.')[2]!, 'base64url'),
      );
      await expect401(t, token);
    }
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
  });

  it('ES256 high-s is accepted (pinned): the twin s -> n - s verifies with the same claims and dies with its session', async () => {
    const t = await createTestApp();
    const { kid, alg, privateKey } = await ownKey(t);
    expect(alg).toBe('ES256');
    // Our own signer (node:crypto's ECDSA) emits high s in about half its signatures: rejecting them would mean
    // normalising every signature first, and every other verifier of our JWKS would still accept the twin.
    let highS = 0;
    for (let i = 0; i < 32; i++) {
      const token = await new SignJWT({ i }).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
      if (sOf(token) > P256_ORDER / 2n) highS += 1;
    }
    console.log(`ES256: ${highS} of 32 signatures by the deployment's own key are high-s`);
    expect(highS).toBeGreaterThan(0);
    expect(highS).toBeLessThan(32);

    const { body } = await t.login();
    const twin = withS(body.accessToken, P256_ORDER - sOf(body.accessToken));
    expect(twin).not.toBe(body.accessToken);
    const me = await t.get('/v1/me', twin);
    expect(me.statusCode).toBe(200);
    expect(me.json<{ id: string }>().id).toBe(body.user.id);
    expect(await t.auth.verifyAccessToken(twin)).toEqual(await t.auth.verifyAccessToken(body.accessToken));
    // Revocation is by sid, never by the token's text: the twin ends with the session.
    expect((await t.post('/v1/auth/logout', { refreshToken: body.refreshToken })).statusCode).toBe(204);
    await expect401(t, twin);
    await expect401(t, body.accessToken);
  });

  it("a token naming a live sid with another app's appid is 401 while the genuine token's alive verdict is cached", async () => {
    const t = await createTestApp({ extraApps: [{ appid: 'wx00000000000000aa', secret: 'second-secret' }] });
    const { body } = await t.login();
    const { kid, alg, privateKey } = await ownKey(t);
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200); // the session's verdict is now cached
    const crossApp = await new SignJWT({ ...claimsOf(body.accessToken), appid: 'wx00000000000000aa' })
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .sign(privateKey);
    await expect401(t, crossApp);
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
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
