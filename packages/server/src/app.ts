import type { Server } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { createAuth, type CreateAuthOptions } from './auth/create-auth.js';
import type { Auth } from './auth/types.js';
import { wechatBaseUrlWarning } from './auth/wechat-host.js';
import type { WxloginConfig } from './config/load-config.js';
import type { TrustProxy } from './config/parse-trust-proxy.js';
import { clientErrorHandler } from './http/client-error.js';
import { closeConnectionsWhenDraining } from './http/drain-on-close.js';
import { requestDeadlineMs } from './http/request-deadline.js';
import { httpTimeoutOptions } from './http/server-timeouts.js';
import { lazyChildLogger } from './http/lazy-request-logger.js';
import { LOG_REDACT_PATHS } from './logger.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { createPrometheusMetrics } from './metrics/prometheus-metrics.js';
import { registerApiDocs } from './openapi/register-api-docs.js';
import { openAppRedis } from './redis/app-redis.js';
import { handleError, handleNotFound } from './routes/error-handler.js';
import { wxloginRoutes } from './routes/wxlogin-routes.js';

/** Options of {@link createApp}: the parts of {@link CreateAuthOptions} plus logging. */
export interface CreateAppOptions extends Omit<CreateAuthOptions, 'logger' | 'metrics'> {
  /**
   * A ready logger (pino) to use as is; its redaction is then the caller's. Without it, the app logs JSON lines at
   * `config.logLevel` with wxlogin's redaction, to `logStream` or stdout.
   */
  logger?: FastifyBaseLogger;
  /** Where the app's own logger writes (tests collect lines here). */
  logStream?: { write(line: string): void };
  /** The built console served at `/admin` (default: the one `npm run build` puts in this package). */
  consoleDir?: string;
}

/** A Fastify app serving wxlogin; `wxlogin` is the auth behind its routes. */
export type WxloginApp = FastifyInstance & { readonly wxlogin: Auth };

/** Default body limit: every wxlogin request body is small; the routes plugin sets tighter ones per route. */
const BODY_LIMIT = 64 * 1024;

/**
 * Builds the whole service as a ready Fastify instance (not listening): opens the store from the configuration
 * unless one is given (migrating it when `migrate=auto`), loads the signing keys, registers the routes. `app.close()`
 * closes what it opened.
 */
export async function createApp(config: WxloginConfig, options: CreateAppOptions = {}): Promise<WxloginApp> {
  const { logger, logStream, consoleDir, ...authOptions } = options;
  const serverOptions: FastifyHttpOptions<Server> = {
    ...(logger
      ? { loggerInstance: logger }
      : {
          logger: {
            level: config.logLevel,
            redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
            serializers: { req: serializeRequest },
            ...(logStream ? { stream: logStream } : {}),
          },
        }),
    childLoggerFactory: lazyChildLogger,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT,
    // No type coercion of JSON bodies; unknown fields are stripped where a schema says additionalProperties: false.
    ajv: { customOptions: { removeAdditional: true, coerceTypes: false, useDefaults: true } },
    // Slow clients (slowloris) are answered 408 and cut instead of pinning a connection each.
    ...httpTimeoutOptions(config),
    // Node's parser errors and timeouts answered in the envelope, not Fastify's `{"error":"Bad Request"}`.
    // Through a getter: the app's logger exists only once Fastify() has built it from these options.
    clientErrorHandler: clientErrorHandler(() => app.log),
    // Requests arriving while closing are answered 503 SHUTTING_DOWN in the envelope by closeConnectionsWhenDraining.
    return503OnClosing: false,
    // A path that is not valid percent-encoding fails before routing: answer it in the envelope too.
    frameworkErrors: (error, request, reply) => void handleError(error, request, reply),
  };
  const app = Fastify(serverOptions);
  closeConnectionsWhenDraining(app);

  try {
    // First: @fastify/swagger documents only the routes registered after it (encapsulated plugins included).
    await registerApiDocs(app);
    const metrics = createPrometheusMetrics({ appids: config.apps.map((a) => a.appid) });
    // One connection for the auth functions and the per-IP limit; closed after them (onClose runs last-in first-out).
    const shared = openAppRedis(config.redisUrl, authOptions.redis, app.log);
    app.addHook('onClose', async () => shared.close());
    const auth = await createAuth(config, { ...authOptions, logger: app.log, metrics, redis: shared.redis });
    app.decorate('wxlogin', auth);
    app.addHook('onClose', async () => auth.close());

    const warning = wechatBaseUrlWarning(config.wechatBaseUrl);
    if (warning !== undefined) app.log.warn({ wechatBaseUrl: config.wechatBaseUrl }, warning);
    if (config.trustProxy === false) warnOnceOnForwardedFor(app);

    app.setErrorHandler(handleError);
    app.setNotFoundHandler(handleNotFound);
    await app.register(wxloginRoutes, {
      auth,
      rateLimit: {
        perMinute: config.rateLimitPerMin,
        redis: shared.redis,
        onFailOpen: () => metrics.rateLimitFailedOpen(),
      },
      requestDeadlineMs: requestDeadlineMs(config),
      ...(consoleDir === undefined ? {} : { consoleDir }),
    });
    await app.register(metricsRoute, { registry: metrics.registry, token: config.metricsToken });
    await app.ready();
    return app as unknown as WxloginApp;
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
}

/**
 * The request as logged: the path without its query string, which may carry personal data (an admin search for a
 * phone number or openid) — never a secret, since no secret travels in a URL.
 */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?…`,
    remoteAddress: request.ip,
  };
}

// Behind a proxy with trust off, every client shares the proxy's IP (rate limits, session IPs): say so once.
function warnOnceOnForwardedFor(app: FastifyInstance): void {
  let warned = false;
  // A callback hook, not an async one: every request passes here, and an async hook costs it a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!warned && request.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      request.log.warn("X-Forwarded-For received but WXLOGIN_TRUST_PROXY is off: client IPs are the proxy's");
    }
    done();
  });
}

function fastifyTrustProxy(trust: TrustProxy): FastifyServerOptions['trustProxy'] {
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}
