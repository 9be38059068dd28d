import { Type, type TSchema } from 'typebox';
import { AVATAR_URL_MAX, NICKNAME_MAX } from '../auth/profile-patch.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The Contract's `User`: nullable fields always present (as `null`), `createdAt` ISO 8601. */
export const UserSchema = Type.Object(
  {
    id: Type.String({ description: 'UUIDv7; the `sub` of every token of this user, forever' }),
    appid: Type.String(),
    openid: Type.String(),
    unionid: Nullable(Type.String()),
    phone: Nullable(Type.String({ description: 'E.164' })),
    nickname: Nullable(Type.String()),
    avatarUrl: Nullable(Type.String()),
    status: Type.Enum(['active', 'disabled']),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const tokenFields = {
  accessToken: Type.String(),
  refreshToken: Type.String({ description: 'wxr1.<familyId>.<generation>.<mac>' }),
  expiresIn: Type.Integer({ description: 'access-token lifetime in seconds' }),
  tokenType: Type.Literal('Bearer'),
  user: UserSchema,
};

/** Answer of `POST /v1/auth/refresh`. */
export const TokenResponseSchema = Type.Object(tokenFields, { additionalProperties: false });

/** Answer of `POST /v1/auth/login`. */
export const LoginResponseSchema = Type.Object(
  { ...tokenFields, isNew: Type.Boolean({ description: 'true when this login created the user' }) },
  { additionalProperties: false },
);

// Bodies: `additionalProperties: false` + Fastify's default `removeAdditional: true` strips unknown fields
// instead of rejecting them (an older server accepts a newer SDK).

/** Body of `POST /v1/auth/login`. */
export const LoginBodySchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 256, description: 'the code of wx.login()' }),
    appid: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'required when several apps are configured' })),
    loginNonce: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'a replay of the same code must carry the same nonce (or none, when the first request sent none)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Body of `POST /v1/auth/refresh`. */
export const RefreshBodySchema = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

/** Body of `POST /v1/auth/logout`: a refresh token, or `all: true` with a bearer token. */
export const LogoutBodySchema = Type.Object(
  {
    refreshToken: Type.Optional(Type.String({ maxLength: 512 })),
    all: Type.Optional(Type.Boolean({ description: 'with a bearer token: end every session of the user' })),
  },
  { additionalProperties: false },
);

/** Body of `PATCH /v1/me`. Temporary file paths are refused by the handler with a message naming the upload step. */
export const PatchMeBodySchema = Type.Object(
  {
    nickname: Type.Optional(
      Nullable(
        Type.String({
          maxLength: NICKNAME_MAX * 2,
          description: `at most ${NICKNAME_MAX} characters (Unicode code points, as the database counts them) after trimming; no control characters; "" or null clears it`,
        }),
      ),
    ),
    avatarUrl: Type.Optional(
      Nullable(
        Type.String({
          maxLength: AVATAR_URL_MAX,
          description: `an https:// URL of at most ${AVATAR_URL_MAX} characters, already uploaded (not a chooseAvatar temporary path); null clears it`,
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

/** The error envelope of every 4xx/5xx answer. */
export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      wechat: Type.Optional(Type.Object({ errcode: Type.Integer(), rid: Nullable(Type.String()) })),
    }),
  },
);

/** `GET /.well-known/jwks.json`. */
export const JwksSchema = Type.Object({
  keys: Type.Array(
    Type.Object(
      {
        kty: Type.String(),
        kid: Type.String(),
        alg: Type.String(),
        use: Type.Literal('sig'),
        crv: Type.Optional(Type.String()),
        x: Type.Optional(Type.String()),
        y: Type.Optional(Type.String()),
        n: Type.Optional(Type.String()),
        e: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  ),
});

/** `GET /readyz`. */
export const ReadinessSchema = Type.Object({
  status: Type.Enum(['ok', 'unavailable']),
  database: Type.Enum(['ok', 'unreachable']),
  redis: Type.String(),
  wechat: Type.Object({
    baseUrl: Type.String(),
    warning: Type.Optional(Type.String()),
    circuit: Type.Optional(Type.Enum(['closed', 'open', 'half_open', 'disabled'])),
  }),
  error: Type.Optional(ErrorEnvelopeSchema.properties.error),
});

/** The error answers every route declares. */
export const errorResponses = { '4xx': ErrorEnvelopeSchema, '5xx': ErrorEnvelopeSchema } as const;
