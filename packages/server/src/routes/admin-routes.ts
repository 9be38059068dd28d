import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AdminAppPageSchema,
  AdminAuditPageSchema,
  AdminAuditQuerySchema,
  AdminDisableBodySchema,
  AdminOverviewQuerySchema,
  AdminOverviewSchema,
  AdminSessionParamsSchema,
  AdminRevokeResponseSchema,
  AdminStatsQuerySchema,
  AdminStatsSchema,
  AdminUserDetailSchema,
  AdminUserPageSchema,
  AdminUserParamsSchema,
  AdminUserSchema,
  AdminUsersQuerySchema,
} from '../schemas/admin.js';
import type { AdminApi } from '../admin/types.js';
import { AppError } from '../errors/app-error.js';
import { bearerCredential } from '../http/bearer-token.js';
import { errorResponses } from '../schemas/error-envelope.js';

const BODY_LIMIT = 4 * 1024;

/**
 * The admin JSON API under `/admin/api` (register it only when the admin token is configured: without it these
 * routes do not exist, so they answer 404). Every route needs `Authorization: Bearer <WXLOGIN_ADMIN_TOKEN>`.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<{ admin: AdminApi }> = async (app, { admin }) => {
  const tags = ['admin'];
  // Not a user's access token: the admin token's own scheme (declared by the OpenAPI document).
  const security = [{ adminToken: [] }];

  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    // The operator's token, not a user's: any visible characters are allowed in it.
    admin.verifyToken(bearerCredential(request.headers.authorization, 'secret'));
  });
  // The mutations take no body (disable's is optional): an absent one is an empty object, not a schema failure.
  app.addHook('preValidation', async (request) => {
    if (request.method !== 'GET' && (request.body === undefined || request.body === null)) request.body = {};
  });

  const limitOf = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
  const params = AdminUserParamsSchema;

  app.get(
    '/admin/api/users',
    {
      schema: {
        tags,
        operationId: 'adminListUsers',
        summary: 'Find users: by exact id, openid, unionid or phone, or page through all',
        security,
        querystring: AdminUsersQuerySchema,
        response: { 200: AdminUserPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { q, cursor, limit } = request.query;
      return admin.listUsers({
        ...(q === undefined ? {} : { q }),
        ...(cursor === undefined ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit: limitOf(limit)! }),
      });
    },
  );

  app.get(
    '/admin/api/users/:id',
    {
      schema: {
        tags,
        operationId: 'adminGetUser',
        summary: 'One user with its sessions',
        security,
        params,
        response: { 200: AdminUserDetailSchema, ...errorResponses },
      },
    },
    async (request) => admin.getUser(request.params.id),
  );

  app.post(
    '/admin/api/users/:id/revoke',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminRevokeSessions',
        summary: 'Revoke every session of a user',
        security,
        params,
        response: { 200: AdminRevokeResponseSchema, ...errorResponses },
      },
    },
    async (request) => admin.revokeSessions(request.params.id),
  );

  app.post(
    '/admin/api/users/:id/sessions/:sessionId/revoke',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminRevokeSession',
        summary: 'Revoke one session of a user (a lost or stolen device)',
        security,
        params: AdminSessionParamsSchema,
        response: { 200: AdminRevokeResponseSchema, ...errorResponses },
      },
    },
    async (request) => admin.revokeSession(request.params.id, request.params.sessionId),
  );

  app.post(
    '/admin/api/users/:id/disable',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminDisableUser',
        summary: 'Disable a user (and revoke its sessions)',
        security,
        params,
        body: AdminDisableBodySchema,
        response: { 200: AdminUserSchema, ...errorResponses },
      },
    },
    async (request) => admin.disableUser(request.params.id, request.body.reason ?? null),
  );

  app.post(
    '/admin/api/users/:id/enable',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminEnableUser',
        summary: 'Enable a disabled user',
        security,
        params,
        response: { 200: AdminUserSchema, ...errorResponses },
      },
    },
    async (request) => admin.enableUser(request.params.id),
  );

  app.post(
    '/admin/api/users/:id/phone/unbind',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminUnbindPhone',
        summary: "Remove a user's phone number",
        security,
        params,
        response: { 200: AdminUserSchema, ...errorResponses },
      },
    },
    async (request) => admin.unbindPhone(request.params.id),
  );

  app.delete(
    '/admin/api/users/:id',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        operationId: 'adminDeleteUser',
        summary: "Delete a user's account",
        security,
        params,
        response: { 204: Type.Null({ description: 'account deleted' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await admin.deleteUser(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/api/stats',
    {
      schema: {
        tags,
        operationId: 'adminGetStats',
        summary: 'Login counts by outcome, and jscode2session errcodes, per minute over a window',
        security,
        querystring: AdminStatsQuerySchema,
        response: { 200: AdminStatsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { window, appid } = request.query;
      return admin.stats({ window, ...(appid === undefined ? {} : { appid }) });
    },
  );

  app.get(
    '/admin/api/overview',
    {
      schema: {
        tags,
        operationId: 'adminGetOverview',
        summary: 'Health, WeChat API calls and latency, phone spend, refresh-reuse alarms and token state',
        security,
        querystring: AdminOverviewQuerySchema,
        response: { 200: AdminOverviewSchema, ...errorResponses },
      },
    },
    async (request) => admin.overview({ window: request.query.window }),
  );

  app.get(
    '/admin/api/apps',
    {
      schema: {
        tags,
        operationId: 'adminListApps',
        summary: 'The configured mini programs and their access-token state (never a secret)',
        security,
        response: { 200: AdminAppPageSchema, ...errorResponses },
      },
    },
    async () => admin.apps(),
  );

  // Any other path or method under /admin/api: the token hook above answers first (401), then 404, so without the
  // token every path looks the same.
  const unknownAdminPath = async (): Promise<never> => {
    throw new AppError('NOT_FOUND');
  };
  app.all('/admin/api', { schema: { hide: true } }, unknownAdminPath);
  app.all('/admin/api/*', { schema: { hide: true } }, unknownAdminPath);

  app.get(
    '/admin/api/audit',
    {
      schema: {
        tags,
        operationId: 'adminListAudit',
        summary: 'The audit log, newest first, of one user or one action if asked',
        security,
        querystring: AdminAuditQuerySchema,
        response: { 200: AdminAuditPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cursor, limit, userId, action } = request.query;
      return admin.audit({
        ...(cursor === undefined ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit: limitOf(limit)! }),
        ...(userId === undefined ? {} : { userId }),
        ...(action === undefined ? {} : { action }),
      });
    },
  );
};
