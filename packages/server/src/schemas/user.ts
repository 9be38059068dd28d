import { Type, type Static } from 'typebox';
import { Nullable } from './field-types.js';
import { AVATAR_URL_MAX, NICKNAME_MAX } from './limits.js';

/** The statuses of a user: a `disabled` one cannot log in, refresh or use `/v1/me*`. */
export const USER_STATUSES = ['active', 'disabled'] as const;

/** The Contract's `User`: nullable fields always present (as `null`), `phone` in E.164, `createdAt` ISO 8601. */
export const UserSchema = Type.Object(
  {
    id: Type.String({ description: 'UUIDv7; the `sub` of every token of this user, forever' }),
    appid: Type.String(),
    openid: Type.String(),
    unionid: Nullable(Type.String()),
    phone: Nullable(Type.String({ description: 'E.164' })),
    nickname: Nullable(Type.String()),
    avatarUrl: Nullable(Type.String()),
    status: Type.Enum(USER_STATUSES),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** The `User` object of the Contract (`GET /v1/me` and the `user` of every token answer). */
export type User = Static<typeof UserSchema>;

// Bodies: `additionalProperties: false` + Fastify's default `removeAdditional: true` strips unknown fields
// instead of rejecting them (an older server accepts a newer SDK).

/**
 * Body of `PATCH /v1/me`. The schema's length is a coarse bound (twice the limit, in UTF-16 units); the handler
 * counts code points after trimming, and refuses temporary file paths with a message naming the upload step.
 */
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

/** What `PATCH /v1/me` may change; `null` clears a field. */
export type ProfilePatch = Static<typeof PatchMeBodySchema>;
