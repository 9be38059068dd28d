import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Auth } from '../auth/types.js';
import { DEFAULT_REQUEST_DEADLINE_MS, registerRequestDeadline } from '../http/request-deadline.js';
import { registerIpRateLimit, type IpRateLimitOptions } from '../rate-limit/ip-rate-limit.js';
import { accountRoutes } from './account-routes.js';
import { adminRoutes } from './admin-routes.js';
import { authRoutes } from './auth-routes.js';
import { consoleRoutes } from './console-routes.js';
import { handleError } from './error-handler.js';
import { meRoutes } from './me-routes.js';
import { phoneRoutes } from './phone-routes.js';
import { publicRoutes } from './public-routes.js';

/** Options of {@link wxloginRoutes}. */
export interface WxloginRoutesOptions {
  /** The auth functions the routes adapt (see `createAuth`). */
  auth: Auth;
  /** Per-client-IP limit of login + refresh (`createApp` passes `WXLOGIN_RATE_LIMIT_PER_MIN`); none when absent. */
  rateLimit?: IpRateLimitOptions;
  /** The whole deadline of a request's handling, ms (`createApp` passes `requestDeadlineMs(config)`); default 20 s. */
  requestDeadlineMs?: number;
  /** The built console's directory (default: the one `npm run build` fills in this package). */
  consoleDir?: string;
}

/**
 * wxlogin's HTTP routes as an encapsulated Fastify plugin (deliberately not wrapped in `fastify-plugin`): its error
 * handler and content-type rules stay inside and never leak into a host app. Register it on any Fastify 5 app;
 * for 404s in the same envelope, also set `handleNotFound` as the host's not-found handler.
 */
export const wxloginRoutes: FastifyPluginAsyncTypebox<WxloginRoutesOptions> = async (app, options) => {
  const { auth } = options;
  app.setErrorHandler(handleError);
  // Only JSON is spoken here: a text/plain body is 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  // Set by the bearer preHandler of the routes that need a user (see require-user.ts); declared here, in this
  // context only, so every request has the same shape.
  app.decorateRequest('wxloginClaims', null);
  if (options.rateLimit !== undefined) await registerIpRateLimit(app, options.rateLimit);
  registerRequestDeadline(app, options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS);
  await app.register(authRoutes, { auth });
  await app.register(meRoutes, { auth });
  await app.register(phoneRoutes, { auth });
  await app.register(publicRoutes, { auth });
  await app.register(accountRoutes, { auth });
  // Without WXLOGIN_ADMIN_TOKEN the admin API and the console do not exist: they answer 404 like any unknown path.
  if (auth.admin.tokenConfigured) {
    await app.register(adminRoutes, { admin: auth.admin });
    await app.register(consoleRoutes, options.consoleDir === undefined ? {} : { dir: options.consoleDir });
  }
};
