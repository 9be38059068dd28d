import type { FastifyInstance, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { WxloginConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';

/** The store's statement timeout when `WXLOGIN_DB_STATEMENT_TIMEOUT_MS` is `0` (unset). */
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/**
 * The longest a request's handling may take, ms: `WXLOGIN_WECHAT_TIMEOUT_MS` plus three times
 * `WXLOGIN_DB_STATEMENT_TIMEOUT_MS` (20 s with the defaults). A login spends at most the WeChat budget at WeChat; a
 * database call at most the statement timeout waiting for a connection (or connecting) and the statement timeout
 * plus 1 s for its answer; the rest is room for the ordinary statements around them. docs/operations.md states it.
 */
export function requestDeadlineMs(config: Pick<WxloginConfig, 'wechatTimeoutMs' | 'dbStatementTimeoutMs'>): number {
  const statementTimeoutMs = config.dbStatementTimeoutMs > 0 ? config.dbStatementTimeoutMs : DEFAULT_STATEMENT_TIMEOUT_MS;
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
 */
export function registerRequestDeadline(app: FastifyInstance, deadlineMs: number): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function deadlined(this: FastifyInstance, request, reply) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          request.log.warn({ deadlineMs }, 'request deadline exceeded');
          reject(new AppError('DEPENDENCY_UNAVAILABLE', undefined, { retryAfterSeconds: 1, cause: { code: 'REQUEST_DEADLINE' } }));
        }, deadlineMs);
      });
      const work = Promise.resolve().then(() => handler.call(this, request, reply));
      return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
    } as RouteHandlerMethod;
  });
}
