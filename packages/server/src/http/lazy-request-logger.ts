import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * Fastify's per-request child logger, made only when the request logs something at an enabled level. Fastify makes a
 * pino child (with its `reqId` binding) for every request, and with redaction configured that costs ~3.6 KB and
 * several µs each (measured): the largest allocation of a login and of `GET /v1/me`, for a logger most requests
 * never use at `warn`. A child with its own level (a route's `logLevel`) is made at once, as before.
 */
export const lazyChildLogger: ChildLoggerFactory = function lazyChildLogger(logger, bindings, options) {
  if (options.level !== undefined) return logger.child(bindings, options);
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => (child ??= logger.child(bindings, options));
  const lazy = {
    get level() {
      return child?.level ?? logger.level;
    },
    set level(level: string) {
      real().level = level;
    },
    silent: () => undefined,
    child: (childBindings: Record<string, unknown>, childOptions?: object) => real().child(childBindings, childOptions),
  } as unknown as FastifyBaseLogger;
  for (const method of METHODS) {
    (lazy as unknown as Record<string, unknown>)[method] = (...args: unknown[]): void => {
      if (child === undefined && !(logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(method))
        return;
      (real()[method] as (...a: unknown[]) => void)(...args);
    };
  }
  return lazy;
};
