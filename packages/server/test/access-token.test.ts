import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import {
  CompactSign,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createSealer, signingKeyAad } from '../src/crypto/seal.js';
import { AppError } from '../src/errors/app-error.js';
import { silentLogger } from '../src/logger.js';
import { openStore, type Store } from '../src/store/index.js';
import { type AccessTokens, createAccessTokens } from '../src/tokens/access-token.js';
import { createSigningKeyRing, type SigningAlg, type SigningKeyRing } from '../src/tokens/signing-keys.js';
import { createJoseReferenceVerifier } from './helpers/jose-access-token-reference.js';
import { createTestClock, type TestClock } from './helpers/test-clock.js';

const APPID = 'wxdevapp00000001';
const SUB = '01977375-f600-7400-9522-77abca29609f';
const SID = '01977375-f600-7a74-b7b1-64d78a211241';
const ISSUER = 'wxlogin';
const AUDIENCE = 'wxlogin-api';
const TTL_S = 900;
const ALGS = ['ES256', 'EdDSA', 'RS256'] as const;
/** The order n of P-256: (r, s) and (r, n - s) are both valid ECDSA signatures of one message. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const b64Bytes = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');
const partsOf = (token: string): string[] => token.split('.');
const jsonOf = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** One deployment's key ring and token service, plus its private key opened the way the ring opens it. */
interface Fixture {
  alg: SigningAlg;
  store: Store;
  clock: TestClock;
  keys: SigningKeyRing;
  tokens: AccessTokens;
  reference: (token: string) => Promise<unknown>;
  kid: string;
  publicJwk: JWK;
  /** For jose's signers. */
  joseKey: CryptoKey;
  /** For signing what jose refuses to sign (unknown `crit`, raw headers). */
  keyObject: KeyObject;
  nowS(): number;
  /** The claims our signer writes now, in its order. */
  claims(extra?: Record<string, unknown>): Record<string, unknown>;
}

const fixtures = new Map<SigningAlg, Promise<Fixture>>();
afterAll(async () => {
  for (const f of fixtures.values()) await (await f).store.close();
});

async function makeFixture(alg: SigningAlg): Promise<Fixture> {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const clock = createTestClock();
  const sealer = createSealer(Buffer.alloc(32, 7));
  const keys = createSigningKeyRing({ store, sealer, clock, logger: silentLogger, alg, accessTtlSeconds: TTL_S });
  await keys.init();
  const appids = new Set([APPID]);
  const options = { clock, issuer: ISSUER, audience: AUDIENCE, appids };
  const tokens = createAccessTokens({ ...options, keys, ttlSeconds: TTL_S });
  const reference = createJoseReferenceVerifier({ ...options, jwks: () => keys.jwks() });
  const [row] = await store.listSigningKeys();
  const privateJwk = JSON.parse(sealer.open(row!.privateJwkSealed, signingKeyAad(row!.kid)).toString()) as JWK;
  const nowS = () => Math.floor(clock() / 1000);
  return {
    alg,
    store,
    clock,
    keys,
    tokens,
    reference,
    kid: row!.kid,
    publicJwk: JSON.parse(row!.publicJwk) as JWK,
    joseKey: (await importJWK(privateJwk, alg)) as CryptoKey,
    keyObject: createPrivateKey({ key: privateJwk as never, format: 'jwk' }),
    nowS,
    claims: (extra = {}) => ({
      appid: APPID,
      sid: SID,
      iss: ISSUER,
      aud: AUDIENCE,
      sub: SUB,
      iat: nowS(),
      exp: nowS() + TTL_S,
      ...extra,
    }),
  };
}

function fixture(alg: SigningAlg): Promise<Fixture> {
  let f = fixtures.get(alg);
  if (!f) fixtures.set(alg, (f = makeFixture(alg)));
  return f;
}

/** Signs arbitrary header text and payload bytes with node:crypto, for what jose will not sign. */
function rawSign(alg: SigningAlg, key: KeyObject, header: Record<string, unknown>, payload: Uint8Array | string) {
  const input = `${b64(header)}.${b64Bytes(payload)}`;
  const signature = cryptoSign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), {
    key,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** jose's compact signer over arbitrary payload bytes and header. */
async function joseSign(f: Fixture, payload: Uint8Array | string | object, header: Record<string, unknown> = {}) {
  const bytes =
    typeof payload === 'string' || payload instanceof Uint8Array
      ? Buffer.from(payload)
      : Buffer.from(JSON.stringify(payload));
  return new CompactSign(bytes).setProtectedHeader({ alg: f.alg, kid: f.kid, typ: 'JWT', ...header }).sign(f.joseKey);
}

type Outcome = { ok: true; claims: unknown } | { ok: false; code: string; message: string };

async function outcome(verify: (token: string) => Promise<unknown>, token: string): Promise<Outcome> {
  try {
    return { ok: true, claims: await verify(token) };
  } catch (error) {
    // The contract: nothing but AppError('UNAUTHORIZED') ever leaves verify.
    expect(error).toBeInstanceOf(AppError);
    return { ok: false, code: (error as AppError).code, message: (error as AppError).message };
  }
}

const refused = (message: string): Outcome => ({ ok: false, code: 'UNAUTHORIZED', message });
const INVALID = refused('The access token is invalid.');
const EXPIRED = refused('The access token has expired.');
const MALFORMED = refused('Missing or malformed access token.');

/** Every way but the canonical one of writing the last character of `part`, whose low `spare` bits are unused. */
function respellings(part: string, spare: number): string[] {
  const index = BASE64URL.indexOf(part.at(-1)!);
  const mask = (1 << spare) - 1;
  return Array.from({ length: mask }, (_, k) => `${part.slice(0, -1)}${BASE64URL[(index & ~mask) | (k + 1)]}`);
}

/** Unused bits of the last character of unpadded base64url of `bytes` bytes: 0, 4 (n % 3 = 1) or 2 (n % 3 = 2). */
const spareBits = (bytes: number): number => [0, 4, 2][bytes % 3]!;

describe.each(ALGS)('access tokens with %s [sqlite]', (alg) => {
  it('writes the header and claims jose wrote, byte for byte where the signature is deterministic', async () => {
    const f = await fixture(alg);
    const { token, expiresIn } = await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    expect(expiresIn).toBe(TTL_S);
    const [header, payload] = partsOf(token);
    const iat = f.nowS();
    const jose = await new SignJWT({ appid: APPID, sid: SID })
      .setProtectedHeader({ alg, kid: f.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(SUB)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TTL_S)
      .sign(f.joseKey);
    expect(`${header}.${payload}`).toBe(partsOf(jose).slice(0, 2).join('.'));
    expect(Buffer.from(header!, 'base64url').toString()).toBe(`{"alg":"${alg}","kid":"${f.kid}","typ":"JWT"}`);
    expect(Object.keys(jsonOf(payload!))).toEqual(['appid', 'sid', 'iss', 'aud', 'sub', 'iat', 'exp']);
    // Ed25519 and RSASSA-PKCS1-v1_5 signatures are deterministic: the whole token must be jose's.
    if (alg !== 'ES256') expect(token).toBe(jose);
    else expect(Buffer.from(partsOf(token)[2]!, 'base64url')).toHaveLength(64); // raw r || s, never DER
  });

  it('interop: jose jwtVerify accepts our tokens against our JWKS, and we accept tokens jose signs', async () => {
    const f = await fixture(alg);
    const { token } = await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    const jwks = createLocalJWKSet(f.keys.jwks() as unknown as JSONWebKeySet);
    const verified = await jwtVerify(token, jwks, {
      algorithms: [alg],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'JWT',
      currentDate: new Date(f.clock()),
      requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp'],
    });
    expect(verified.payload).toEqual(f.claims());
    expect(verified.protectedHeader).toEqual({ alg, kid: f.kid, typ: 'JWT' });

    const joseToken = await new SignJWT({ appid: APPID, sid: SID })
      .setProtectedHeader({ alg, kid: f.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(SUB)
      .setIssuedAt(f.nowS())
      .setExpirationTime('15m')
      .sign(f.joseKey);
    await expect(f.tokens.verify(joseToken)).resolves.toMatchObject({ sub: SUB, sid: SID, appid: APPID });
    // 32 more of jose's (fresh randomness for ES256) and of ours, both ways.
    for (let i = 0; i < 32; i++) {
      const ours = (await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token;
      await expect(jwtVerify(ours, jwks, { currentDate: new Date(f.clock()) })).resolves.toBeDefined();
      const theirs = await joseSign(f, f.claims({ n: i }));
      await expect(f.tokens.verify(theirs)).resolves.toMatchObject({ sub: SUB });
    }
  });

  it('refuses every non-canonical base64url spelling, in each of the three parts', async () => {
    const f = await fixture(alg);
    // Pad the claims so that the header and the payload both end with spare bits to respell.
    let token = '';
    for (let pad = 0; pad < 3; pad++) {
      const extra = 'x'.repeat(pad);
      token = await joseSign(f, f.claims({ pad: extra }), { pad: extra });
      const [h, p] = partsOf(token).map((part) => Buffer.from(part, 'base64url').length);
      if (spareBits(h!) > 0 && spareBits(p!) > 0) break;
    }
    await expect(f.tokens.verify(token)).resolves.toMatchObject({ sub: SUB });
    // Refused on syntax alone: not one key lookup (which, for an unknown kid, can mean a database read).
    let lookups = 0;
    const counted = createAccessTokens({
      keys: { ...f.keys, verificationKey: (kid) => ((lookups += 1), f.keys.verificationKey(kid)) },
      clock: f.clock,
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: TTL_S,
      appids: new Set([APPID]),
    });
    const parts = partsOf(token);
    let tried = 0;
    for (const index of [0, 1, 2]) {
      const part = parts[index]!;
      const spare = spareBits(Buffer.from(part, 'base64url').length);
      expect(spare).toBeGreaterThan(0);
      for (const spelling of respellings(part, spare)) {
        const respelled = parts.map((p, i) => (i === index ? spelling : p)).join('.');
        expect(Buffer.from(spelling, 'base64url')).toEqual(Buffer.from(part, 'base64url'));
        expect(await outcome(counted.verify, respelled)).toEqual(INVALID);
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThanOrEqual(3 * 3);
    // Padding and the other alphabet are not base64url either.
    for (const index of [0, 1, 2]) {
      const part = parts[index]!;
      for (const variant of [`${part}=`, `${part}==`, part.replace(/-/g, '+').replace(/_/g, '/'), ` ${part}`]) {
        if (variant === part) continue;
        const token2 = parts.map((p, i) => (i === index ? variant : p)).join('.');
        expect(await outcome(counted.verify, token2)).toEqual(INVALID);
      }
    }
    expect(lookups).toBe(0);
    await expect(counted.verify(token)).resolves.toMatchObject({ sub: SUB });
    expect(lookups).toBe(1);
  });

  it('refuses alg none, HS256 keyed with the public key, and a header alg other than the kid’s', async () => {
    const f = await fixture(alg);
    const claims = b64(f.claims());
    expect(await outcome(f.tokens.verify, `${b64({ alg: 'none', kid: f.kid, typ: 'JWT' })}.${claims}.`)).toEqual(
      INVALID,
    );
    expect(await outcome(f.tokens.verify, `${b64({ alg: 'none', typ: 'JWT' })}.${claims}.`)).toEqual(INVALID);
    expect(await outcome(f.tokens.verify, `${b64({ alg: 'None', kid: f.kid, typ: 'JWT' })}.${claims}.`)).toEqual(
      INVALID,
    );
    const { d: _d, ...publicHalf } = f.keyObject.export({ format: 'jwk' });
    for (const secret of [
      JSON.stringify(f.publicJwk),
      JSON.stringify(f.keys.jwks()),
      String(f.publicJwk.x ?? f.publicJwk.n),
      JSON.stringify(publicHalf),
      String(createPublicKey(f.keyObject).export({ format: 'pem', type: 'spki' })),
    ]) {
      const input = `${b64({ alg: 'HS256', kid: f.kid, typ: 'JWT' })}.${claims}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expect(await outcome(f.tokens.verify, `${input}.${mac}`)).toEqual(INVALID);
    }
    // Another of our algs on this kid, signed by a key of that alg: refused by the pin, not by the signature.
    for (const other of ALGS.filter((a) => a !== alg)) {
      const attacker = await generateKeyPair(other);
      const forged = await new CompactSign(Buffer.from(JSON.stringify(f.claims())))
        .setProtectedHeader({ alg: other, kid: f.kid, typ: 'JWT' })
        .sign(attacker.privateKey);
      expect(await outcome(f.tokens.verify, forged)).toEqual(
        refused('The access token uses the wrong algorithm for its key.'),
      );
    }
    // jose 6's other name for EdDSA, and an alg we never use, are not allowed at all.
    for (const name of ['Ed25519', 'ES384', 'PS256', 'RS512', '', 42, null]) {
      const token = `${b64({ alg: name, kid: f.kid, typ: 'JWT' })}.${claims}.${partsOf((await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token)[2]}`;
      expect(await outcome(f.tokens.verify, token)).toEqual(INVALID);
    }
  });

  it('refuses crit (any value, even the b64 jose understands), and ignores jku / x5u / jwk / x5c', async () => {
    const f = await fixture(alg);
    const claims = JSON.stringify(f.claims());
    for (const crit of [['exp'], ['b64'], [], 'b64', null]) {
      const token = rawSign(alg, f.keyObject, { alg, kid: f.kid, typ: 'JWT', crit, b64: true, exp: 1 }, claims);
      expect(await outcome(f.tokens.verify, token)).toEqual(INVALID);
    }
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const headers = {
      jku: 'http://127.0.0.1:9/jwks.json',
      x5u: 'http://127.0.0.1:9/cert.pem',
      jwk: await exportJWK(attacker.publicKey),
      x5c: ['AAAA'],
    };
    // Genuinely signed: the extra members change nothing (they are never read).
    const genuine = rawSign(alg, f.keyObject, { alg, kid: f.kid, typ: 'JWT', ...headers }, claims);
    await expect(f.tokens.verify(genuine)).resolves.toMatchObject({ sub: SUB });
    // Signed by the key the header announces: still checked against the kid's own key only.
    if (alg === 'ES256') {
      const forged = rawSign(alg, attacker.privateKey, { alg, kid: f.kid, typ: 'JWT', ...headers }, claims);
      expect(await outcome(f.tokens.verify, forged)).toEqual(INVALID);
    }
  });

  it('refuses a token longer than 4096 characters before parsing it, and accepts one of exactly 4096', async () => {
    const f = await fixture(alg);
    const b64Length = (bytes: number) => Math.ceil((bytes * 4) / 3);
    const sample = await joseSign(f, f.claims());
    const signatureLength = partsOf(sample)[2]!.length;
    const baseHeader = Buffer.byteLength(JSON.stringify({ alg, kid: f.kid, typ: 'JWT', h: '' }));
    const baseClaims = Buffer.byteLength(JSON.stringify(f.claims({ pad: '' })));
    /** Header and claim padding that make a token of exactly `length` characters. */
    const paddingFor = (length: number): [number, number] => {
      for (let h = 0; h < 4; h++) {
        for (let p = 0; p < 4000; p++) {
          if (b64Length(baseHeader + h) + 1 + b64Length(baseClaims + p) + 1 + signatureLength === length) return [h, p];
        }
      }
      throw new Error(`no padding gives ${length}`);
    };
    for (const [length, expected] of [
      [4096, 'ok'],
      [4097, MALFORMED],
    ] as const) {
      const [h, p] = paddingFor(length);
      const token = await joseSign(f, f.claims({ pad: 'p'.repeat(p) }), { h: 'h'.repeat(h) });
      expect(token).toHaveLength(length);
      const result = await outcome(f.tokens.verify, token);
      if (expected === 'ok') expect(result).toMatchObject({ ok: true });
      else expect(result).toEqual(expected);
    }
    expect(await outcome(f.tokens.verify, '')).toEqual(MALFORMED);
    expect(await outcome(f.tokens.verify, 'a'.repeat(5000))).toEqual(MALFORMED);
    expect(await outcome(f.tokens.verify, undefined as unknown as string)).toEqual(MALFORMED);
  });

  it('refuses junk: not JSON, not an object, invalid UTF-8, wrong segment counts, a bad signature', async () => {
    const f = await fixture(alg);
    const genuine = (await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token;
    const [h, p, s] = partsOf(genuine);
    // Genuinely signed payloads that are no claims set.
    for (const payload of [
      '',
      'not json',
      '[1,2]',
      'null',
      '42',
      '"text"',
      '{"a":1} x',
      '{"a":',
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
    ]) {
      expect(await outcome(f.tokens.verify, await joseSign(f, payload))).toEqual(INVALID);
    }
    // A lone surrogate's UTF-8 (CESU-style) and an overlong encoding are invalid UTF-8, not replacement characters.
    const surrogate = Buffer.concat([Buffer.from('{"iss":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect(
      await outcome(f.tokens.verify, rawSign(alg, f.keyObject, { alg, kid: f.kid, typ: 'JWT' }, surrogate)),
    ).toEqual(INVALID);
    // Headers that are no JSON object.
    for (const header of ['', 'x', '[]', 'null', '"JWT"', '{"alg":"ES256"', Buffer.from([0xc0, 0xaf])]) {
      expect(await outcome(f.tokens.verify, `${b64Bytes(header)}.${p}.${s}`)).toEqual(INVALID);
    }
    for (const token of [
      'not.a.jwt',
      'a.b',
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      `${h}.${p}.`,
      '..',
      '...',
      `${h}.${p}.${s!.slice(0, -2)}`,
      `${h}.${p}.${s}AA`,
      `${h}.${p}.${b64Bytes(Buffer.alloc(Buffer.from(s!, 'base64url').length))}`,
      `${h}.${p}.${b64Bytes('\u00e9')}`,
      `${h}.${p}.${s}\u00e9`,
      `${h}.${b64(f.claims({ sub: '01977375-f600-7400-9522-000000000000' }))}.${s}`,
    ]) {
      expect(await outcome(f.tokens.verify, token)).toEqual(INVALID);
    }
  });

  it('applies exp with the 30 s tolerance at the exact edges (injected clock), and accepts a future iat as jose did', async () => {
    const f = await fixture(alg);
    const start = f.clock();
    try {
      const { token } = await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
      const { exp } = jsonOf(partsOf(token)[1]!) as { exp: number };
      // Expired once now - 30 >= exp (in whole seconds): at (exp + 30) s, not a millisecond earlier.
      f.clock.set((exp + 30) * 1000 - 1);
      await expect(f.tokens.verify(token)).resolves.toMatchObject({ exp });
      f.clock.set((exp + 30) * 1000);
      expect(await outcome(f.tokens.verify, token)).toEqual(EXPIRED);
      f.clock.set(start);
      const now = f.nowS();
      const at = async (claims: Record<string, unknown>) =>
        outcome(f.tokens.verify, await joseSign(f, f.claims(claims)));
      expect(await at({ exp: now - 29 })).toMatchObject({ ok: true });
      expect(await at({ exp: now - 30 })).toEqual(EXPIRED);
      expect(await at({ exp: now - 10_000, iat: now - 20_000 })).toEqual(EXPIRED);
      // Expired and otherwise wrong: the other fault wins (checked first), as with jose.
      expect(await at({ exp: now - 30, iss: 'evil' })).toEqual(INVALID);
      expect(await at({ exp: now - 30, aud: 'another' })).toEqual(INVALID);
      expect(await outcome(f.tokens.verify, await joseSign(f, f.claims({ exp: now - 30 }), { typ: 'at+jwt' }))).toEqual(
        INVALID,
      );
      // jose checked no iat bound without maxTokenAge; neither does this.
      expect(await at({ iat: now + 3600 })).toMatchObject({ ok: true });
      // nbf is never written, but honoured like jose when present: not before now + 30.
      expect(await at({ nbf: now + 30 })).toMatchObject({ ok: true });
      expect(await at({ nbf: now + 31 })).toEqual(INVALID);
      // Dates must be numbers.
      for (const bad of [{ exp: String(now + 60) }, { iat: String(now) }, { nbf: String(now) }, { exp: null }]) {
        expect(await at(bad)).toEqual(INVALID);
      }
    } finally {
      f.clock.set(start);
    }
  });

  it('matches the jose verifier it replaced on a corpus of crafted and mutated tokens', async () => {
    const f = await fixture(alg);
    const genuine = (await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token;
    const now = f.nowS();
    const { sid: _sid, ...noSid } = f.claims();
    const corpus: string[] = [genuine, await joseSign(f, f.claims()), await joseSign(f, noSid)];
    for (const claim of ['iss', 'aud', 'sub', 'iat', 'exp']) {
      const { [claim]: _gone, ...rest } = f.claims();
      corpus.push(await joseSign(f, rest));
    }
    for (const claims of [
      { aud: [AUDIENCE, 'other'] },
      { aud: ['other', AUDIENCE, 3] },
      { aud: ['other'] },
      { aud: [] },
      { aud: 7 },
      { iss: [ISSUER] },
      { iss: 'WXLOGIN' },
      { sub: 'not-a-uuid' },
      { sid: 7 },
      { appid: 'wxanotherapp000001' },
      { iat: now + 3600 },
      { iat: 1.5 },
      { exp: now - 29 },
      { exp: now - 30 },
      { exp: now + 0.5 },
      { nbf: now + 31 },
      { nbf: now + 30 },
      { nbf: 'soon' },
      { extra: { nested: [1, 2, 3] } },
    ]) {
      corpus.push(await joseSign(f, f.claims(claims)));
    }
    const text = JSON.stringify(f.claims()).slice(0, -1);
    for (const tail of [
      ',"exp":1}',
      ',"exp":1e400}',
      ',"__proto__":{"iss":"evil"}}',
      ',"iss":"evil","iss":"wxlogin"}',
    ]) {
      corpus.push(await joseSign(f, `${text}${tail}`)); // duplicates: the last one wins, in both parsers
    }
    corpus.push(await joseSign(f, JSON.stringify(f.claims()).replace('"exp"', '"\\u0065xp"'))); // escaped name
    for (const header of [
      { typ: 'jwt' },
      { typ: 'application/jwt' },
      { typ: 'application/JWT' },
      { typ: 'at+jwt' },
      { typ: 'JWS' },
      { typ: undefined },
      { kid: undefined },
      { kid: '' },
      { kid: 'k'.repeat(129) },
      { kid: 'unknown-kid' },
      { jku: 'http://127.0.0.1:9/' },
      { b64: false },
      { cty: 'JWT' },
      { zip: 'DEF' },
    ]) {
      corpus.push(await joseSign(f, f.claims(), header));
    }
    corpus.push(rawSign(alg, f.keyObject, { alg, kid: 7, typ: 'JWT' }, JSON.stringify(f.claims())));
    corpus.push(rawSign(alg, f.keyObject, { alg, kid: f.kid, typ: 7 }, JSON.stringify(f.claims())));
    corpus.push(rawSign(alg, f.keyObject, { alg, kid: f.kid, typ: 'JWT', crit: ['exp'], exp: 1 }, '{}'));
    // Single-character mutations of a genuine token (deterministic): every verdict and message must agree.
    let seed = 12_345;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = `${BASE64URL}.=+/ `;
    for (let i = 0; i < 150; i++) {
      const at = next(genuine.length);
      corpus.push(`${genuine.slice(0, at)}${alphabet[next(alphabet.length)]}${genuine.slice(at + 1)}`);
    }
    const disagreements: string[] = [];
    for (const token of corpus) {
      const ours = await outcome(f.tokens.verify, token);
      const theirs = await outcome(f.reference, token);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        disagreements.push(`${token}: ours ${JSON.stringify(ours)}, jose ${JSON.stringify(theirs)}`);
      }
    }
    expect(disagreements).toEqual([]);
    // The one deliberate difference: jose accepted `crit: ["b64"]` with `b64: true`; no crit is accepted here.
    const b64Crit = await joseSign(f, f.claims(), { crit: ['b64'], b64: true });
    expect(await outcome(f.reference, b64Crit)).toMatchObject({ ok: true });
    expect(await outcome(f.tokens.verify, b64Crit)).toEqual(INVALID);
  });
});

describe('ES256 signatures [sqlite]', () => {
  const sOf = (token: string) =>
    BigInt(`0x${Buffer.from(partsOf(token)[2]!, 'base64url').subarray(32).toString('hex')}`);
  const withS = (token: string, s: bigint) => {
    const [h, p, sig] = partsOf(token);
    const r = Buffer.from(sig!, 'base64url').subarray(0, 32);
    return `${h}.${p}.${Buffer.concat([r, Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
  };

  it('accepts a high-s signature (the twin s -> n - s of every token verifies too), as WebCrypto did', async () => {
    const f = await fixture('ES256');
    let highS = 0;
    for (let i = 0; i < 32; i++) {
      const { token } = await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
      const s = sOf(token);
      if (s > P256_ORDER / 2n) highS += 1;
      const twin = withS(token, P256_ORDER - s);
      expect(twin).not.toBe(token);
      expect(await f.tokens.verify(twin)).toEqual(await f.tokens.verify(token));
      await expect(f.reference(twin)).resolves.toBeDefined();
    }
    // node:crypto's signer does not normalise s either: about half of ours are high-s.
    expect(highS).toBeGreaterThan(0);
    expect(highS).toBeLessThan(32);
    // s = 0, s = n and r = 0 are no signature at all.
    const { token } = await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    for (const bad of [withS(token, 0n), withS(token, P256_ORDER), withS(token, P256_ORDER + sOf(token))]) {
      expect(await outcome(f.tokens.verify, bad)).toEqual(INVALID);
    }
    const [h, p, sig] = partsOf(token);
    const zeroR = Buffer.concat([Buffer.alloc(32), Buffer.from(sig!, 'base64url').subarray(32)]);
    expect(await outcome(f.tokens.verify, `${h}.${p}.${zeroR.toString('base64url')}`)).toEqual(INVALID);
    // A DER signature (what node:crypto writes by default) is not JWS.
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), f.keyObject);
    expect(await outcome(f.tokens.verify, `${h}.${p}.${der.toString('base64url')}`)).toEqual(INVALID);
  });

  it('rotating to another alg: the new key signs, and a token of the old kid still verifies with its own alg', async () => {
    const f = await makeFixture('ES256');
    try {
      const old = (await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token;
      for (const next of ['EdDSA', 'RS256'] as const) {
        const kid = await f.keys.rotate(next);
        const fresh = (await f.tokens.sign({ sub: SUB, appid: APPID, sid: SID })).token;
        expect(jsonOf(partsOf(fresh)[0]!)).toEqual({ alg: next, kid, typ: 'JWT' });
        await expect(f.tokens.verify(fresh)).resolves.toMatchObject({ sub: SUB });
        await expect(f.tokens.verify(old)).resolves.toMatchObject({ sub: SUB });
      }
    } finally {
      await f.store.close();
    }
  });
});
