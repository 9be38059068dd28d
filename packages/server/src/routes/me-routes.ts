import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Auth } from '../auth/types.js';
import { requireUser, userClaims } from './require-user.js';
import { errorResponses } from '../schemas/error-envelope.js';
import { PatchMeBodySchema, UserSchema, type User } from '../schemas/user.js';

type UpdateProfile = { Body: Static<typeof PatchMeBodySchema> };

/** `GET /v1/me`, `PATCH /v1/me` and `POST /v1/me/profile` (bearer). */
export const meRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  const security = [{ bearer: [] }];
  const preHandler = requireUser(auth);

  app.get(
    '/v1/me',
    {
      preHandler,
      schema: {
        tags: ['me'],
        operationId: 'getMe',
        summary: 'Read the signed-in user',
        security,
        response: { 200: UserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return auth.me(userClaims(request));
    },
  );

  // wx.request has no PATCH (its methods: OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT), so a mini program
  // cannot reach `PATCH /v1/me`: `POST /v1/me/profile` is the same operation under a method it has.
  const updateProfile = {
    bodyLimit: 16 * 1024,
    preHandler,
    schema: { tags: ['me'], security, body: PatchMeBodySchema, response: { 200: UserSchema, ...errorResponses } },
  };
  const updateHandler = async (request: FastifyRequest<UpdateProfile>, reply: FastifyReply): Promise<User> => {
    reply.header('cache-control', 'no-store');
    return auth.updateMe(userClaims(request), request.body);
  };
  // The route type is spelled out: Fastify would infer it from the preHandler (any request) rather than from this
  // handler shared by two routes.
  app.patch<UpdateProfile>(
    '/v1/me',
    {
      ...updateProfile,
      schema: { ...updateProfile.schema, operationId: 'updateMe', summary: "Change the user's nickname or avatar" },
    },
    updateHandler,
  );
  app.post<UpdateProfile>(
    '/v1/me/profile',
    {
      ...updateProfile,
      schema: {
        ...updateProfile.schema,
        operationId: 'updateMeByPost',
        summary: "Change the user's nickname or avatar (POST, for wx.request)",
        description: 'The same as `PATCH /v1/me`, for `wx.request`, which has no PATCH. The mini program SDK uses it.',
      },
    },
    updateHandler,
  );
};
