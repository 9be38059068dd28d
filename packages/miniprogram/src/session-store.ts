import type { Platform } from './platform.js';
import type { SessionStorage, TokenAnswer, User } from './types.js';

/** The session as kept on the device. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms of the device clock after which the access token counts as expired. */
  accessExpiresAt: number;
  /** Epoch ms of the device clock when the access token arrived. */
  receivedAt: number;
  user: User;
}

// The access token counts as expired this long before the service says, so it is never sent in its last seconds.
const EXPIRY_MARGIN_MS = 30_000;
const FORMAT = 1;

/**
 * The session in memory and in storage, under one key. Expiry is reckoned from `expiresIn` at receipt on the
 * device's own clock, never from the token's `exp`: a device clock that is off by hours must not matter.
 *
 * `epoch` grows at every clear: a login or refresh that began before a logout must not bring the session back.
 */
export class SessionStore {
  #session: Session | undefined;
  #loaded = false;
  #epoch = 0;

  constructor(
    private readonly storage: SessionStorage,
    private readonly key: string,
    private readonly now: () => number,
  ) {}

  /** The current session, read from storage the first time. */
  get(): Session | undefined {
    if (!this.#loaded) {
      this.#loaded = true;
      this.#session = parse(safely(() => this.storage.get(this.key)));
    }
    return this.#session;
  }

  /** Grows at every {@link clear}. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Keeps a fresh token answer; ignored (returns undefined) when a clear happened since `epoch`. */
  save(answer: TokenAnswer, epoch: number): Session | undefined {
    if (epoch !== this.#epoch) return undefined;
    const receivedAt = this.now();
    const session: Session = {
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      accessExpiresAt: receivedAt + answer.expiresIn * 1000 - EXPIRY_MARGIN_MS,
      receivedAt,
      user: answer.user,
    };
    this.#write(session);
    return session;
  }

  /** Replaces the stored user (after `GET /v1/me`, a profile change, a phone bind). */
  saveUser(user: User): void {
    const session = this.get();
    if (session !== undefined && session.user.id === user.id) this.#write({ ...session, user });
  }

  /** Forgets the session, in memory and in storage. */
  clear(): void {
    this.#epoch += 1;
    this.#loaded = true;
    this.#session = undefined;
    safely(() => this.storage.remove(this.key));
  }

  #write(session: Session): void {
    this.#loaded = true;
    this.#session = session;
    // Storage full or failing: the session still works until the mini program is closed.
    safely(() => this.storage.set(this.key, JSON.stringify({ v: FORMAT, ...session })));
  }
}

/** The platform's `*StorageSync` as a {@link SessionStorage}. */
export function platformStorage(platform: Platform): SessionStorage {
  const { getStorageSync, setStorageSync, removeStorageSync } = platform;
  if (
    typeof getStorageSync !== 'function' ||
    typeof setStorageSync !== 'function' ||
    typeof removeStorageSync !== 'function'
  ) {
    throw new TypeError('wxlogin: the platform has no getStorageSync/setStorageSync/removeStorageSync; pass `storage`');
  }
  return {
    get: (key) => getStorageSync.call(platform, key),
    set: (key, value) => setStorageSync.call(platform, key, value),
    remove: (key) => removeStorageSync.call(platform, key),
  };
}

function safely<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch {
    return undefined;
  }
}

// Anything unreadable (another format, a value a user of the same key left) is no session: the SDK logs in again.
function parse(raw: unknown): Session | undefined {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw === '') return undefined;
    value = safely(() => JSON.parse(raw) as unknown);
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const stored = value as Partial<Session> & { v?: unknown };
  if (stored.v !== FORMAT) return undefined;
  if (typeof stored.accessToken !== 'string' || typeof stored.refreshToken !== 'string') return undefined;
  if (typeof stored.accessExpiresAt !== 'number' || typeof stored.user !== 'object' || stored.user === null)
    return undefined;
  if (typeof stored.user.id !== 'string') return undefined;
  return {
    accessToken: stored.accessToken,
    refreshToken: stored.refreshToken,
    accessExpiresAt: stored.accessExpiresAt,
    receivedAt: typeof stored.receivedAt === 'number' ? stored.receivedAt : 0,
    user: stored.user,
  };
}
