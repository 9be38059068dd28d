import fastifyRateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { FailOpenCounter, type CounterHit, type FailOpenListener } from './fail-open-counter.js';
import { rateLimitedError } from './rate-limited-error.js';

/** Options of {@link registerIpRateLimit}. */
export interface IpRateLimitOptions {
  /** Login + refresh requests per client IP per minute (`WXLOGIN_RATE_LIMIT_PER_MIN`); `0` turns the limit off. */
  perMinute: number;
  /** Count in Redis, shared by every instance (per-process counters take over while it is down). */
  redis?: Redis | undefined;
  /** Called for each request counted in-process because Redis could not count it. */
  onFailOpen?: FailOpenListener | undefined;
}

/** The routes the per-IP limit guards: the two that mint tokens without a bearer. */
export const IP_LIMITED_ROUTES: readonly string[] = ['POST /v1/auth/login', 'POST /v1/auth/refresh'];

/** Redis key namespace of the per-IP counters (after the client's `keyPrefix`). */
export const IP_RATE_LIMIT_NAMESPACE = 'wxlogin:rl:ip:';

const WINDOW_MS = 60_000;

/**
 * Limits login + refresh per client IP (`request.ip`, so `WXLOGIN_TRUST_PROXY` decides what the IP is) with
 * `@fastify/rate-limit`: one counter per IP shared by both routes, checked in `onRequest` before the body is read,
 * answered as `429 RATE_LIMITED` with `Retry-After` by the context's error handler. Call it inside the routes
 * plugin before the routes are registered; it adds nothing to other routes or to a host app.
 */
export async function registerIpRateLimit(app: FastifyInstance, options: IpRateLimitOptions): Promise<void> {
  if (options.perMinute <= 0) return;
  const counter = new FailOpenCounter({
    redis: options.redis,
    namespace: IP_RATE_LIMIT_NAMESPACE,
    onFailOpen: options.onFailOpen,
  });
  await app.register(fastifyRateLimit, {
    global: false,
    store: counterStore(counter, WINDOW_MS),
    // The 429 body is our envelope; only Retry-After matters to clients (the SDK honours it).
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
  const limit = app.rateLimit({
    max: options.perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) => rateLimitedError(context.ttl),
  });

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => IP_LIMITED_ROUTES.includes(`${method} ${route.url}`))) return;
    const existing =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [limit, ...existing];
  });
}

/**
 * The counter as a `@fastify/rate-limit` store (its documented `store` option: a class with `incr` and `child`).
 * `child` answers the same store, so every route given this limit counts into one window per IP (login and refresh
 * together). The window is the store's own, the one the limit is created with.
 */
function counterStore(counter: FailOpenCounter, windowMs: number): FastifyRateLimitStoreCtor {
  class CounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: CounterHit) => void): void {
      counter.hit(key, windowMs).then(
        (hit) => callback(null, hit),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }
  return CounterStore;
}
