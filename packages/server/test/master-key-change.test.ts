import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TokenResponse } from '../src/schemas/tokens.js';
import { createSealer } from '../src/crypto/seal.js';
import { silentLogger } from '../src/logger.js';
import { openStore } from '../src/store/index.js';
import { createSigningKeyRing } from '../src/tokens/signing-keys.js';
import { createTestApp } from './helpers/test-app.js';

const errorCode = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;

describe('changing WXLOGIN_MASTER_KEY [sqlite]', () => {
  it('after `keys rotate` under the new key: logins work, old refresh tokens are 401, old access tokens verify until exp', async () => {
    const store = await openStore('sqlite::memory:');
    onTestFinished(() => store.close());
    await store.migrate();
    const before = await createTestApp({ store });
    const old = (await before.login()).body;
    await before.close();

    // What `wxlogin keys rotate` does, with the new master key in its environment: the retired key's private half
    // (sealed under the old key) is never opened, its public half stays published.
    const newKey = randomBytes(32);
    const ring = createSigningKeyRing({
      store,
      sealer: createSealer(newKey),
      clock: before.clock,
      logger: silentLogger,
      alg: 'ES256',
      accessTtlSeconds: 900,
    });
    await ring.init();
    await ring.rotate();

    const after = await createTestApp({ store, env: { WXLOGIN_MASTER_KEY: newKey.toString('base64') } });
    expect((await after.login()).status).toBe(200);
    const refreshed = await after.post('/v1/auth/refresh', { refreshToken: old.refreshToken });
    expect(refreshed.statusCode).toBe(401); // its mac was keyed by the old master key
    expect(errorCode(refreshed)).toBe('UNAUTHORIZED');
    expect((await after.get('/v1/me', old.accessToken)).statusCode).toBe(200);
    after.clock.advance((900 + 31) * 1000);
    expect((await after.get('/v1/me', old.accessToken)).statusCode).toBe(401);
    const fresh = (await after.login()).body;
    expect(
      (await after.post('/v1/auth/refresh', { refreshToken: fresh.refreshToken })).json<TokenResponse>().refreshToken,
    ).toMatch(/^wxr1\./);
  });
});
