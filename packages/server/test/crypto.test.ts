import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveRefreshKey } from '../src/crypto/derive.js';
import { createSealer, masterKeyId, SealError, sessionKeyAad, signingKeyAad } from '../src/crypto/seal.js';
import { createIdGenerator, UUID_PATTERN } from '../src/ids.js';
import { systemRandom } from '../src/random.js';
import { createRefreshTokenCodec } from '../src/tokens/refresh-token.js';

const key = randomBytes(32);

describe('sealing', () => {
  const sealer = createSealer(key);

  it('writes v1.<keyId>.<iv>.<ciphertext+tag> and opens it with the same AAD', () => {
    const sealed = sealer.seal('session-key-value==', sessionKeyAad('wxa', 'openid-1'));
    const [version, keyId, iv, body] = sealed.split('.');
    expect(version).toBe('v1');
    expect(keyId).toBe(createHash('sha256').update(key).digest('hex').slice(0, 8));
    expect(keyId).toBe(masterKeyId(key));
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength('session-key-value=='.length + 16);
    expect(sealed).not.toContain('session-key-value');
    expect(sealer.open(sealed, sessionKeyAad('wxa', 'openid-1')).toString()).toBe('session-key-value==');
  });

  it('uses a fresh iv per seal', () => {
    const aad = signingKeyAad('kid');
    expect(sealer.seal('x', aad)).not.toBe(sealer.seal('x', aad));
  });

  it('will not open a value copied onto another row (AAD), another table, or tampered', () => {
    const sealed = sealer.seal('secret', sessionKeyAad('wxa', 'openid-1'));
    expect(() => sealer.open(sealed, sessionKeyAad('wxa', 'openid-2'))).toThrow(SealError);
    expect(() => sealer.open(sealed, sessionKeyAad('wxb', 'openid-1'))).toThrow(SealError);
    expect(() => sealer.open(sealed, signingKeyAad('openid-1'))).toThrow(SealError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    expect(() =>
      sealer.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), sessionKeyAad('wxa', 'openid-1')),
    ).toThrow(SealError);
  });

  it('refuses an unknown key id, an unknown version and garbage, without echoing the value', () => {
    const other = createSealer(randomBytes(32));
    const sealed = other.seal('top-secret', 'aad');
    expect(() => sealer.open(sealed, 'aad')).toThrow(/not configured/);
    expect(() => sealer.open(sealed.replace(/^v1/, 'v9'), 'aad')).toThrow(/version/);
    expect(() => sealer.open('v1.x.y', 'aad')).toThrow(SealError);
    try {
      sealer.open(sealed, 'aad');
    } catch (error) {
      expect(String(error)).not.toContain(sealed.split('.')[3]);
    }
  });

  it('opens values of a previous master key (re-wrap), sealing only with the current one', () => {
    const old = randomBytes(32);
    const sealedOld = createSealer(old).seal('v', 'aad');
    const rotated = createSealer(key, [old]);
    expect(rotated.open(sealedOld, 'aad').toString()).toBe('v');
    expect(rotated.seal('v', 'aad').split('.')[1]).toBe(masterKeyId(key));
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => createSealer(randomBytes(16))).toThrow(SealError);
  });
});

describe('refresh tokens', () => {
  const codec = createRefreshTokenCodec(deriveRefreshKey(key));
  const sessionId = createIdGenerator()();

  it('are wxr1.<sessionId>.<generation>.<mac> with mac = HMAC(derived key, sessionId|generation)', () => {
    const token = codec.issue(sessionId, 3);
    expect(token).toMatch(/^wxr1\.[0-9a-f-]{36}\.3\.[A-Za-z0-9_-]{43}$/);
    expect(codec.parse(token)).toEqual({ ok: true, claims: { sessionId, generation: 3 } });
  });

  it('derive a MAC key that is not the master key and depends on it', () => {
    const other = createRefreshTokenCodec(deriveRefreshKey(randomBytes(32)));
    expect(other.parse(codec.issue(sessionId, 0))).toEqual({ ok: false, reason: 'bad_mac' });
    expect(deriveRefreshKey(key).export().equals(key)).toBe(false);
    expect(deriveRefreshKey(key).export().equals(deriveRefreshKey(key).export())).toBe(true);
  });

  it('reject a changed generation, session or mac as bad_mac, and other shapes as malformed', () => {
    const token = codec.issue(sessionId, 1);
    const [prefix, fid, , mac] = token.split('.');
    expect(codec.parse(`${prefix}.${fid}.2.${mac}`)).toEqual({ ok: false, reason: 'bad_mac' });
    expect(codec.parse(`${prefix}.${createIdGenerator()()}.1.${mac}`)).toEqual({ ok: false, reason: 'bad_mac' });
    const flipped = `${mac!.slice(0, -2)}${mac!.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(codec.parse(`${prefix}.${fid}.1.${flipped}`)).toEqual({ ok: false, reason: 'bad_mac' });
    for (const bad of [
      '',
      'wxr1',
      `wxr2.${fid}.1.${mac}`,
      `wxr1.${fid}.01.${mac}`,
      `wxr1.${fid}.-1.${mac}`,
      `wxr1.not-a-uuid.1.${mac}`,
      `${token}.x`,
    ]) {
      expect(codec.parse(bad)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(codec.parse(undefined as unknown as string)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('UUIDv7 ids', () => {
  it('carry the clock in the first 48 bits, version 7 and the RFC variant', () => {
    const ms = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const id = createIdGenerator({ clock: () => ms })();
    expect(id).toMatch(UUID_PATTERN);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('take injected randomness, and order by time', () => {
    const zeros = createIdGenerator({ clock: () => 1, random: (b) => b.fill(0) });
    expect(zeros()).toBe('00000000-0001-7000-8000-000000000000');
    let t = 1000;
    const next = createIdGenerator({ clock: () => (t += 1) });
    const ids = Array.from({ length: 50 }, () => next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
  });

  it('order within one millisecond too (audit events made in the same ms listed at random)', () => {
    const sameMs = createIdGenerator({ clock: () => 5000 });
    const ids = Array.from({ length: 5000 }, () => sameMs());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5000);
    // The counter's overflow borrows the next milliseconds rather than going back.
    expect(parseInt(ids.at(-1)!.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThan(5000);
  });
});

describe('systemRandom', () => {
  it('never hands out the same pooled bytes twice, also across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      // 16 bytes each: 2000 draws cross several 4 KiB refills.
      const hex = Buffer.from(systemRandom(new Uint8Array(16))).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
    const large = systemRandom(new Uint8Array(1000));
    expect(large.some((b) => b !== 0)).toBe(true);
  });
});
