import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Auth } from '../auth/types.js';
import { bearerToken } from './bearer-token.js';
import { errorResponses, PatchMeBodySchema, UserSchema } from './schemas.js';

/** `GET /v1/me`, `PATCH /v1/me` (bearer). */
export const meRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  const security = [{ bearer: [] }];

  app.get('/v1/me', { schema: { tags: ['me'], security, response: { 200: UserSchema, ...errorResponses } } }, async (request, reply) => {
    const claims = await auth.verifyAccessToken(bearerToken(request));
    reply.header('cache-control', 'no-store');
    return auth.me(claims);
  });

  app.patch(
    '/v1/me',
    {
      bodyLimit: 16 * 1024,
      schema: { tags: ['me'], security, body: PatchMeBodySchema, response: { 200: UserSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const claims = await auth.verifyAccessToken(bearerToken(request));
      reply.header('cache-control', 'no-store');
      return auth.updateMe(claims, request.body);
    },
  );
};
