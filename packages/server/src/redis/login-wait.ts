import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { ChannelSubscriber, publishHint } from './channel-subscriber.js';

/** Options of {@link LoginWait}. */
export interface LoginWaitOptions {
  /** Pub/sub channel (default `<client keyPrefix>wxlogin:login-done`). */
  channel?: string;
  logger?: Logger;
}

/** Default channel name, after the client's `keyPrefix`. */
export const LOGIN_DONE_CHANNEL = 'wxlogin:login-done';

// A code hash is 64 hex chars (SHA-256); anything much longer is not ours.
const MAX_CODE_HASH_LENGTH = 128;

/**
 * The login memo's fast path: the request that won a code tells the others the moment the memo row is final, so
 * they re-read it at once instead of at their next poll. Only a wake-up call: `wait` answering true means "read the
 * row now", never "the login is done", and when Redis is down `wait` is just a sleep of `timeoutMs`, so the memo's
 * database polling stays the truth either way.
 *
 * Use: `await memo.read(); while (pending) { await wait(codeHash, pollMs); await memo.read(); }` — reading the row
 * after each wait also covers a notification sent just before the wait began.
 */
export class LoginWait {
  readonly #client: Redis;
  readonly #logger: Logger;
  readonly #subscriber: ChannelSubscriber;
  readonly #waiters = new Map<string, Set<(notified: boolean) => void>>();
  #closed = false;

  /** Opens the subscriber connection at once, so it is live before the first login waits. */
  constructor(client: Redis, options: LoginWaitOptions = {}) {
    this.#client = client;
    this.#logger = options.logger ?? silentLogger;
    const channel = options.channel ?? `${client.options.keyPrefix ?? ''}${LOGIN_DONE_CHANNEL}`;
    this.#subscriber = new ChannelSubscriber(client, channel, (message) => this.#wake(message), this.#logger);
  }

  /** The pub/sub channel. */
  get channel(): string {
    return this.#subscriber.channel;
  }

  /** Resolves true once the subscription is live, false after `timeoutMs`. */
  whenSubscribed(timeoutMs: number): Promise<boolean> {
    return this.#subscriber.whenSubscribed(timeoutMs);
  }

  /** Wakes every instance waiting on `codeHash`. Resolves false (never rejects) when Redis did not take it. */
  async notify(codeHash: string): Promise<boolean> {
    return publishHint(this.#client, this.#subscriber.channel, codeHash, this.#logger, 'login-done');
  }

  /**
   * Resolves true when `codeHash` is notified within `timeoutMs`, false when the time runs out (or `signal` aborts).
   * Never rejects.
   */
  wait(codeHash: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(codeHash);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(codeHash, waiters);
      }
      const settle = (notified: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const current = this.#waiters.get(codeHash);
        current?.delete(settle);
        if (current?.size === 0) this.#waiters.delete(codeHash);
        resolve(notified);
      };
      const onAbort = (): void => settle(false);
      const timer = setTimeout(() => settle(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(settle);
    });
  }

  /** Closes the subscriber connection; pending and later waits answer false at once. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiters of [...this.#waiters.values()]) for (const settle of [...waiters]) settle(false);
    await this.#subscriber.close();
  }

  #wake(codeHash: string): void {
    if (codeHash.length === 0 || codeHash.length > MAX_CODE_HASH_LENGTH) return;
    const waiters = this.#waiters.get(codeHash);
    if (waiters === undefined) return;
    for (const settle of [...waiters]) settle(true);
  }

  [inspect.custom](): string {
    return `LoginWait { channel: ${JSON.stringify(this.#subscriber.channel)}, waiting: ${this.#waiters.size} }`;
  }

  toJSON(): { channel: string } {
    return { channel: this.#subscriber.channel };
  }
}
