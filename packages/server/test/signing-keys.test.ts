import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSealer } from '../src/crypto/seal.js';
import { silentLogger } from '../src/logger.js';
import { openStore, type Store } from '../src/store/index.js';
import { createAccessTokens } from '../src/tokens/access-token.js';
import { createSigningKeyRing, type SigningAlg } from '../src/tokens/signing-keys.js';
import { createTestClock, type TestClock } from './helpers/test-clock.js';

const APPID = 'wxdevapp00000001';
const SUB = '01977375-f600-7400-9522-77abca29609f';
const SID = '01977375-f600-7a74-b7b1-64d78a211241';

async function memoryStore(): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  onTestFinished(() => store.close());
  return store;
}

function instance(store: Store, clock: TestClock, alg: SigningAlg = 'ES256', masterKey = randomBytes(32)) {
  const keys = createSigningKeyRing({
    store,
    sealer: createSealer(masterKey),
    clock,
    logger: silentLogger,
    alg,
    accessTtlSeconds: 900,
  });
  const tokens = createAccessTokens({
    keys,
    clock,
    issuer: 'wxlogin',
    audience: 'wxlogin',
    ttlSeconds: 900,
    appids: new Set([APPID]),
  });
  return { keys, tokens, masterKey };
}

/** Two instances on one database and master key (a cluster), both started. */
async function twoInstances() {
  const store = await memoryStore();
  const clock = createTestClock();
  const masterKey = randomBytes(32);
  const a = instance(store, clock, 'ES256', masterKey);
  const b = instance(store, clock, 'ES256', masterKey);
  await a.keys.init();
  await b.keys.init();
  return { store, clock, a, b };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('signing keys [sqlite]', () => {
  it('creates exactly one first key when several instances start at once (lock)', async () => {
    const store = await memoryStore();
    const clock = createTestClock();
    const key = randomBytes(32);
    const instances = Array.from({ length: 4 }, () => instance(store, clock, 'ES256', key));
    await Promise.all(instances.map((i) => i.keys.init()));
    const rows = await store.listSigningKeys();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.alg).toBe('ES256');
    // The private JWK is sealed, bound to its kid; the public one is plain.
    expect(rows[0]!.privateJwkSealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(rows[0]!.privateJwkSealed).not.toContain('"d"');
    expect(JSON.parse(rows[0]!.publicJwk)).not.toHaveProperty('d');
    const kids = new Set(instances.map((i) => i.keys.jwks().keys[0]?.kid));
    expect(kids).toEqual(new Set([rows[0]!.kid]));
  });

  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'signs and verifies with %s, publishing kid/alg/use only public parts',
    async (alg) => {
      const store = await memoryStore();
      const clock = createTestClock();
      const { keys, tokens } = instance(store, clock, alg);
      await keys.init();
      const { token, expiresIn } = await tokens.sign({ sub: SUB, appid: APPID, sid: SID });
      expect(expiresIn).toBe(900);
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
      expect(header).toEqual({ alg, kid: keys.jwks().keys[0]!.kid, typ: 'JWT' });
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      expect(Object.keys(payload).sort()).toEqual(['appid', 'aud', 'exp', 'iat', 'iss', 'sid', 'sub']);
      expect(payload).toMatchObject({ iss: 'wxlogin', aud: 'wxlogin', sub: SUB, appid: APPID, sid: SID });
      expect(payload.exp).toBe((payload.iat as number) + 900);
      expect(await tokens.verify(token)).toMatchObject({ sub: SUB, sid: SID, appid: APPID });
      const [jwk] = keys.jwks().keys;
      expect(jwk).toMatchObject({ alg, use: 'sig' });
      expect(jwk).not.toHaveProperty('d');
      expect(jwk).not.toHaveProperty('p');
    },
  );

  it('rotation: the new key signs, old tokens verify, JWKS lists both until the old tokens are long expired', async () => {
    const store = await memoryStore();
    const clock = createTestClock();
    const { keys, tokens } = instance(store, clock);
    await keys.init();
    const old = await tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    const newKid = await keys.rotate('EdDSA');
    const fresh = await tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    expect(JSON.parse(Buffer.from(fresh.token.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      kid: newKid,
    });
    await expect(tokens.verify(old.token)).resolves.toMatchObject({ sub: SUB });
    expect(
      keys
        .jwks()
        .keys.map((k) => k.alg)
        .sort(),
    ).toEqual(['ES256', 'EdDSA']);
    clock.advance((900 + 90) * 1000 + 1);
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('another instance learns a new kid at once on an unknown kid, at most every 10 s', async () => {
    const { clock, a, b } = await twoInstances();
    await b.keys.rotate();
    const first = await b.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    await expect(a.tokens.verify(first.token)).resolves.toMatchObject({ sub: SUB }); // re-read on the unknown kid

    clock.advance(1000);
    await b.keys.rotate();
    const second = await b.tokens.sign({ sub: SUB, appid: APPID, sid: SID });
    await expect(a.tokens.verify(second.token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' }); // throttled
    clock.advance(10_000);
    await expect(a.tokens.verify(second.token)).resolves.toMatchObject({ sub: SUB });
  });

  it('re-reads keys in the background every 60 s (a rotation elsewhere starts signing here)', async () => {
    const { clock, a, b } = await twoInstances();
    const before = (await a.keys.signingKey()).kid;
    const rotated = await b.keys.rotate();
    expect((await a.keys.signingKey()).kid).toBe(before);
    clock.advance(60_000);
    await a.keys.signingKey(); // triggers the re-read, never waits for it
    await until(() => a.keys.jwks().keys.some((k) => k.kid === rotated));
    expect((await a.keys.signingKey()).kid).toBe(rotated);
  });
});
