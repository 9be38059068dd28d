import { describeError } from './redis-client.js';

/**
 * A Redis command that failed (Redis down, timed out, refused). Carries only the operation and the reason: ioredis
 * attaches the failed command with its arguments to its own errors, and those arguments can be access tokens, so
 * the original error is deliberately not kept as `cause`.
 */
export class RedisCommandError extends Error {
  override readonly name = 'RedisCommandError';
  /** The operation that failed, e.g. `setIfAbsent`. */
  readonly operation: string;
  /** Why, e.g. `Command timed out` or `ECONNREFUSED`. */
  readonly reason: string;

  constructor(operation: string, error: unknown) {
    const reason = describeError(error);
    super(`Redis ${operation} failed: ${reason}`);
    this.operation = operation;
    this.reason = reason;
  }
}
