import { MemoryTokenCache, type TokenCache } from '@wxlogin/core';

// The access-token manager caches a token for WeChat's `expires_in` minus min(300 s, half of it) (documented on
// `WeChatClient.getAccessToken`), under the key `token:<appid>` (documented on `TokenCache`).
const MAX_MARGIN_S = 300;

/**
 * A per-process token cache that remembers how long the client asked to keep each access token, from which WeChat's
 * `expires_in` follows: the client hands out the token alone, and `wxlogin doctor` shows its lifetime (never the token).
 */
export class TokenLifetimeProbe implements TokenCache {
  readonly #cache = new MemoryTokenCache();
  readonly #ttlMs = new Map<string, number>();

  /** WeChat's `expires_in` of the token last fetched for `appid`, seconds; undefined before one was fetched. */
  expiresInSeconds(appid: string): number | undefined {
    const ttlMs = this.#ttlMs.get(`token:${appid}`);
    if (ttlMs === undefined) return undefined;
    const kept = ttlMs / 1000;
    // kept = e - min(300, e / 2): below 300 s kept is e / 2, from there on e - 300.
    return Math.round(kept < MAX_MARGIN_S ? kept * 2 : kept + MAX_MARGIN_S);
  }

  get(key: string): Promise<string | null> {
    return this.#cache.get(key);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#ttlMs.set(key, ttlMs);
    return this.#cache.set(key, value, ttlMs);
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#cache.setIfAbsent(key, value, ttlMs);
  }

  deleteIfEquals(key: string, expected: string): Promise<boolean> {
    return this.#cache.deleteIfEquals(key, expected);
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return this.#cache.increment(key, ttlMs);
  }
}
