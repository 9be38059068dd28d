import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { WxloginConfig } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';

/** The store's statement timeout when `WXLOGIN_DB_STATEMENT_TIMEOUT_MS` is `0` (unset). */
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/**
 * The longest a request's handling may take, ms: `WXLOGIN_WECHAT_TIMEOUT_MS` plus three times
 * `WXLOGIN_DB_STATEMENT_TIMEOUT_MS` (20 s with the defaults). A login spends at most the WeChat budget at WeChat; a
 * database call at most the statement timeout waiting for a connection (or connecting) and the statement timeout
 * plus 1 s for its answer; the rest is room for the ordinary statements around them. docs/operations.md states it.
 */
export function requestDeadlineMs(config: Pick<WxloginConfig, 'wechatTimeoutMs' | 'dbStatementTimeoutMs'>): number {
  const statementTimeoutMs =
    config.dbStatementTimeoutMs > 0 ? config.dbStatementTimeoutMs : DEFAULT_STATEMENT_TIMEOUT_MS;
  return config.wechatTimeoutMs + 3 * statementTimeoutMs;
}

/** {@link requestDeadlineMs} of the default configuration, for a host that registers the routes plugin itself. */
export const DEFAULT_REQUEST_DEADLINE_MS = requestDeadlineMs({ wechatTimeoutMs: 5000, dbStatementTimeoutMs: 0 });

/**
 * Gives every route registered after it on `app` (and in its child contexts) a whole deadline: a handler still
 * running after `deadlineMs` is answered `503 DEPENDENCY_UNAVAILABLE` with `Retry-After: 1` through the context's
 * error handler. Every wait inside a handler has its own bound (WeChat's budget, Redis' command timeout, the
 * database's connect and statement bounds); this one holds when something unforeseen does not — a database lock
 * wait, a pool that cannot hand out connections — so no client and no proxy connection waits without limit.
 * WeChat's budget ends first, so what the deadline meets is the database. The handler runs on to its own end (its
 * late outcome is dropped): work cannot be cancelled halfway, and the database's bounds end it.
 *
 * A route's own `preHandler` hooks (the bearer check of the routes that need a user) count as its handling: they
 * are run first, in order, inside the deadline, since verifying a token reads the database too.
 */
export function registerRequestDeadline(app: FastifyInstance, deadlineMs: number): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = withOwnPreHandlers(route);
    route.handler = function deadlined(this: FastifyInstance, request, reply) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          request.log.warn({ deadlineMs }, 'request deadline exceeded');
          reject(
            new AppError('DEPENDENCY_UNAVAILABLE', undefined, {
              retryAfterSeconds: 1,
              cause: { code: 'REQUEST_DEADLINE' },
            }),
          );
        }, deadlineMs);
      });
      const work = Promise.resolve().then(() => handler.call(this, request, reply));
      return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
    } as RouteHandlerMethod;
  });
}

/** A route hook of either style: async, or calling `done`. */
type RouteHook = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
) => unknown;

/**
 * The route's handler preceded by its own `preHandler` hooks, which are taken off the route. Where they run does
 * not change: after the context's preHandler hooks (Fastify runs those before a route's own) and right before the
 * handler, which is skipped once a hook has answered.
 */
function withOwnPreHandlers(route: RouteOptions): RouteHandlerMethod {
  const { handler, preHandler } = route;
  if (preHandler === undefined) return handler;
  const hooks = (Array.isArray(preHandler) ? preHandler : [preHandler]) as unknown as RouteHook[];
  delete route.preHandler;
  return async function handled(this: FastifyInstance, request, reply) {
    for (const hook of hooks) {
      await runHook(hook, this, request, reply);
      if (reply.sent) return reply;
    }
    return handler.call(this, request, reply);
  } as RouteHandlerMethod;
}

function runHook(
  hook: RouteHook,
  instance: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => (error ? reject(error) : resolve());
    const result = hook.call(instance, request, reply, done);
    // An async hook settles through its promise (Fastify's rule: a hook that returns a thenable never calls done).
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(() => resolve(), reject);
    }
  });
}
