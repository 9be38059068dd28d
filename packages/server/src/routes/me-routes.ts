import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { User } from '../auth/user-view.js';
import type { Auth } from '../auth/types.js';
import { bearerToken } from './bearer-token.js';
import { errorResponses, PatchMeBodySchema, UserSchema } from './schemas.js';

/** `GET /v1/me`, `PATCH /v1/me` and `POST /v1/me/profile` (bearer). */
export const meRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  const security = [{ bearer: [] }];

  app.get('/v1/me', { schema: { tags: ['me'], security, response: { 200: UserSchema, ...errorResponses } } }, async (request, reply) => {
    const claims = await auth.verifyAccessToken(bearerToken(request));
    reply.header('cache-control', 'no-store');
    return auth.me(claims);
  });

  // wx.request has no PATCH (its methods: OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT), so a mini program
  // cannot reach `PATCH /v1/me`: `POST /v1/me/profile` is the same operation under a method it has.
  const updateProfile = {
    bodyLimit: 16 * 1024,
    schema: { tags: ['me'], security, body: PatchMeBodySchema, response: { 200: UserSchema, ...errorResponses } },
  };
  const updateHandler = async (
    request: FastifyRequest<{ Body: Static<typeof PatchMeBodySchema> }>,
    reply: FastifyReply,
  ): Promise<User> => {
    const claims = await auth.verifyAccessToken(bearerToken(request));
    reply.header('cache-control', 'no-store');
    return auth.updateMe(claims, request.body);
  };
  app.patch('/v1/me', updateProfile, updateHandler);
  app.post(
    '/v1/me/profile',
    {
      ...updateProfile,
      schema: {
        ...updateProfile.schema,
        description: 'The same as `PATCH /v1/me`, for `wx.request`, which has no PATCH. The mini program SDK uses it.',
      },
    },
    updateHandler,
  );
};
