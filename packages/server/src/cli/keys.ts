import { InvalidArgumentError } from 'commander';
import { systemClock } from '../clock.js';
import { createSealer } from '../crypto/seal.js';
import { silentLogger } from '../logger.js';
import { createSigningKeyRing, SIGNING_ALGS, type SigningAlg } from '../tokens/signing-keys.js';
import { loadConfig } from '../config/load-config.js';
import { withConfiguredStore, type MaintenanceOptions } from './configured-store.js';

/** Options of `wxlogin keys rotate`. */
export interface KeysRotateOptions extends MaintenanceOptions {
  /** Algorithm of the new key (default `WXLOGIN_JWT_ALG`): rotating is also how the algorithm changes. */
  alg?: SigningAlg;
}

/** What `wxlogin keys rotate` did. */
export interface KeysRotateResult {
  /** The `kid` that signs from now on. */
  kid: string;
  alg: SigningAlg;
  /** Keys retired by this rotation: still in JWKS until the tokens they signed have expired. */
  retired: string[];
}

/** Parses `--alg` for commander. */
export function parseSigningAlg(value: string): SigningAlg {
  const alg = SIGNING_ALGS.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (alg === undefined) throw new InvalidArgumentError(`one of ${SIGNING_ALGS.join(', ')}`);
  return alg;
}

/**
 * `wxlogin keys rotate`: creates a new signing key (under the same lock instances use) that signs from now on, and
 * retires the others. Retired keys stay in JWKS for the access-token lifetime plus margins, so tokens already issued
 * keep verifying; running instances pick the new key up within 60 s. On a database without keys it creates the first.
 */
export async function keysRotate(options: KeysRotateOptions = {}): Promise<KeysRotateResult | undefined> {
  return withConfiguredStore('keys rotate', options, loadConfig, async (store, config) => {
    const masterKey = Buffer.from(config.masterKey, 'base64');
    const sealer = createSealer(masterKey);
    masterKey.fill(0);
    const alg = options.alg ?? config.jwtAlg;
    const before = (await store.listSigningKeys()).filter((k) => k.retiredAt === null).map((k) => k.kid);
    const ring = createSigningKeyRing({
      store,
      sealer,
      clock: systemClock,
      logger: silentLogger,
      alg,
      accessTtlSeconds: config.accessTtl,
    });
    let kid: string;
    if (before.length === 0) {
      // A fresh database: the first key is the rotation (rotating right after would retire a key nobody used).
      await ring.init();
      kid = (await ring.signingKey()).kid;
    } else {
      kid = await ring.rotate(alg);
    }
    const retired = before.filter((k) => k !== kid);
    process.stdout.write(
      `wxlogin keys rotate: ${kid} (${alg}) signs from now on` +
        (retired.length === 0
          ? ' (first key of this database)\n'
          : `; retired ${retired.join(', ')} (still in JWKS until their tokens expire, about ${config.accessTtl + 90} s)\n`) +
        'Running instances switch to it within 60 s.\n',
    );
    return { kid, alg, retired };
  });
}
