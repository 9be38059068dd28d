import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecryptError, decryptData, sessionKeySignature, verifyRawDataSignature } from '@wxlogin/core';
import { loginStateSignature } from '../src/crypto/session-key-signature.js';
import { DECRYPT_VECTOR, RAW_DATA_SIGNATURE_VECTOR, SESSION_KEY_SIGNATURE_VECTOR } from './vectors.js';

const APPID = 'wxdevapp00000001';
const NOW = 1_700_000_000_000;

/** Seals like WeChat does (written here on node:crypto, independent of the code under test). */
function seal(key: Buffer, iv: Buffer, plaintext: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

function sealJson(data: unknown, key = randomBytes(16), iv = randomBytes(16)) {
  return {
    sessionKey: key.toString('base64'),
    iv: iv.toString('base64'),
    encryptedData: seal(key, iv, Buffer.from(JSON.stringify(data))),
  };
}

function decryptFailure(run: () => unknown): DecryptError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptError);
    return error as DecryptError;
  }
  throw new Error('expected a DecryptError, got a result');
}

describe('decryptData with WeChat published vector', () => {
  it('opens the official demo to its published plaintext', () => {
    const { appid, sessionKey, encryptedData, iv, sealedAtMs } = DECRYPT_VECTOR;
    const data = decryptData({ appid, sessionKey, encryptedData, iv, now: sealedAtMs + 1000 });
    expect(data).toEqual(DECRYPT_VECTOR.plaintext);
  });

  it('rejects the demo for another appid with DECRYPT_FAILED / watermark_appid', () => {
    const { sessionKey, encryptedData, iv, sealedAtMs } = DECRYPT_VECTOR;
    const error = decryptFailure(() => decryptData({ appid: APPID, sessionKey, encryptedData, iv, now: sealedAtMs }));
    expect([error.code, error.reason]).toEqual(['DECRYPT_FAILED', 'watermark_appid']);
  });

  it('rejects the 2016 demo as stale when maxAgeSeconds is set and now is today', () => {
    const { appid, sessionKey, encryptedData, iv } = DECRYPT_VECTOR;
    const error = decryptFailure(() =>
      decryptData({ appid, sessionKey, encryptedData, iv, maxAgeSeconds: 86_400, now: NOW }),
    );
    expect([error.code, error.reason]).toEqual(['DECRYPT_FAILED', 'watermark_stale']);
  });

  it('opens the demo with another (wrong) key as WECHAT_SESSION_STALE, never a crash', () => {
    const { appid, encryptedData, iv } = DECRYPT_VECTOR;
    const error = decryptFailure(() =>
      decryptData({ appid, sessionKey: 'AAAAAAAAAAAAAAAAAAAAAA==', encryptedData, iv, now: NOW }),
    );
    expect(error.code).toBe('WECHAT_SESSION_STALE');
  });
});

describe('decryptData failure classes', () => {
  const good = sealJson({ phoneNumber: '13800138000', watermark: { appid: APPID, timestamp: NOW / 1000 } });
  const cases: [string, Partial<Parameters<typeof decryptData>[0]>, string, string][] = [
    ['bad base64 in encryptedData', { encryptedData: 'not base64!' }, 'DECRYPT_FAILED', 'bad_base64'],
    ['form-decoded + turned into space', { iv: good.iv.replace(/.$/, ' ') }, 'DECRYPT_FAILED', 'bad_base64'],
    ['key of 8 bytes', { sessionKey: randomBytes(8).toString('base64') }, 'DECRYPT_FAILED', 'bad_key_length'],
    ['key of 32 bytes', { sessionKey: randomBytes(32).toString('base64') }, 'DECRYPT_FAILED', 'bad_key_length'],
    ['iv of 12 bytes', { iv: randomBytes(12).toString('base64') }, 'DECRYPT_FAILED', 'bad_iv_length'],
    ['empty ciphertext', { encryptedData: '' }, 'DECRYPT_FAILED', 'bad_ciphertext_length'],
    [
      'ciphertext of 20 bytes',
      { encryptedData: randomBytes(20).toString('base64') },
      'DECRYPT_FAILED',
      'bad_ciphertext_length',
    ],
    ['wrong key', { sessionKey: randomBytes(16).toString('base64') }, 'WECHAT_SESSION_STALE', 'bad_padding|bad_json'],
  ];
  it.each(cases)('%s', (_name, patch, code, reason) => {
    const error = decryptFailure(() => decryptData({ appid: APPID, ...good, now: NOW, ...patch }));
    expect(error.code).toBe(code);
    expect(reason.split('|')).toContain(error.reason);
  });

  it('non-string input is bad_input, not a TypeError', () => {
    const input = { appid: APPID, ...good, iv: 42 } as unknown as Parameters<typeof decryptData>[0];
    expect(decryptFailure(() => decryptData(input)).reason).toBe('bad_input');
  });

  it('valid padding but non-JSON plaintext is WECHAT_SESSION_STALE / bad_json', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const input = { sessionKey: key.toString('base64'), iv: iv.toString('base64') };
    for (const text of ['<html>', '[1,2]', 'null', '"s"', '\u00ff\u00fe']) {
      const encryptedData = seal(key, iv, Buffer.from(text, text.startsWith('\u00ff') ? 'latin1' : 'utf8'));
      const error = decryptFailure(() => decryptData({ appid: APPID, ...input, encryptedData, now: NOW }));
      expect([error.code, error.reason]).toEqual(['WECHAT_SESSION_STALE', 'bad_json']);
    }
  });

  it('watermark missing, malformed, future and stale', () => {
    const nowS = NOW / 1000;
    const expectReason = (data: unknown, reason: string, maxAgeSeconds?: number) => {
      const sealed = sealJson(data);
      const error = decryptFailure(() => decryptData({ appid: APPID, ...sealed, now: NOW, maxAgeSeconds }));
      expect([error.code, error.reason]).toEqual(['DECRYPT_FAILED', reason]);
    };
    expectReason({ a: 1 }, 'watermark_missing');
    expectReason({ watermark: { appid: APPID } }, 'watermark_missing');
    expectReason({ watermark: { appid: APPID, timestamp: '1' } }, 'watermark_missing');
    expectReason({ watermark: { appid: APPID, timestamp: nowS + 301 } }, 'watermark_future');
    expectReason({ watermark: { appid: APPID, timestamp: nowS - 61 } }, 'watermark_stale', 60);
    // within bounds: 4 min ahead is clock skew, 59 s old is fresh; maxAgeSeconds 0 turns the age check off
    for (const [timestamp, maxAgeSeconds] of [
      [nowS + 240, 60],
      [nowS - 59, 60],
      [nowS - 1e6, 0],
    ] as const) {
      const sealed = sealJson({ watermark: { appid: APPID, timestamp } });
      expect(decryptData({ appid: APPID, ...sealed, now: NOW, maxAgeSeconds }).watermark.timestamp).toBe(timestamp);
    }
  });

  it('the error never carries the key, iv, ciphertext or plaintext', () => {
    const secret = sealJson({ phone: '13800138000', watermark: { appid: 'wxother', timestamp: NOW / 1000 } });
    const error = decryptFailure(() => decryptData({ appid: APPID, ...secret, now: NOW }));
    const shown = [error.message, error.stack ?? '', JSON.stringify(error), inspect(error)].join('\n');
    for (const value of [secret.sessionKey, secret.iv, secret.encryptedData, '13800138000']) {
      expect(shown).not.toContain(value);
    }
  });
});

describe('decryptData properties (fast-check)', () => {
  const json = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 });
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));

  it('encrypt then decrypt is the identity', () => {
    fc.assert(
      fc.property(json, bytes16, bytes16, (fields, key, iv) => {
        const data = { ...fields, watermark: { appid: APPID, timestamp: NOW / 1000 } };
        const sealed = sealJson(data, key, iv);
        // JSON round trip normalises -0 and the like, as WeChat's JSON would
        expect(decryptData({ appid: APPID, ...sealed, now: NOW })).toEqual(JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 200 },
    );
  });

  it('any tampering gives a DecryptError and nothing else', () => {
    const sealed = sealJson({ x: 'y'.repeat(40), watermark: { appid: APPID, timestamp: NOW / 1000 } });
    const field = fc.constantFrom('encryptedData' as const, 'iv' as const, 'sessionKey' as const);
    const edit = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('text' as const), text: fc.string({ maxLength: 80 }) }),
    );
    fc.assert(
      fc.property(field, edit, (name, change) => {
        const tampered = { ...sealed };
        const raw = Buffer.from(sealed[name], 'base64');
        if (change.op === 'flip') {
          const at = change.at % raw.length;
          raw[at] = (raw[at] ?? 0) ^ (1 << change.bit);
          tampered[name] = raw.toString('base64');
        } else if (change.op === 'truncate') {
          tampered[name] = raw.subarray(0, change.at % raw.length).toString('base64');
        } else {
          if (change.text === sealed[name]) return;
          tampered[name] = change.text;
        }
        let outcome: unknown;
        try {
          outcome = decryptData({ appid: APPID, ...tampered, now: NOW });
        } catch (error) {
          expect(error).toBeInstanceOf(DecryptError);
          return;
        }
        // A flipped iv bit changes only the first plaintext block: it may still open, but never as other data
        // with our watermark unless the change landed in a spot JSON ignores. Either way: no partial result.
        expect(outcome).toMatchObject({ watermark: { appid: APPID } });
        expect(name === 'iv' || name === 'encryptedData').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('verifyRawDataSignature', () => {
  it('accepts WeChat published example', () => {
    expect(verifyRawDataSignature(RAW_DATA_SIGNATURE_VECTOR)).toBe(true);
    expect(
      verifyRawDataSignature({
        ...RAW_DATA_SIGNATURE_VECTOR,
        signature: RAW_DATA_SIGNATURE_VECTOR.signature.toUpperCase(),
      }),
    ).toBe(true);
  });

  it('rejects a changed rawData, key or signature, and malformed signatures, without throwing', () => {
    const v = RAW_DATA_SIGNATURE_VECTOR;
    expect(verifyRawDataSignature({ ...v, rawData: `${v.rawData} ` })).toBe(false);
    expect(verifyRawDataSignature({ ...v, sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==' })).toBe(false);
    for (const signature of [
      '',
      'abc',
      `${v.signature}00`,
      v.signature.replace(/^./, 'g'),
      v.signature.replace(/^7/, '8'),
    ]) {
      expect(verifyRawDataSignature({ ...v, signature })).toBe(false);
    }
    expect(verifyRawDataSignature({ ...v, signature: 5 } as unknown as typeof v)).toBe(false);
  });
});

describe('sessionKeySignature', () => {
  it('matches WeChat published login-state signature example (HMAC keyed by the base64 text)', () => {
    const v = SESSION_KEY_SIGNATURE_VECTOR;
    expect(loginStateSignature(v.sessionKey, v.payload)).toBe(v.signature);
    expect(sessionKeySignature(v.sessionKey)).toBe(v.emptyPayloadSignature);
    expect(sessionKeySignature(v.sessionKey)).toMatch(/^[0-9a-f]{64}$/);
  });
});
