import { Type, type TSchema } from 'typebox';
import { UserSchema } from '../routes/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/** An admin list page: `nextCursor` is null on the last page. */
const pageOf = <T extends TSchema>(item: T) =>
  Type.Object(
    { items: Type.Array(item), nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page' })) },
    { additionalProperties: false },
  );

// Query strings arrive as text (the app does not coerce types): numbers are checked as digit strings.
const CursorSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-f-]+$', description: 'the previous page\'s nextCursor' });
// 1..100 exactly: an out-of-range page size is refused, never clamped behind the caller's back.
const LimitSchema = Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: 'page size 1..100 (default 50)' });

/** A user as the admin API shows it. */
export const AdminUserSchema = Type.Object(
  {
    ...UserSchema.properties,
    disabledReason: Nullable(Type.String()),
    lastLoginAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);

/** A session (refresh family) of a user. */
export const AdminSessionSchema = Type.Object(
  {
    id: Type.String(),
    appid: Type.String(),
    userAgent: Nullable(Type.String()),
    ip: Nullable(Type.String({ description: 'client address at login' })),
    createdAt: DateTime(),
    lastUsedAt: DateTime(),
    expiresAt: DateTime('sliding expiry'),
    absoluteExpiresAt: DateTime(),
    revokedAt: Nullable(DateTime()),
    revokedReason: Nullable(Type.String({ description: 'logout, logout_all, reuse, disabled, admin_revoked, user_deleted' })),
    active: Type.Boolean({ description: 'neither revoked nor expired' }),
  },
  { additionalProperties: false },
);

/** `GET /admin/api/users/:id`. */
export const AdminUserDetailSchema = Type.Object(
  {
    user: AdminUserSchema,
    sessions: Type.Array(AdminSessionSchema, { description: 'newest first, at most 200' }),
    linkedAccounts: Type.Array(AdminUserSchema, { description: 'users of other apps with the same unionid' }),
  },
  { additionalProperties: false },
);

/** `GET /admin/api/users`. */
export const AdminUserPageSchema = pageOf(AdminUserSchema);

/** Query of `GET /admin/api/users`. */
export const AdminUsersQuerySchema = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 128, description: 'exact id, openid, unionid or E.164 phone; never a substring' })),
    cursor: Type.Optional(CursorSchema),
    limit: Type.Optional(LimitSchema),
  },
  { additionalProperties: false },
);

/**
 * `:id` of the user routes. Not length-checked here: an id that cannot exist is an unknown user (404), the same
 * answer as any other id with no user, and the admin layer answers it without a query.
 */
export const AdminUserParamsSchema = Type.Object({ id: Type.String({ description: 'user id (a UUID; anything else is 404)' }) });

/** Body of `POST /admin/api/users/:id/disable` (optional). */
export const AdminDisableBodySchema = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 255, description: 'kept on the user and in the audit log' })) },
  { additionalProperties: false },
);

/** Answer of `POST /admin/api/users/:id/revoke`. */
export const AdminRevokeResponseSchema = Type.Object(
  { revoked: Type.Integer({ description: 'sessions that were live' }) },
  { additionalProperties: false },
);

const OutcomeCountsSchema = Type.Object(
  {},
  { additionalProperties: Type.Integer(), description: 'count per outcome (`success` or an error code); absent outcomes did not occur' },
);

/** Query of `GET /admin/api/stats`. */
export const AdminStatsQuerySchema = Type.Object(
  {
    window: Type.Enum(['1h', '24h'], { default: '1h' }),
    appid: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'one app only (default: all)' })),
  },
  { additionalProperties: false },
);

/** `GET /admin/api/stats`: login outcomes of the window, summed over every instance. */
export const AdminStatsSchema = Type.Object(
  {
    window: Type.Enum(['1h', '24h']),
    appid: Nullable(Type.String()),
    from: DateTime('start of the first minute'),
    to: DateTime('end of the current minute (exclusive)'),
    total: Type.Integer(),
    totals: OutcomeCountsSchema,
    series: Type.Array(
      Type.Object({ minute: DateTime('start of the minute'), total: Type.Integer(), counts: OutcomeCountsSchema }, { additionalProperties: false }),
      { description: 'one point per minute, oldest first, no gaps' },
    ),
  },
  { additionalProperties: false },
);

/** `GET /admin/api/apps`: appids only, never a secret. */
export const AdminAppPageSchema = pageOf(Type.Object({ appid: Type.String() }, { additionalProperties: false }));

/** Query of `GET /admin/api/audit`. */
export const AdminAuditQuerySchema = Type.Object(
  {
    cursor: Type.Optional(CursorSchema),
    limit: Type.Optional(LimitSchema),
    userId: Type.Optional(Type.String({ maxLength: 64, pattern: '^[0-9a-f-]+$', description: 'events of one user only' })),
  },
  { additionalProperties: false },
);

/** `GET /admin/api/audit`. */
export const AdminAuditPageSchema = pageOf(
  Type.Object(
    {
      id: Type.String(),
      at: DateTime(),
      actor: Type.String({ description: 'admin, system or user:<id>' }),
      action: Type.String({ description: 'e.g. user.deleted, user.disabled, refresh.reuse_detected' }),
      appid: Nullable(Type.String()),
      userId: Nullable(Type.String()),
      detail: Nullable(
        Type.Object({}, { additionalProperties: true, description: 'JSON detail: never a secret; a deleted user\'s openid hashed, phone numbers as last 4 digits' }),
      ),
    },
    { additionalProperties: false },
  ),
);
