import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import { ChannelSubscriber, publishHint } from './channel-subscriber.js';
import { describeError } from './redis-client.js';

/** "Forget what you cached about this": a session (its id, the `sid` claim) ended, or a user was disabled. */
export interface RevocationEvent {
  type: 'sid' | 'user';
  id: string;
}

/** Receives each event published by any instance (this one included). */
export type RevocationHandler = (event: RevocationEvent) => void;

/** Options of {@link RevocationBus}. */
export interface RevocationBusOptions {
  /** Pub/sub channel (default `<client keyPrefix>wxlogin:revocation`). */
  channel?: string;
  /** Reports a failing handler or subscription; malformed messages are dropped at debug level. */
  logger?: Logger;
}

/** Default channel name, after the client's `keyPrefix`. */
export const REVOCATION_CHANNEL = 'wxlogin:revocation';

// Ids are UUIDs; anything much longer is not ours.
const MAX_ID_LENGTH = 128;

/**
 * Fans revocations out to every instance so their session-check caches (≤ 5 s) drop an ended session or a disabled
 * user at once. Best effort by design: the database holds the revocation, and an event lost while Redis is down only
 * means the cache entry lives out its few seconds. Subscribing opens one extra connection, on the first
 * {@link subscribe}.
 */
export class RevocationBus {
  readonly #client: Redis;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #handlers = new Set<RevocationHandler>();
  #subscriber: ChannelSubscriber | undefined;

  constructor(client: Redis, options: RevocationBusOptions = {}) {
    this.#client = client;
    this.#channel = options.channel ?? `${client.options.keyPrefix ?? ''}${REVOCATION_CHANNEL}`;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The pub/sub channel. */
  get channel(): string {
    return this.#channel;
  }

  /**
   * Tells every subscribed instance. Resolves false (never rejects) when Redis did not take it: the revocation
   * itself is already in the database.
   * @throws TypeError for an event that is not `{ type: 'sid' | 'user', id }` (a programming error).
   */
  async publish(event: RevocationEvent): Promise<boolean> {
    const valid = parseEvent(event);
    if (valid === undefined) throw new TypeError("a revocation event is { type: 'sid' | 'user', id: string }");
    return publishHint(this.#client, this.#channel, JSON.stringify(valid), this.#logger, 'revocation');
  }

  /**
   * Calls `handler` for every event from now on (including this instance's own). A throwing handler is logged and
   * does not stop the others. @returns a function that removes the handler.
   */
  subscribe(handler: RevocationHandler): () => void {
    this.#handlers.add(handler);
    this.#subscriber ??= new ChannelSubscriber(
      this.#client,
      this.#channel,
      (message) => this.#deliver(message),
      this.#logger,
    );
    return () => {
      this.#handlers.delete(handler);
    };
  }

  /** Resolves true once the subscription is live, false after `timeoutMs` (or when nothing subscribed yet). */
  async whenSubscribed(timeoutMs: number): Promise<boolean> {
    return this.#subscriber?.whenSubscribed(timeoutMs) ?? false;
  }

  /** Closes the subscriber connection (the shared client is its owner's to close). */
  async close(): Promise<void> {
    this.#handlers.clear();
    await this.#subscriber?.close();
  }

  #deliver(message: string): void {
    const event = parseMessage(message);
    if (event === undefined) {
      this.#logger.debug({ channel: this.#channel }, 'ignored a malformed revocation message');
      return;
    }
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        this.#logger.warn({ channel: this.#channel, reason: describeError(error) }, 'revocation handler failed');
      }
    }
  }

  [inspect.custom](): string {
    return `RevocationBus { channel: ${JSON.stringify(this.#channel)}, handlers: ${this.#handlers.size} }`;
  }

  toJSON(): { channel: string } {
    return { channel: this.#channel };
  }
}

function parseMessage(message: string): RevocationEvent | undefined {
  try {
    return parseEvent(JSON.parse(message));
  } catch {
    return undefined;
  }
}

/** The event with only its two fields, or undefined when it is not one. */
function parseEvent(value: unknown): RevocationEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (type !== 'sid' && type !== 'user') return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return undefined;
  return { type, id };
}
