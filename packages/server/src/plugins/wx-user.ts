import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Auth } from '../auth/types.js';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/to-app-error.js';
import { bearerAccessToken } from '../http/bearer-token.js';
import { handleError } from '../routes/error-handler.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';

/** The wxlogin user a request's bearer access token belongs to. */
export interface WxUser {
  /** The user id (`sub` of the token, a UUIDv7). */
  id: string;
  /** The mini program the user logged in to. */
  appid: string;
  /** The session the token belongs to. */
  sid: string;
}

/** What a custom verifier answers for a valid token: the claims {@link WxUser} is made of. */
export type WxUserClaims = Pick<AccessTokenClaims, 'sub' | 'appid' | 'sid'>;

/**
 * Options of {@link wxUserPlugin}: wxlogin's auth functions (the token's session and user are checked against the
 * database, so revoked sessions and disabled users are refused), or a verifier of your own (e.g. `jose` against
 * wxlogin's JWKS in another service: valid until `exp`, no revocation check).
 */
export type WxUserPluginOptions =
  | { auth: Pick<Auth, 'verifyAccessToken'>; verify?: never }
  | {
      /** Resolves the claims of a valid token. Throw an `AppError` to choose the answer; any other throw is a 401. */
      verify: (token: string) => Promise<WxUserClaims>;
      auth?: never;
    };

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The wxlogin user of the bearer access token, or `null` (no token, or not valid). Set by `wxUserPlugin`;
     * guard routes with its `requireWxUser` preHandler.
     */
    wxUser: WxUser | null;
  }
}

const UNAUTHORIZED_MESSAGE = 'Missing or malformed bearer token.';

// Why a request has no wxUser, for requireWxUser to answer with: an AppError, or an unexpected error from `auth`.
const refusals = new WeakMap<FastifyRequest, unknown>();

const plugin: FastifyPluginAsync<WxUserPluginOptions> = async (app, options) => {
  const verify = verifierOf(options);
  app.decorateRequest('wxUser', null);
  // onRequest, so the host's own preValidation/preHandler hooks can read request.wxUser too.
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization === undefined) return;
    try {
      request.wxUser = await verify(bearerAccessToken(request));
    } catch (error) {
      // Never fails here: a route that does not require a user must not be refused for a stale token.
      refusals.set(request, error);
    }
  });
};

/**
 * A small `fastify-plugin` for host apps: decorates `request.wxUser` ({@link WxUser} or `null`) from the request's
 * `Authorization: Bearer <accessToken>` on every route of the context it is registered in. It sets no error
 * handler and adds no route; guard the routes that need a user with {@link requireWxUser}.
 */
export const wxUserPlugin = fp(plugin, { name: 'wxlogin-wx-user', fastify: '5.x' });

/**
 * A preHandler for host routes that need a wxlogin user: without a valid token it answers at once in wxlogin's
 * error envelope — `401 UNAUTHORIZED` (missing, malformed, invalid or expired token, ended session), `403
 * USER_DISABLED`, or whatever catalogue error the verifier threw — without going through the host's error handler.
 * An unexpected error of `auth` (a database failure) is thrown to the host's error handler.
 */
export async function requireWxUser(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.wxUser === undefined) throw new Error('requireWxUser needs wxUserPlugin registered in this context');
  if (request.wxUser !== null) return undefined;
  const refusal = refusals.get(request);
  const appError = refusal === undefined ? new AppError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE) : toAppError(refusal);
  if (appError === undefined) throw refusal;
  return handleError(appError, request, reply);
}

function verifierOf(options: WxUserPluginOptions): (token: string) => Promise<WxUser> {
  if (options.auth !== undefined) {
    const { auth } = options;
    return async (token) => userOf(await auth.verifyAccessToken(token));
  }
  if (typeof options.verify !== 'function') throw new TypeError('wxUserPlugin: pass { auth } or { verify }');
  const { verify } = options;
  return async (token) => {
    let claims: WxUserClaims;
    try {
      claims = await verify(token);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UNAUTHORIZED', 'The access token is not valid.', { cause: error });
    }
    return userOf(claims);
  };
}

function userOf(claims: WxUserClaims): WxUser {
  const { sub, appid, sid } = claims as Partial<WxUserClaims>;
  if (typeof sub !== 'string' || typeof appid !== 'string' || typeof sid !== 'string') {
    throw new AppError('UNAUTHORIZED', 'The access token lacks sub, appid or sid.');
  }
  return { id: sub, appid, sid };
}
