import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import { signingKeyAad, type Sealer } from '../crypto/seal.js';
import { internalError } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import { SIGNING_ALGS, type SigningAlg } from '../schemas/limits.js';
import type { SigningKeyRow, Store } from '../store/types.js';
import { assertJwsKey } from './jws-compact.js';

// Defined with the other shared enums (the configuration's `jwtAlg` reads the same list); re-exported for the token
// code that always imported it from here.
export { SIGNING_ALGS, type SigningAlg };

/** A public JWK as published in JWKS: key parameters of EC (`crv`, `x`, `y`), OKP (`crv`, `x`) or RSA (`n`, `e`). */
export interface PublishedJwk {
  kty: string;
  kid: string;
  alg: SigningAlg;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

function publishedJwk(jwk: JWK, kid: string, alg: SigningAlg): PublishedJwk {
  const out: PublishedJwk = { kty: String(jwk.kty), kid, alg, use: 'sig' };
  // Only public parameters, copied by name: a private `d` can never slip into JWKS.
  for (const name of ['crv', 'x', 'y', 'n', 'e'] as const) if (typeof jwk[name] === 'string') out[name] = jwk[name];
  return out;
}

/** The key that signs now: its private half as a node:crypto KeyObject, made once per kid. */
export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

/** A key that verifies: its public half (a KeyObject made once per kid) and the one alg it may be used with. */
export interface VerificationKey {
  kid: string;
  alg: SigningAlg;
  publicKey: KeyObject;
}

/**
 * The signing keys of the deployment, read from `signing_keys` and cached: imported once per `kid`, re-read every
 * 60 s (in the background, never blocking a request) and on an unknown `kid` (at most every 10 s).
 */
export interface SigningKeyRing {
  /** Loads the keys; creates the first one (under the `signing-keys` lock) when none is active. */
  init(): Promise<void>;
  /** The newest active key, with its private half opened and imported (once per kid). */
  signingKey(): Promise<ActiveSigningKey>;
  /** The key for `kid`, or undefined when it is unknown (after at most one throttled re-read) or too old. */
  verificationKey(kid: string): Promise<VerificationKey | undefined>;
  /** The public keys that may still verify a live token. */
  jwks(): { keys: PublishedJwk[] };
  /** Creates a new key that signs from now on and retires the others (they stay in JWKS while their tokens live). */
  rotate(alg?: SigningAlg): Promise<string>;
}

/** Options of {@link createSigningKeyRing}. */
export interface SigningKeyRingOptions {
  store: Store;
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  /** Algorithm of a key created here (the first key, or a rotation without one given). */
  alg: SigningAlg;
  /** Access-token lifetime, seconds: a retired key is kept for verification this long (plus margins). */
  accessTtlSeconds: number;
}

const RELOAD_EVERY_MS = 60_000;
const UNKNOWN_KID_RELOAD_MIN_MS = 10_000;
/** A retired key may have signed for up to one reload period after retirement; then tolerance. */
const RETIRED_MARGIN_MS = RELOAD_EVERY_MS + 30_000;
const LOCK_NAME = 'signing-keys';

interface CachedKey {
  row: SigningKeyRow;
  alg: SigningAlg;
  publicKey: KeyObject;
  published: PublishedJwk;
  privateKey?: KeyObject;
}

function isSigningAlg(alg: string): alg is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(alg);
}

/**
 * Imports a JWK for `alg` as a KeyObject, refusing a key of the wrong kind (as jose's `importJWK` did). Done once per
 * kid: a per-request import would cost more than the signature.
 */
function importKeyObject(jwk: JWK, alg: SigningAlg, half: 'public' | 'private'): KeyObject {
  const input = { key: jwk as JsonWebKey, format: 'jwk' as const };
  const key = half === 'public' ? createPublicKey(input) : createPrivateKey(input);
  assertJwsKey(alg, key);
  return key;
}

/** Generates a key pair and its `signing_keys` row (private JWK sealed; `kid` = JWK thumbprint). */
export async function generateSigningKeyRow(alg: SigningAlg, sealer: Sealer, now: number): Promise<SigningKeyRow> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    privateJwkSealed: sealer.seal(JSON.stringify(privateJwk), signingKeyAad(kid)),
    publicJwk: JSON.stringify(publicJwk),
    createdAt: now,
    retiredAt: null,
  };
}

/** A key ring over the store. Call `init()` once before use. */
export function createSigningKeyRing(options: SigningKeyRingOptions): SigningKeyRing {
  const { store, sealer, clock, logger } = options;
  const keepRetiredMs = options.accessTtlSeconds * 1000 + RETIRED_MARGIN_MS;
  let keys = new Map<string, CachedKey>();
  let active: CachedKey | undefined;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  let reloading: Promise<void> | undefined;

  const usable = (key: CachedKey, now: number): boolean =>
    key.row.retiredAt === null || now - key.row.retiredAt <= keepRetiredMs;

  async function load(): Promise<void> {
    const rows = await store.listSigningKeys();
    const next = new Map<string, CachedKey>();
    for (const row of rows) {
      if (!isSigningAlg(row.alg)) {
        logger.warn({ kid: row.kid, alg: row.alg }, 'signing key with an unsupported alg ignored');
        continue;
      }
      const known = keys.get(row.kid);
      if (known) {
        // The public half and the private import are kept; only retirement can change.
        next.set(row.kid, { ...known, row });
        continue;
      }
      const jwk = JSON.parse(row.publicJwk) as JWK;
      const publicKey = importKeyObject(jwk, row.alg, 'public');
      next.set(row.kid, { row, alg: row.alg, publicKey, published: publishedJwk(jwk, row.kid, row.alg) });
    }
    keys = next;
    active = [...next.values()]
      .filter((k) => k.row.retiredAt === null)
      .sort((a, b) => b.row.createdAt - a.row.createdAt || (a.row.kid < b.row.kid ? -1 : 1))[0];
    loadedAt = clock();
  }

  // Single-flight: concurrent triggers share one read.
  function reload(): Promise<void> {
    reloading ??= load().finally(() => {
      reloading = undefined;
    });
    return reloading;
  }

  function refreshInBackground(): void {
    if (clock() - loadedAt < RELOAD_EVERY_MS || reloading) return;
    reload().catch((error: unknown) =>
      logger.warn({ err: error }, 're-reading signing keys failed; keeping the cached ones'),
    );
  }

  async function createKey(alg: SigningAlg, retireOthers: boolean): Promise<string> {
    return store.withLock(LOCK_NAME, async () => {
      const now = clock();
      if (!retireOthers) {
        const rows = await store.listSigningKeys();
        const existing = rows.find((r) => r.retiredAt === null && isSigningAlg(r.alg));
        if (existing) return existing.kid; // another instance created it while we waited for the lock
      }
      const row = await generateSigningKeyRow(alg, sealer, now);
      await store.insertSigningKey(row);
      if (retireOthers) {
        for (const other of await store.listSigningKeys()) {
          if (other.kid !== row.kid && other.retiredAt === null) await store.retireSigningKey(other.kid, now);
        }
      }
      logger.info({ kid: row.kid, alg }, retireOthers ? 'signing key rotated' : 'first signing key created');
      return row.kid;
    });
  }

  // Synchronous, so a failure (wrong master key, a corrupt row) throws and caches nothing: the next call tries again.
  function privateKeyOf(key: CachedKey): KeyObject {
    key.privateKey ??= importKeyObject(
      JSON.parse(sealer.open(key.row.privateJwkSealed, signingKeyAad(key.row.kid)).toString('utf8')) as JWK,
      key.alg,
      'private',
    );
    return key.privateKey;
  }

  return {
    async init() {
      await reload();
      if (!active) {
        await createKey(options.alg, false);
        await reload();
      }
      if (!active) throw new Error('No active signing key after creating one.');
      if (active.alg !== options.alg) {
        logger.warn(
          { kid: active.row.kid, activeAlg: active.alg, configuredAlg: options.alg },
          'the active signing key uses another alg than WXLOGIN_JWT_ALG; run `wxlogin keys rotate` to switch',
        );
      }
    },

    async signingKey() {
      refreshInBackground();
      let key = active;
      if (!key) {
        await reload();
        key = active;
      }
      if (!key) throw internalError('No active signing key (every key is retired): run `wxlogin keys rotate`.');
      return { kid: key.row.kid, alg: key.alg, privateKey: privateKeyOf(key) };
    },

    async verificationKey(kid) {
      refreshInBackground();
      let key = keys.get(kid);
      const now = clock();
      if (!key && now - lastUnknownKidReload >= UNKNOWN_KID_RELOAD_MIN_MS) {
        lastUnknownKidReload = now;
        try {
          await reload();
        } catch (error) {
          logger.warn({ err: error }, 're-reading signing keys for an unknown kid failed');
        }
        key = keys.get(kid);
      }
      if (!key || !usable(key, now)) return undefined;
      return { kid, alg: key.alg, publicKey: key.publicKey };
    },

    jwks() {
      refreshInBackground();
      const now = clock();
      return { keys: [...keys.values()].filter((k) => usable(k, now)).map((k) => k.published) };
    },

    async rotate(alg = options.alg) {
      const kid = await createKey(alg, true);
      await reload();
      return kid;
    },
  };
}
