import { randomBytes } from 'node:crypto';
import { encryptData } from '@wxlogin/simulator';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createSealer, sessionKeyAad } from '../src/crypto/seal.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const OTHER_APP = { appid: 'wxotherapp000002', secret: 'other-app-secret' };
const DAY_S = 86_400;

interface Session {
  token: string;
  openid: string;
  userId: string;
}

async function session(t: TestApp, appid = t.appid): Promise<Session> {
  const login = await t.login({ appid });
  expect(login.status).toBe(200);
  return { token: login.body.accessToken, openid: login.openid, userId: login.body.user.id };
}

const decrypt = (t: TestApp, s: Session, body: unknown): Promise<LightMyRequestResponse> =>
  t.post('/v1/me/decrypt', body, { authorization: `Bearer ${s.token}` });

const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;

/** Seals `data` with the user's current session_key (as WeChat does), with a watermark of our choosing. */
function sealWithWatermark(t: TestApp, s: Session, data: object, watermark: { appid: string; timestamp: number }) {
  const sessionKey = t.simulator.getUser(t.appid, s.openid)!.sessionKey;
  return encryptData(sessionKey, JSON.stringify({ ...data, watermark }));
}

const nowSeconds = (t: TestApp): number => Math.floor(t.clock() / 1000);

describe('POST /v1/me/decrypt [sqlite]', () => {
  it('answers the decrypted object with its watermark', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const data = { stepInfoList: [{ timestamp: 1_750_000_000, step: 4321 }], nested: { ok: true } };
    const response = await decrypt(t, s, t.simulator.encrypt({ appid: t.appid, openid: s.openid, data }));
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ data: { ...data, watermark: { appid: t.appid, timestamp: nowSeconds(t) } } });
  });

  it('data sealed with the old session_key after the device rotated it is WECHAT_SESSION_STALE (409)', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const old = t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { n: 1 } });
    expect((await decrypt(t, s, old)).statusCode).toBe(200);
    // wx.login() rotates the session_key and the new one reaches wxlogin: the old payload no longer opens.
    expect((await t.login({ openid: s.openid })).status).toBe(200);
    const response = await decrypt(t, s, old);
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('WECHAT_SESSION_STALE');
  });

  it('data sealed with a key the server has not seen yet (wx.login not sent) is WECHAT_SESSION_STALE', async () => {
    const t = await createTestApp();
    const s = await session(t);
    t.simulator.login({ appid: t.appid, openid: s.openid }); // the device rotated; the code never reached us
    const response = await decrypt(t, s, t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { n: 2 } }));
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('WECHAT_SESSION_STALE');
  });

  it('malformed input is DECRYPT_FAILED (400): bad base64, iv not 16 bytes, partial block, empty', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const good = t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { n: 3 } });
    const cases = {
      'base64 with a bad character': { ...good, encryptedData: `${good.encryptedData.slice(0, -4)}*AAA` },
      'iv of 8 bytes': { ...good, iv: randomBytes(8).toString('base64') },
      'iv of 32 bytes': { ...good, iv: randomBytes(32).toString('base64') },
      'iv not base64': { ...good, iv: '!!!!!!!!!!!!!!!!!!!!!!==' },
      'ciphertext not whole blocks': { ...good, encryptedData: randomBytes(20).toString('base64') },
      'empty ciphertext': { ...good, encryptedData: '' },
    };
    for (const [name, body] of Object.entries(cases)) {
      const response = await decrypt(t, s, body);
      expect(response.statusCode, name).toBe(400);
      expect(errorCode(response), name).toBe('DECRYPT_FAILED');
    }
  });

  it('a missing field is VALIDATION_FAILED', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const response = await decrypt(t, s, { encryptedData: 'AAAA' });
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('VALIDATION_FAILED');
  });

  it('a watermark naming another app is DECRYPT_FAILED, even when it opens with the right key', async () => {
    const t = await createTestApp({ extraApps: [OTHER_APP] });
    const s = await session(t);
    const foreign = sealWithWatermark(t, s, { n: 4 }, { appid: OTHER_APP.appid, timestamp: nowSeconds(t) });
    const response = await decrypt(t, s, foreign);
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('DECRYPT_FAILED');
    expect(response.json<ErrorEnvelope>().error.message).toMatch(/another appid/);

    // And data of a user of the other app never opens with our user's key.
    const otherUser = await session(t, OTHER_APP.appid);
    const theirs = t.simulator.encrypt({ appid: OTHER_APP.appid, openid: otherUser.openid, data: { n: 5 } });
    expect(errorCode(await decrypt(t, s, theirs))).toBe('WECHAT_SESSION_STALE');
  });

  it('a watermark older than WXLOGIN_WATERMARK_MAX_AGE_S is DECRYPT_FAILED (the test clock moves past it)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_WATERMARK_MAX_AGE_S: '3600', WXLOGIN_ACCESS_TTL: '86400' } });
    const s = await session(t);
    const payload = t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { n: 6 } });
    t.clock.advance(3600_000);
    expect((await decrypt(t, s, payload)).statusCode).toBe(200);
    t.clock.advance(1000);
    const response = await decrypt(t, s, payload);
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('DECRYPT_FAILED');
    expect(response.json<ErrorEnvelope>().error.message).toMatch(/older than allowed/);
  });

  it('the default maximum age is a day', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const inside = sealWithWatermark(t, s, { n: 6 }, { appid: t.appid, timestamp: nowSeconds(t) - DAY_S + 5 });
    expect((await decrypt(t, s, inside)).statusCode).toBe(200);
    const outside = sealWithWatermark(t, s, { n: 6 }, { appid: t.appid, timestamp: nowSeconds(t) - DAY_S - 5 });
    expect(errorCode(await decrypt(t, s, outside))).toBe('DECRYPT_FAILED');
  });

  it('WXLOGIN_WATERMARK_MAX_AGE_S=0 turns the age check off', async () => {
    const t = await createTestApp({ env: { WXLOGIN_WATERMARK_MAX_AGE_S: '0' } });
    const s = await session(t);
    const stale = sealWithWatermark(t, s, { n: 7 }, { appid: t.appid, timestamp: nowSeconds(t) - 30 * DAY_S });
    expect((await decrypt(t, s, stale)).statusCode).toBe(200);
  });

  it('a watermark more than 5 minutes in the future is DECRYPT_FAILED; a little ahead is fine', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const ahead = sealWithWatermark(t, s, { n: 8 }, { appid: t.appid, timestamp: nowSeconds(t) + 240 });
    expect((await decrypt(t, s, ahead)).statusCode).toBe(200);
    const future = sealWithWatermark(t, s, { n: 9 }, { appid: t.appid, timestamp: nowSeconds(t) + 600 });
    const response = await decrypt(t, s, future);
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('DECRYPT_FAILED');
  });

  it('a stored session_key that no longer opens (sealed under another master key) is WECHAT_SESSION_STALE', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const payload = t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { n: 10 } });
    // Store the user's session_key sealed under a master key this server does not have (a lost key rotation).
    const sessionKey = t.simulator.getUser(t.appid, s.openid)!.sessionKey;
    const foreignSealed = createSealer(randomBytes(32)).seal(sessionKey, sessionKeyAad(t.appid, s.openid));
    await storeSessionKey(t, s.openid, foreignSealed);
    const response = await decrypt(t, s, payload);
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('WECHAT_SESSION_STALE');
  });

  it('no bearer is UNAUTHORIZED', async () => {
    const t = await createTestApp();
    const response = await t.post('/v1/me/decrypt', { encryptedData: 'AAAA', iv: 'AAAA' });
    expect(response.statusCode).toBe(401);
  });
});

/** Writes a sealed session_key for the user through the store's own login path (no raw SQL). */
async function storeSessionKey(t: TestApp, openid: string, sealed: string): Promise<void> {
  const now = t.clock();
  const codeHash = randomBytes(32).toString('hex');
  await t.store.claimLoginCode({ codeHash, appid: t.appid, nonceHash: null, createdAt: now, expiresAt: now + 60_000 });
  await t.store.completeLogin({
    codeHash,
    appid: t.appid,
    openid,
    unionid: null,
    newUserId: randomBytes(16).toString('hex'),
    sessionKeySealed: sealed,
    session: {
      id: randomBytes(16).toString('hex'),
      appid: t.appid,
      generation: 0,
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: now + 60_000,
      absoluteExpiresAt: now + 60_000,
      createdIp: null,
      userAgent: null,
      createdAt: now,
    },
    auditId: randomBytes(16).toString('hex'),
    now,
  });
}
