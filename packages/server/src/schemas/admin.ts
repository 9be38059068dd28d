import { Type, type Static, type TSchema } from 'typebox';
import { DateTime, Nullable } from './field-types.js';
import {
  APPID_MAX,
  AUDIT_ACTION_MAX,
  CURSOR_MAX,
  DISABLE_REASON_MAX,
  PAGE_LIMIT_DEFAULT,
  PAGE_LIMIT_MAX,
  USER_SEARCH_MAX,
} from './limits.js';
import { ReadinessSchema } from './readiness.js';
import { UserSchema } from './user.js';

/** An admin list page: `nextCursor` is null on the last page. */
const pageOf = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page' })),
    },
    { additionalProperties: false },
  );

// Query strings arrive as text (the app does not coerce types): numbers are checked as digit strings.
const CursorSchema = Type.String({
  minLength: 1,
  maxLength: CURSOR_MAX,
  pattern: '^[0-9a-f-]+$',
  description: "the previous page's nextCursor",
});
// 1..PAGE_LIMIT_MAX exactly: an out-of-range page size is refused, never clamped behind the caller's back.
const LimitSchema = Type.String({
  pattern: pageLimitPattern(PAGE_LIMIT_MAX),
  description: `page size 1..${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT})`,
});

// The digit strings 1..max with no leading zero. Only max = 10^k is needed (and checked at load): anything else
// would need a longer alternation, and a wrong pattern would silently accept sizes the functions refuse.
function pageLimitPattern(max: number): string {
  const digits = String(max).length - 1;
  if (max !== 10 ** digits || digits < 1) throw new Error(`page limit ${max} is not a power of ten`);
  const tail = digits === 1 ? '' : digits === 2 ? '[0-9]?' : `[0-9]{0,${digits - 1}}`;
  return `^(${max}|[1-9]${tail})$`;
}

/** A user as the admin API shows it: the Contract's `User` plus what only an operator needs. */
export const AdminUserSchema = Type.Object(
  {
    ...UserSchema.properties,
    disabledReason: Nullable(Type.String()),
    lastLoginAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);

/** A user as the admin API shows it. */
export type AdminUser = Static<typeof AdminUserSchema>;

/** A session of a user: a device. No token material. */
export const AdminSessionSchema = Type.Object(
  {
    id: Type.String(),
    appid: Type.String(),
    generation: Type.Integer({ description: 'refresh rotations so far (0 until the first refresh)' }),
    userAgent: Nullable(Type.String()),
    ip: Nullable(Type.String({ description: 'client address at login' })),
    createdAt: DateTime(),
    lastUsedAt: DateTime(),
    expiresAt: DateTime('sliding expiry'),
    absoluteExpiresAt: DateTime(),
    revokedAt: Nullable(DateTime()),
    revokedReason: Nullable(
      Type.String({ description: 'logout, logout_all, reuse, disabled, admin_revoked, user_deleted' }),
    ),
    active: Type.Boolean({ description: 'neither revoked nor expired' }),
  },
  { additionalProperties: false },
);

/** One session of a user, as the admin API shows it. */
export type AdminSession = Static<typeof AdminSessionSchema>;

/** `GET /admin/api/users/:id`. */
export const AdminUserDetailSchema = Type.Object(
  {
    user: AdminUserSchema,
    sessions: Type.Array(AdminSessionSchema, { description: 'newest first, at most 200' }),
    linkedAccounts: Type.Array(AdminUserSchema, { description: 'users of other apps with the same unionid' }),
  },
  { additionalProperties: false },
);

/** One user with its sessions (devices) and its accounts in other apps (same unionid). */
export type AdminUserDetail = Static<typeof AdminUserDetailSchema>;

/** `GET /admin/api/users`. */
export const AdminUserPageSchema = pageOf(AdminUserSchema);

/** Query of `GET /admin/api/users`. */
export const AdminUsersQuerySchema = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: USER_SEARCH_MAX,
        description: 'exact id, openid, unionid or E.164 phone; never a substring',
      }),
    ),
    cursor: Type.Optional(CursorSchema),
    limit: Type.Optional(LimitSchema),
  },
  { additionalProperties: false },
);

/**
 * `:id` of the user routes. Not length-checked here: an id that cannot exist is an unknown user (404), the same
 * answer as any other id with no user, and the admin layer answers it without a query.
 */
export const AdminUserParamsSchema = Type.Object({
  id: Type.String({ description: 'user id (a UUID; anything else is 404)' }),
});

/** `:id` and `:sessionId` of `POST /admin/api/users/:id/sessions/:sessionId/revoke` (unknown ones are 404). */
export const AdminSessionParamsSchema = Type.Object({
  id: Type.String({ description: 'user id' }),
  sessionId: Type.String({ description: "one of the user's sessions" }),
});

/** Body of `POST /admin/api/users/:id/disable` (optional). */
export const AdminDisableBodySchema = Type.Object(
  {
    reason: Type.Optional(
      Type.String({ maxLength: DISABLE_REASON_MAX, description: 'kept on the user and in the audit log' }),
    ),
  },
  { additionalProperties: false },
);

/** Answer of `POST /admin/api/users/:id/revoke`. */
export const AdminRevokeResponseSchema = Type.Object(
  { revoked: Type.Integer({ description: 'sessions that were live (and are now revoked)' }) },
  { additionalProperties: false },
);

// TypeBox types an open object as `{}`: Unsafe keeps the same JSON schema with its real type.
const OutcomeCountsSchema = Type.Unsafe<Record<string, number>>(
  Type.Object(
    {},
    {
      additionalProperties: Type.Integer(),
      description: 'count per outcome (`success` or an error code); absent outcomes did not occur',
    },
  ),
);

/** The windows the admin chart offers. */
export const STATS_WINDOWS = ['1h', '24h'] as const;

/** Query of `GET /admin/api/stats`. */
export const AdminStatsQuerySchema = Type.Object(
  {
    window: Type.Enum(STATS_WINDOWS, { default: '1h' }),
    appid: Type.Optional(
      Type.String({ minLength: 1, maxLength: APPID_MAX, description: 'one app only (default: all)' }),
    ),
  },
  { additionalProperties: false },
);

// TypeBox types an open object as `{}`: Unsafe keeps the same JSON schema with its real type.
const ErrcodeCountsSchema = Type.Unsafe<Record<string, number>>(
  Type.Object(
    {},
    {
      additionalProperties: Type.Integer(),
      description:
        "count per non-zero errcode that jscode2session answered (`other` for one outside WeChat's table; below -1000 no WeChat answer)",
    },
  ),
);

/** One minute of the chart. */
export const LoginStatsPointSchema = Type.Object(
  {
    minute: DateTime('start of the minute'),
    total: Type.Integer(),
    counts: OutcomeCountsSchema,
    wechatErrcodes: ErrcodeCountsSchema,
  },
  { additionalProperties: false },
);

/** `GET /admin/api/stats`: login outcomes of the window, summed over every instance. */
export const AdminStatsSchema = Type.Object(
  {
    window: Type.Enum(STATS_WINDOWS),
    appid: Nullable(Type.String()),
    from: DateTime('start of the first minute'),
    to: DateTime('end of the current minute (exclusive)'),
    total: Type.Integer(),
    totals: OutcomeCountsSchema,
    wechatErrcodes: ErrcodeCountsSchema,
    series: Type.Array(LoginStatsPointSchema, { description: 'one point per minute, oldest first, no gaps' }),
  },
  { additionalProperties: false },
);

/** A window of the admin chart. */
export type StatsWindow = (typeof STATS_WINDOWS)[number];
/** Counts per outcome (`success` or an error code); outcomes that did not occur are absent. */
export type OutcomeCounts = Static<typeof OutcomeCountsSchema>;
/** One minute of the chart. */
export type LoginStatsPoint = Static<typeof LoginStatsPointSchema>;
/** Login outcomes of a window, summed over every instance: totals and a per-minute series without gaps. */
export type LoginStatsReport = Static<typeof AdminStatsSchema>;

/** What is known of an app's WeChat access_token: never the token. */
export const AccessTokenStateSchema = Type.Object(
  {
    cached: Type.Boolean({ description: 'a token is cached (in Redis for every instance, or in this process)' }),
    fetchedAt: Nullable(DateTime('when the cached token was fetched')),
    expiresAt: Nullable(DateTime('when WeChat expires the cached token (it is replaced up to 5 min before)')),
    forcedToday: Nullable(
      Type.Integer({ description: 'forced refreshes spent this Beijing day; null when the cache cannot be read' }),
    ),
    forcedBudget: Type.Integer({ description: 'forced refreshes allowed per Beijing day' }),
    shared: Type.Boolean({ description: 'kept in Redis for every instance (else per process)' }),
  },
  { additionalProperties: false },
);

/** What is known of an app's WeChat access_token. */
export type AdminAccessTokenState = Static<typeof AccessTokenStateSchema>;

/** A configured mini program, as the admin API shows it: never its secret. */
export const AdminAppSchema = Type.Object(
  {
    appid: Type.String(),
    // null when the service was given a WeChat client of its own that cannot tell.
    accessToken: Nullable(AccessTokenStateSchema),
  },
  { additionalProperties: false },
);

/** A configured mini program, as the admin API shows it. */
export type AdminApp = Static<typeof AdminAppSchema>;

/** `GET /admin/api/apps`: appids only, never a secret. */
export const AdminAppPageSchema = pageOf(AdminAppSchema);

/** Query of `GET /admin/api/audit`. */
export const AdminAuditQuerySchema = Type.Object(
  {
    cursor: Type.Optional(CursorSchema),
    limit: Type.Optional(LimitSchema),
    userId: Type.Optional(
      Type.String({ maxLength: CURSOR_MAX, pattern: '^[0-9a-f-]+$', description: 'events of one user only' }),
    ),
    action: Type.Optional(
      Type.String({
        maxLength: AUDIT_ACTION_MAX,
        pattern: '^[a-z_.]+$',
        description: 'events of one action only, e.g. user.disabled',
      }),
    ),
  },
  { additionalProperties: false },
);

/** An audit event; `detail` is its JSON detail. */
export const AdminAuditEventSchema = Type.Object(
  {
    id: Type.String(),
    at: DateTime(),
    actor: Type.String({ description: 'admin, system or user:<id>' }),
    action: Type.String({ description: 'e.g. user.deleted, user.disabled, refresh.reuse_detected' }),
    appid: Nullable(Type.String()),
    userId: Nullable(Type.String()),
    // Any JSON object: TypeBox types an open object as `{}`, so the static type is stated here.
    detail: Nullable(
      Type.Unsafe<Record<string, unknown>>(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description: "JSON detail: never a secret; a deleted user's openid hashed, phone numbers as last 4 digits",
          },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

/** An audit event (never a secret: a deleted user's openid hashed, phones as last 4 digits). */
export type AdminAuditEvent = Static<typeof AdminAuditEventSchema>;

/** `GET /admin/api/audit`. */
export const AdminAuditPageSchema = pageOf(AdminAuditEventSchema);

/** Query of `GET /admin/api/overview`. */
export const AdminOverviewQuerySchema = Type.Object(
  { window: Type.Enum(STATS_WINDOWS, { default: '1h' }) },
  { additionalProperties: false },
);

/** One WeChat API's calls over the window, summed over every instance. */
export const WeChatApiStatsSchema = Type.Object(
  {
    api: Type.String({ description: 'code2Session, getPhoneNumber, stableToken, checkSession, resetSessionKey' }),
    calls: Type.Integer(),
    errors: Type.Integer({ description: 'calls answered with a non-zero errcode, or with no answer' }),
    p50Ms: Nullable(Type.Number({ description: 'upper bound of the latency bucket of the median call' })),
    p95Ms: Nullable(Type.Number({ description: 'upper bound of the latency bucket of the 95th percentile' })),
  },
  { additionalProperties: false },
);

/** One WeChat API's calls over a window. */
export type WeChatApiStats = Static<typeof WeChatApiStatsSchema>;

/** Phone codes redeemed over the window and what they cost. */
export const PhoneSpendSchema = Type.Object(
  {
    redeemed: Type.Integer({ description: 'codes WeChat answered with a number: the billable ones' }),
    failed: Type.Integer(),
    costYuan: Type.Object(
      {
        quick: Type.Number({ description: 'redeemed × 0.03 元 (手机号快速验证)' }),
        realtime: Type.Number({ description: 'redeemed × 0.04 元 (手机号实时验证)' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Phone codes redeemed over a window and their cost. */
export type PhoneSpend = Static<typeof PhoneSpendSchema>;

/** `GET /admin/api/overview`: what the console's overview shows besides the login chart. */
export const AdminOverviewSchema = Type.Object(
  {
    window: Type.Enum(STATS_WINDOWS),
    from: DateTime('start of the first minute'),
    to: DateTime('end of the current minute (exclusive)'),
    health: ReadinessSchema,
    wechatApis: Type.Array(WeChatApiStatsSchema, { description: 'APIs called in the window, summed over instances' }),
    phone: PhoneSpendSchema,
    refreshReuse: Type.Object(
      {
        detected: Type.Integer({ description: 'refresh tokens replayed after rotation in the window' }),
        recent: Type.Array(AdminAuditEventSchema, { description: 'the latest ones, newest first, at most 10' }),
      },
      { additionalProperties: false },
    ),
    apps: Type.Array(AdminAppSchema),
  },
  { additionalProperties: false },
);

/** The console's overview. */
export type AdminOverview = Static<typeof AdminOverviewSchema>;
