import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { User } from '../src/schemas/user.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import type { AuditEventRow } from '../src/store/types.js';
import { databaseAvailable, testDatabases, useTestStore } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const HOUR = 3_600_000;
const PHONE_ROUTE = '/wxa/business/getuserphonenumber';
/** Access tokens that outlive the hour these tests move the clock through. */
const LONG_ACCESS_TTL = '86400';

/** A logged-in user of the dev app: its token and openid. */
interface Session {
  token: string;
  openid: string;
  userId: string;
}

async function session(t: TestApp): Promise<Session> {
  const login = await t.login();
  expect(login.status).toBe(200);
  return { token: login.body.accessToken, openid: login.openid, userId: login.body.user.id };
}

const bindPhone = (t: TestApp, s: Session, body: unknown): Promise<LightMyRequestResponse> =>
  t.post('/v1/me/phone', body, { authorization: `Bearer ${s.token}` });

/** Taps the phone button for the user at the simulator and posts the code. */
function bindByCode(
  t: TestApp,
  s: Session,
  phone?: { phoneNumber?: string; countryCode?: string },
): Promise<LightMyRequestResponse> {
  const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid, ...phone });
  return bindPhone(t, s, { code });
}

const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;

async function auditOf(t: TestApp, userId: string, action: string): Promise<AuditEventRow[]> {
  return (await t.store.listAudit({ userId, limit: 100 })).items.filter((e) => e.action === action);
}

describe('POST /v1/me/phone by code [sqlite]', () => {
  it('binds the number in E.164, shows it on /v1/me and audits the last 4 digits only', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const response = await bindByCode(t, s, { phoneNumber: '13800138000' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const user = response.json<User>();
    expect(user).toMatchObject({ id: s.userId, phone: '+8613800138000', openid: s.openid });
    expect((await t.get('/v1/me', s.token)).json<User>().phone).toBe('+8613800138000');

    const [event, ...more] = await auditOf(t, s.userId, 'phone.bound');
    expect(more).toEqual([]);
    expect(event).toMatchObject({ actor: `user:${s.userId}`, appid: t.appid, userId: s.userId });
    expect(JSON.parse(event!.detailJson!)).toEqual({ last4: '8000', via: 'code' });
    expect(event!.detailJson).not.toContain('13800138000');
  });

  it('a foreign country code (852) becomes +852…', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const response = await bindByCode(t, s, { phoneNumber: '51234567', countryCode: '852' });
    expect(response.statusCode).toBe(200);
    expect(response.json<User>().phone).toBe('+85251234567');
  });

  it('a code tapped by another user is refused by WeChat (openid check): INVALID_PHONE_CODE, nothing bound', async () => {
    const t = await createTestApp();
    const [me, other] = [await session(t), await session(t)];
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: other.openid, phoneNumber: '13900000001' });
    const response = await bindPhone(t, me, { code });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorEnvelope>().error).toMatchObject({
      code: 'INVALID_PHONE_CODE',
      wechat: { errcode: 40029 },
    });
    expect((await t.get('/v1/me', me.token)).json<User>().phone).toBeNull();
    // WeChat left the code unused: its owner can still redeem it.
    const owner = await bindPhone(t, other, { code });
    expect(owner.json<User>().phone).toBe('+8613900000001');
  });

  it('a used phone code (40029) is 400 INVALID_PHONE_CODE, "tap the button again", never INVALID_CODE\'s "call wx.login() again"', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid });
    expect((await bindPhone(t, s, { code })).statusCode).toBe(200);
    const again = await bindPhone(t, s, { code });
    expect(again.statusCode).toBe(400);
    const { error } = again.json<ErrorEnvelope>();
    expect(error).toMatchObject({ code: 'INVALID_PHONE_CODE', wechat: { errcode: 40029 } });
    expect(error.message).toMatch(/tap the button again/);
    expect(error.message).not.toMatch(/wx\.login/);
  });

  it('WeChat 87009 is WECHAT_SESSION_STALE (409)', async () => {
    const t = await createTestApp();
    const s = await session(t);
    t.simulator.setFaults({ errcode: 87009, routes: ['/wxa/business/getuserphonenumber'] });
    const response = await bindByCode(t, s);
    expect(response.statusCode).toBe(409);
    expect(response.json<ErrorEnvelope>().error).toMatchObject({
      code: 'WECHAT_SESSION_STALE',
      wechat: { errcode: 87009 },
    });
  });

  it('binding the number the user already has is a no-op success (no second audit event)', async () => {
    const t = await createTestApp();
    const s = await session(t);
    expect((await bindByCode(t, s, { phoneNumber: '13800138001' })).statusCode).toBe(200);
    const again = await bindByCode(t, s, { phoneNumber: '13800138001' });
    expect(again.statusCode).toBe(200);
    expect(again.json<User>().phone).toBe('+8613800138001');
    expect(await auditOf(t, s.userId, 'phone.bound')).toHaveLength(1);
  });

  it('a new number replaces the old one; the audit names both by their last 4 digits', async () => {
    const t = await createTestApp();
    const s = await session(t);
    await bindByCode(t, s, { phoneNumber: '13800131111' });
    t.clock.advance(1000);
    const response = await bindByCode(t, s, { phoneNumber: '13800132222' });
    expect(response.json<User>().phone).toBe('+8613800132222');
    const [latest] = await auditOf(t, s.userId, 'phone.bound');
    expect(JSON.parse(latest!.detailJson!)).toEqual({ last4: '2222', via: 'code', replacedLast4: '1111' });
  });
});

describe('POST /v1/me/phone by legacy encryptedData [sqlite]', () => {
  it('binds the number WeChat sealed with the stored session_key', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const payload = t.simulator.encrypt({
      appid: t.appid,
      openid: s.openid,
      data: { phoneNumber: '13700137000', purePhoneNumber: '13700137000', countryCode: '86' },
    });
    const response = await bindPhone(t, s, payload);
    expect(response.statusCode).toBe(200);
    expect(response.json<User>().phone).toBe('+8613700137000');
    const [event] = await auditOf(t, s.userId, 'phone.bound');
    expect(JSON.parse(event!.detailJson!)).toEqual({ last4: '7000', via: 'encrypted_data' });
  });

  it('data sealed with a session_key the device has since replaced is WECHAT_SESSION_STALE', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const old = t.simulator.encrypt({
      appid: t.appid,
      openid: s.openid,
      data: { purePhoneNumber: '13700137001', countryCode: '86' },
    });
    // wx.login() again with a new session_key, which reaches wxlogin.
    expect((await t.login({ openid: s.openid })).status).toBe(200);
    const response = await bindPhone(t, s, old);
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('WECHAT_SESSION_STALE');
  });

  it('decrypted data without a phone number is DECRYPT_FAILED', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const payload = t.simulator.encrypt({ appid: t.appid, openid: s.openid, data: { stepInfoList: [] } });
    const response = await bindPhone(t, s, payload);
    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('DECRYPT_FAILED');
  });

  it('exactly one form: none, both, or half of the legacy one is VALIDATION_FAILED', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const payload = t.simulator.encrypt({
      appid: t.appid,
      openid: s.openid,
      data: { purePhoneNumber: '13700137002', countryCode: '86' },
    });
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid });
    for (const body of [
      {},
      { code, ...payload },
      { encryptedData: payload.encryptedData },
      { iv: payload.iv },
      { code, iv: payload.iv },
      { code: '' },
    ]) {
      const response = await bindPhone(t, s, body);
      expect(response.statusCode, JSON.stringify(Object.keys(body))).toBe(400);
      expect(errorCode(response)).toBe('VALIDATION_FAILED');
    }
    expect(t.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(0);
  });
});

describe('POST /v1/me/phone access [sqlite]', () => {
  it('no bearer is UNAUTHORIZED; a disabled user is USER_DISABLED and nothing reaches WeChat', async () => {
    const t = await createTestApp();
    const s = await session(t);
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid });
    const anonymous = await t.post('/v1/me/phone', { code });
    expect(anonymous.statusCode).toBe(401);
    expect(errorCode(anonymous)).toBe('UNAUTHORIZED');

    await t.store.setUserStatus(s.userId, 'disabled', 'test', t.clock());
    t.clock.advance(6000); // past the session-check cache
    const disabled = await bindPhone(t, s, { code });
    expect(disabled.statusCode).toBe(403);
    expect(errorCode(disabled)).toBe('USER_DISABLED');
    const decrypt = await t.post(
      '/v1/me/decrypt',
      { encryptedData: 'AAAA', iv: 'AAAA' },
      { authorization: `Bearer ${s.token}` },
    );
    expect(errorCode(decrypt)).toBe('USER_DISABLED');
    expect(t.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(0);
  });
});

describe('phone conflicts [sqlite]', () => {
  it('reject (default): a number bound to another user is PHONE_IN_USE and stays where it is', async () => {
    const t = await createTestApp();
    const [a, b] = [await session(t), await session(t)];
    expect((await bindByCode(t, a, { phoneNumber: '13600136000' })).statusCode).toBe(200);
    const response = await bindByCode(t, b, { phoneNumber: '13600136000' });
    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('PHONE_IN_USE');
    expect((await t.get('/v1/me', a.token)).json<User>().phone).toBe('+8613600136000');
    expect((await t.get('/v1/me', b.token)).json<User>().phone).toBeNull();
    expect(await auditOf(t, b.userId, 'phone.bound')).toEqual([]);
  });

  it('two users binding one number concurrently: exactly one wins, the other gets PHONE_IN_USE', async () => {
    const t = await createTestApp();
    const [a, b] = [await session(t), await session(t)];
    const responses = await Promise.all([
      bindByCode(t, a, { phoneNumber: '13600136001' }),
      bindByCode(t, b, { phoneNumber: '13600136001' }),
    ]);
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    expect(errorCode(responses.find((r) => r.statusCode === 409)!)).toBe('PHONE_IN_USE');
    const holders = (await t.store.searchUsers({ q: '+8613600136001', limit: 10 })).items;
    expect(holders).toHaveLength(1);
    expect(holders[0]!.id).toBe(responses[0]!.statusCode === 200 ? a.userId : b.userId);
  });

  it('move: the number leaves its holder for the new user, audited on both sides', async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_CONFLICT: 'move' } });
    const [a, b] = [await session(t), await session(t)];
    await bindByCode(t, a, { phoneNumber: '13600136002' });
    const response = await bindByCode(t, b, { phoneNumber: '13600136002' });
    expect(response.statusCode).toBe(200);
    expect(response.json<User>().phone).toBe('+8613600136002');
    expect((await t.get('/v1/me', a.token)).json<User>().phone).toBeNull();

    const [moved, ...more] = await auditOf(t, a.userId, 'phone.moved');
    expect(more).toEqual([]);
    expect(moved).toMatchObject({ actor: `user:${b.userId}`, appid: t.appid, userId: a.userId });
    expect(JSON.parse(moved!.detailJson!)).toEqual({ last4: '6002', toUserId: b.userId });
    const [bound] = await auditOf(t, b.userId, 'phone.bound');
    expect(JSON.parse(bound!.detailJson!)).toEqual({ last4: '6002', via: 'code', movedFromUserId: a.userId });
  });

  it('move under concurrency: two users taking one held number at once both succeed in turn; one holds it at the end', async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_CONFLICT: 'move' } });
    const [holder, b, c] = [await session(t), await session(t), await session(t)];
    await bindByCode(t, holder, { phoneNumber: '13600136003' });
    const responses = await Promise.all([
      bindByCode(t, b, { phoneNumber: '13600136003' }),
      bindByCode(t, c, { phoneNumber: '13600136003' }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
    const holders = (await t.store.searchUsers({ q: '+8613600136003', limit: 10 })).items;
    expect(holders).toHaveLength(1);
    expect([b.userId, c.userId]).toContain(holders[0]!.id);
    // Each move is audited on the user it took the number from: the holder once, then the first taker.
    const movedEvents = [
      ...(await auditOf(t, holder.userId, 'phone.moved')),
      ...(await auditOf(t, b.userId, 'phone.moved')),
      ...(await auditOf(t, c.userId, 'phone.moved')),
    ];
    expect(movedEvents).toHaveLength(2);
    expect(movedEvents.map((e) => e.userId)).toContain(holder.userId);
  });
});

describe('phone bind limit [sqlite]', () => {
  it('the third bind within an hour (limit 2) is 429 RATE_LIMITED with Retry-After; the code is not redeemed', async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_BIND_PER_HOUR: '2', WXLOGIN_ACCESS_TTL: LONG_ACCESS_TTL } });
    const s = await session(t);
    expect((await bindByCode(t, s, { phoneNumber: '13500135001' })).statusCode).toBe(200);
    t.clock.advance(10 * 60_000);
    expect((await bindByCode(t, s, { phoneNumber: '13500135002' })).statusCode).toBe(200);
    t.clock.advance(20 * 60_000);
    const redeemed = t.simulator.stats()['/wxa/business/getuserphonenumber'];

    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid, phoneNumber: '13500135003' });
    const limited = await bindPhone(t, s, { code });
    expect(limited.statusCode).toBe(429);
    expect(errorCode(limited)).toBe('RATE_LIMITED');
    // The first bind turns an hour old in 30 minutes.
    expect(limited.headers['retry-after']).toBe(String(30 * 60));
    expect(t.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(redeemed);

    t.clock.advance(30 * 60_000 - 1000);
    expect((await bindByCode(t, s, { phoneNumber: '13500135003' })).headers['retry-after']).toBe('1');
    t.clock.advance(1000);
    const later = await bindByCode(t, s, { phoneNumber: '13500135003' });
    expect(later.statusCode).toBe(200);
    expect(later.json<User>().phone).toBe('+8613500135003');
  });

  it('the limit is per user; re-binding the same number does not count', async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_BIND_PER_HOUR: '1', WXLOGIN_ACCESS_TTL: LONG_ACCESS_TTL } });
    const [a, b] = [await session(t), await session(t)];
    expect((await bindByCode(t, a, { phoneNumber: '13500135004' })).statusCode).toBe(200);
    expect((await bindByCode(t, b, { phoneNumber: '13500135005' })).statusCode).toBe(200);
    expect((await bindByCode(t, a, { phoneNumber: '13500135006' })).statusCode).toBe(429);
    t.clock.advance(HOUR);
    expect((await bindByCode(t, a, { phoneNumber: '13500135004' })).statusCode).toBe(200); // same number: no-op
    expect((await bindByCode(t, a, { phoneNumber: '13500135006' })).statusCode).toBe(200);
  });

  it("binds racing at the limit cannot both pass (one holds the user's bind lease, the others are refused)", async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_BIND_PER_HOUR: '2', WXLOGIN_ACCESS_TTL: LONG_ACCESS_TTL } });
    const s = await session(t);
    expect((await bindByCode(t, s, { phoneNumber: '13500135010' })).statusCode).toBe(200);
    const racing = await Promise.all(
      ['13500135011', '13500135012', '13500135013'].map((phoneNumber) => bindByCode(t, s, { phoneNumber })),
    );
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 429, 429]);
    expect(await auditOf(t, s.userId, 'phone.bound')).toHaveLength(2);
  });

  it('0 means unlimited', async () => {
    const t = await createTestApp({ env: { WXLOGIN_PHONE_BIND_PER_HOUR: '0' } });
    const s = await session(t);
    for (let i = 0; i < 7; i++) {
      expect((await bindByCode(t, s, { phoneNumber: `1350013510${i}` })).statusCode).toBe(200);
    }
  });
});

describe('phone code metrics [sqlite]', () => {
  it('every redeemed code is counted with its outcome, also when the bind then fails; refused requests are not', async () => {
    const t = await createTestApp();
    const counted = async (outcome: string): Promise<number> => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`wxlogin_phone_codes_redeemed_total{appid="${t.appid}",outcome="${outcome}"}`));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const [a, b] = [await session(t), await session(t)];
    await bindByCode(t, a, { phoneNumber: '13312345678' });
    expect(errorCode(await bindByCode(t, b, { phoneNumber: '13312345678' }))).toBe('PHONE_IN_USE');
    const foreign = t.simulator.phoneCode({ appid: t.appid, openid: b.openid });
    expect(errorCode(await bindPhone(t, a, { code: foreign.code }))).toBe('INVALID_PHONE_CODE');
    expect(errorCode(await bindPhone(t, a, {}))).toBe('VALIDATION_FAILED');
    expect(await counted('success')).toBe(2);
    expect(await counted('INVALID_PHONE_CODE')).toBe(1);
  });
});

describe('phone logs [sqlite]', () => {
  it('no phone number, session_key, phone code or encryptedData reaches the log, even at debug level', async () => {
    const lines: string[] = [];
    const t = await createTestApp({
      env: { WXLOGIN_LOG_LEVEL: 'debug', WXLOGIN_PHONE_CONFLICT: 'move' },
      logStream: { write: (line) => void lines.push(line) },
    });
    const secrets: string[] = [];
    const [a, b] = [await session(t), await session(t)];

    // By code, a refused code, a move, a foreign number.
    for (const [who, phoneNumber, countryCode] of [
      [a, '13412345678', '86'],
      [b, '13412345678', '86'],
      [a, '61234567', '852'],
    ] as const) {
      const { code } = t.simulator.phoneCode({ appid: t.appid, openid: who.openid, phoneNumber, countryCode });
      secrets.push(code, phoneNumber, `+${countryCode}${phoneNumber}`);
      expect((await bindPhone(t, who, { code })).statusCode).toBe(200);
    }
    const foreign = t.simulator.phoneCode({ appid: t.appid, openid: b.openid, phoneNumber: '13498765432' });
    secrets.push(foreign.code, '13498765432');
    expect((await bindPhone(t, a, { code: foreign.code })).statusCode).toBe(400);

    // Legacy, decrypt, and a stale payload.
    const payload = t.simulator.encrypt({
      appid: t.appid,
      openid: a.openid,
      data: { purePhoneNumber: '13455556666', countryCode: '86' },
    });
    secrets.push('13455556666', payload.encryptedData, payload.iv);
    expect((await bindPhone(t, a, payload)).statusCode).toBe(200);
    expect((await t.post('/v1/me/decrypt', payload, { authorization: `Bearer ${a.token}` })).statusCode).toBe(200);
    secrets.push(
      t.simulator.getUser(t.appid, a.openid)!.sessionKey,
      t.simulator.getUser(t.appid, b.openid)!.sessionKey,
    );
    await t.login({ openid: a.openid });
    expect((await bindPhone(t, a, payload)).statusCode).toBe(409);
    secrets.push(t.simulator.getUser(t.appid, a.openid)!.sessionKey);

    await t.close();
    const log = lines.join('');
    expect(log).toContain('phone bound');
    expect(log).toContain('"level":20');
    for (const secret of secrets)
      expect(log, `a value of length ${secret.length} reached the log`).not.toContain(secret);
    // No E.164 number of any shape.
    expect(log).not.toMatch(/\+\d{8,15}/);
  });
});

/** How many answers had each status, e.g. `{ 200: 1, 429: 11 }`. */
function statusCounts(responses: LightMyRequestResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
  return counts;
}

/**
 * Binds under concurrency on each real database, through the default pool of 10 connections: a bind in flight must
 * never hold a connection while it waits, nor make other users wait.
 */
describe.each(testDatabases().map((db) => [db.tag, db] as const))('%s phone binds under concurrency', (_tag, db) => {
  if (!databaseAvailable(db)) return;

  const testStore = useTestStore(db);
  // Apps of this describe share the database, hence the master key that sealed its signing key. Unlimited binds per
  // hour: any refusal here comes from the bind lease.
  const env = { WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'), WXLOGIN_PHONE_BIND_PER_HOUR: '0' };

  it('60 concurrent binds by 60 users on the default pool of 10: all 60 bound, no 503', async () => {
    const t = await createTestApp({ store: testStore.store, env });
    const users: Session[] = [];
    for (let i = 0; i < 60; i += 10) users.push(...(await Promise.all(Array.from({ length: 10 }, () => session(t)))));
    // WeChat answers slowly enough that all 60 are in flight together.
    t.simulator.setFaults({ latencyMs: 100, routes: [PHONE_ROUTE] });
    const numbers = users.map((_, i) => `1370000${String(i).padStart(4, '0')}`);
    const responses = await Promise.all(users.map((u, i) => bindByCode(t, u, { phoneNumber: numbers[i]! })));
    expect(statusCounts(responses), responses.find((r) => r.statusCode !== 200)?.body).toEqual({ 200: 60 });
    expect(responses.map((r) => r.json<User>().phone)).toEqual(numbers.map((n) => `+86${n}`));
  }, 20_000); // seconds only when the pool starves (the defect), so the failure shows its answers, not a timeout

  it('12 parallel phone binds of one user on a pool of 10: one bind, the rest 429 with their codes unredeemed, no 503, other users log in promptly meanwhile', async () => {
    const t = await createTestApp({ store: testStore.store, env });
    const s = await session(t);
    t.simulator.setFaults({ latencyMs: 300, routes: [PHONE_ROUTE] });
    const numbers = Array.from({ length: 12 }, (_, i) => `1371000${String(i).padStart(4, '0')}`);
    const codes = numbers.map(
      (phoneNumber) => t.simulator.phoneCode({ appid: t.appid, openid: s.openid, phoneNumber }).code,
    );
    t.simulator.resetStats();

    let settled = false;
    const binds = Promise.all(codes.map((code) => bindPhone(t, s, { code }))).finally(() => {
      settled = true;
    });
    // Other users log in, one after the other, for as long as the binds are in flight.
    const loginMs: number[] = [];
    for (let i = 0; i < 20 && !settled; i++) {
      const started = performance.now();
      const other = await t.login();
      loginMs.push(performance.now() - started);
      expect(other.status).toBe(200);
    }
    const responses = await binds;

    expect(statusCounts(responses)).toEqual({ 200: 1, 429: 11 });
    for (const refused of responses.filter((r) => r.statusCode === 429)) {
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json<ErrorEnvelope>().error).toEqual({
        code: 'RATE_LIMITED',
        message: expect.stringContaining('already under way'),
      });
    }
    // Only the bind that held the lease reached WeChat.
    expect(t.simulator.stats()[PHONE_ROUTE]).toBe(1);
    expect(loginMs.length).toBeGreaterThan(0);
    expect(Math.max(...loginMs)).toBeLessThan(1500);

    // A refused code was never redeemed: tapping "retry" with it binds its number.
    const refusedAt = responses.findIndex((r) => r.statusCode === 429);
    const retried = await bindPhone(t, s, { code: codes[refusedAt]! });
    expect(retried.statusCode).toBe(200);
    expect(retried.json<User>().phone).toBe(`+86${numbers[refusedAt]}`);
  }, 20_000);
});
