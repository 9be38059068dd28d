import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Auth } from '../auth/types.js';
import { authRoutes } from './auth-routes.js';
import { handleError } from './error-handler.js';
import { meRoutes } from './me-routes.js';
import { publicRoutes } from './public-routes.js';

/** Options of {@link wxloginRoutes}. */
export interface WxloginRoutesOptions {
  /** The auth functions the routes adapt (see `createAuth`). */
  auth: Auth;
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
  await app.register(authRoutes, { auth });
  await app.register(meRoutes, { auth });
  await app.register(publicRoutes, { auth });
};
