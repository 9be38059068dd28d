import { Type, type Static } from 'typebox';
import { APPID_MAX, CODE_MAX, LOGIN_NONCE_MAX, REFRESH_TOKEN_MAX } from './limits.js';
import { UserSchema } from './user.js';

const tokenFields = {
  accessToken: Type.String(),
  refreshToken: Type.String({ description: 'wxr1.<sessionId>.<generation>.<mac>' }),
  expiresIn: Type.Integer({ description: 'access-token lifetime in seconds' }),
  tokenType: Type.Literal('Bearer'),
  user: UserSchema,
};

/** Answer of `POST /v1/auth/refresh`. */
export const TokenResponseSchema = Type.Object(tokenFields, { additionalProperties: false });

/**
 * Tokens of a session: the Contract's login/refresh answer without `isNew`. Clients compute expiry from
 * `expiresIn`, not from the token's `exp` (their clock may be wrong).
 */
export type TokenResponse = Static<typeof TokenResponseSchema>;

/** Answer of `POST /v1/auth/login`. */
export const LoginResponseSchema = Type.Object(
  { ...tokenFields, isNew: Type.Boolean({ description: 'true when this login created the user' }) },
  { additionalProperties: false },
);

/** The Contract's login answer: {@link TokenResponse} and whether this login created the user. */
export type LoginResponse = Static<typeof LoginResponseSchema>;

// Bodies: `additionalProperties: false` + Fastify's default `removeAdditional: true` strips unknown fields
// instead of rejecting them (an older server accepts a newer SDK).

/** Body of `POST /v1/auth/login`. */
export const LoginBodySchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: CODE_MAX, description: 'the code of wx.login()' }),
    appid: Type.Optional(
      Type.String({ minLength: 1, maxLength: APPID_MAX, description: 'required when several apps are configured' }),
    ),
    loginNonce: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: LOGIN_NONCE_MAX,
        description: 'a replay of the same code must carry the same nonce (or none, when the first request sent none)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Body of `POST /v1/auth/refresh`. */
export const RefreshBodySchema = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: REFRESH_TOKEN_MAX }) },
  { additionalProperties: false },
);

/** Body of `POST /v1/auth/logout`: a refresh token, or `all: true` with a bearer token. */
export const LogoutBodySchema = Type.Object(
  {
    refreshToken: Type.Optional(Type.String({ maxLength: REFRESH_TOKEN_MAX })),
    all: Type.Optional(Type.Boolean({ description: 'with a bearer token: end every session of the user' })),
  },
  { additionalProperties: false },
);
