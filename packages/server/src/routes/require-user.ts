import type { FastifyRequest } from 'fastify';
import type { Auth } from '../auth/types.js';
import { internalError } from '../errors/app-error.js';
import { bearerAccessToken } from '../http/bearer-token.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The claims of the request's bearer access token on wxlogin's routes that need a user, verified by their
     * {@link requireUser} preHandler; `null` on every other route. Read it with {@link userClaims}.
     */
    wxloginClaims: AccessTokenClaims | null;
  }
}

/**
 * The bearer check of wxlogin's routes that need a user, as their `preHandler`: it verifies the request's access
 * token once (signature, then session and user: see `Auth.verifyAccessToken`) and leaves the claims on the request.
 * A preHandler runs after the body is parsed and validated, so a bad body is answered `VALIDATION_FAILED` whatever
 * the token; the request deadline covers it like the handler (see `registerRequestDeadline`). Refusals are the
 * verifier's: `401 UNAUTHORIZED` (missing, malformed or invalid token, ended session), `403 USER_DISABLED`. With
 * `when`, only the requests it picks need a user (logout's `{ all: true }`).
 */
export function requireUser(
  auth: Pick<Auth, 'verifyAccessToken'>,
  when?: (request: FastifyRequest) => boolean,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (when !== undefined && !when(request)) return;
    request.wxloginClaims = await auth.verifyAccessToken(bearerAccessToken(request));
  };
}

/** The claims {@link requireUser} verified; a route that reads them without that preHandler is a bug (a 500). */
export function userClaims(request: FastifyRequest): AccessTokenClaims {
  const claims = request.wxloginClaims;
  if (!claims) {
    throw internalError(
      `${request.method} ${request.routeOptions.url ?? request.url} reads the user without its requireUser preHandler`,
    );
  }
  return claims;
}
