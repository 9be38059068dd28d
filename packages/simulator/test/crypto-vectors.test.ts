import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DECRYPT_VECTOR, SESSION_KEY_SIGNATURE_VECTOR } from '../../core/test/vectors.js';
import { createSimulator, encryptData, isValidSessionKeySignature, signWithSessionKey } from '../src/index.js';

// WeChat's published example vectors (shared with core's tests in packages/core/test/vectors.ts).
describe("the simulator's crypto against WeChat's published vectors", () => {
  it('reproduces the official encryptedData demo byte for byte from its key, iv and plaintext', () => {
    const sealed = encryptData(
      DECRYPT_VECTOR.sessionKey,
      JSON.stringify(DECRYPT_VECTOR.plaintext),
      Buffer.from(DECRYPT_VECTOR.iv, 'base64'),
    );
    expect(sealed).toEqual({ encryptedData: DECRYPT_VECTOR.encryptedData, iv: DECRYPT_VECTOR.iv });
  });

  it('signs the user-login-state example as WeChat does (HMAC keyed with the base64 text)', () => {
    const { sessionKey, payload, signature, emptyPayloadSignature } = SESSION_KEY_SIGNATURE_VECTOR;
    expect(signWithSessionKey(sessionKey, payload)).toBe(signature);
    expect(isValidSessionKeySignature(sessionKey, signature, payload)).toBe(true);
    expect(signWithSessionKey(sessionKey)).toBe(emptyPayloadSignature);
    expect(isValidSessionKeySignature(sessionKey, emptyPayloadSignature)).toBe(true);
    expect(isValidSessionKeySignature(sessionKey, signature)).toBe(false);
    expect(isValidSessionKeySignature(sessionKey, signature.slice(0, -1))).toBe(false);
  });

  it('refuses a key or iv of the wrong length', () => {
    expect(() => encryptData('c2hvcnQ=', '{}')).toThrow(RangeError);
    expect(() => encryptData(DECRYPT_VECTOR.sessionKey, '{}', Buffer.alloc(8))).toThrow(RangeError);
  });
});

describe('encrypt (control API)', () => {
  it("seals data plus a fresh watermark with the user's current session_key, fresh iv each time", () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const sim = createSimulator({ clock: () => now });
    const { openid } = sim.login({ appid: 'wxdevapp00000001' });
    const sessionKey = sim.getUser('wxdevapp00000001', openid)?.sessionKey as string;
    const one = sim.encrypt({ appid: 'wxdevapp00000001', openid, data: { stepInfoList: [{ step: 42 }] } });
    const two = sim.encrypt({ appid: 'wxdevapp00000001', openid, data: { stepInfoList: [{ step: 42 }] } });
    expect(one.iv).not.toBe(two.iv);
    const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(one.iv, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(one.encryptedData, 'base64')), decipher.final()]);
    expect(JSON.parse(plain.toString('utf8'))).toEqual({
      stepInfoList: [{ step: 42 }],
      watermark: { timestamp: Math.floor(now / 1000), appid: 'wxdevapp00000001' },
    });
  });

  it('seals with the key current at sealing time: a later wx.login rotation makes it unopenable (the classic "decrypt failed")', () => {
    const sim = createSimulator();
    const { openid } = sim.login({ appid: 'wxdevapp00000001' });
    const sealed = sim.encrypt({ appid: 'wxdevapp00000001', openid, data: { a: 1 } });
    const before = sim.getUser('wxdevapp00000001', openid)?.sessionKey as string;
    sim.login({ appid: 'wxdevapp00000001', openid });
    const after = sim.getUser('wxdevapp00000001', openid)?.sessionKey as string;
    expect(after).not.toBe(before);
    expect(open(before, sealed)).toContain('"a":1');
    expect(open(after, sealed) ?? '').not.toContain('"a":1');
  });
});

function open(sessionKey: string, sealed: { encryptedData: string; iv: string }): string | undefined {
  try {
    const decipher = createDecipheriv(
      'aes-128-cbc',
      Buffer.from(sessionKey, 'base64'),
      Buffer.from(sealed.iv, 'base64'),
    );
    return Buffer.concat([decipher.update(Buffer.from(sealed.encryptedData, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
