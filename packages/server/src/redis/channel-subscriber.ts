import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { noteCommandOutcome } from './hung-connection-guard.js';
import { closeRedisClient, describeError, duplicateRedisClient } from './redis-client.js';

/**
 * One pub/sub channel on its own connection (a subscribed connection can run nothing else). It subscribes again
 * after every reconnect itself, so a Redis outage ends with the subscription back and no restart. Messages
 * published while it was down are lost: users of it must treat delivery as a hint that only shortens a wait or a
 * cache lifetime, never as the truth.
 */
export class ChannelSubscriber {
  readonly #connection: Redis;
  readonly #channel: string;
  #subscribed = false;
  #closed = false;
  readonly #waiters = new Set<() => void>();

  /** @param onMessage receives each message of the channel; a throw from it is logged, not propagated. */
  constructor(client: Redis, channel: string, onMessage: (message: string) => void, logger: Logger) {
    this.#channel = channel;
    // The subscription is renewed on every `ready` below; ioredis's own resubscribe would race with it.
    this.#connection = duplicateRedisClient(client, logger, { autoResubscribe: false });
    this.#connection.on('ready', () => {
      this.#connection.subscribe(channel).then(
        () => {
          this.#subscribed = true;
          for (const wake of this.#waiters) wake();
          this.#waiters.clear();
        },
        (error: unknown) => logger.warn({ channel, reason: describeError(error) }, 'Redis SUBSCRIBE failed'),
      );
    });
    this.#connection.on('close', () => {
      this.#subscribed = false;
    });
    this.#connection.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        onMessage(message);
      } catch (error) {
        logger.warn({ channel, reason: describeError(error) }, 'Redis message handler failed');
      }
    });
  }

  /** The channel's name. */
  get channel(): string {
    return this.#channel;
  }

  /** True while the subscription is live. */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** Resolves true once subscribed (at once if it is), false after `timeoutMs` or on close. */
  whenSubscribed(timeoutMs: number): Promise<boolean> {
    if (this.#subscribed) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.#subscribed);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Closes the subscriber connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#subscribed = false;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    await closeRedisClient(this.#connection);
  }
}

/**
 * Publishes a hint on `channel`: resolves false (never rejects) when Redis did not take it, since every user of a
 * channel falls back on the database. `what` names the message in the debug line of a failure.
 */
export async function publishHint(
  client: Redis,
  channel: string,
  message: string,
  logger: Logger,
  what: string,
): Promise<boolean> {
  try {
    await client.publish(channel, message);
    noteCommandOutcome(client);
    return true;
  } catch (error) {
    noteCommandOutcome(client, error);
    logger.debug({ channel, reason: describeError(error) }, `${what} publish failed`);
    return false;
  }
}
