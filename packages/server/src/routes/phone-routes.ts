import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Auth } from '../auth/types.js';
import { errorResponses } from '../schemas/error-envelope.js';
import { BindPhoneBodySchema, DecryptBodySchema, DecryptResponseSchema } from '../schemas/phone.js';
import { UserSchema } from '../schemas/user.js';
import { requireUser, userClaims } from './require-user.js';

/** `POST /v1/me/phone`, `POST /v1/me/decrypt` (bearer). Answers hold personal data: never cached. */
export const phoneRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  const security = [{ bearer: [] }];
  const preHandler = requireUser(auth);

  app.post(
    '/v1/me/phone',
    {
      bodyLimit: 16 * 1024,
      preHandler,
      schema: { tags: ['me'], security, body: BindPhoneBodySchema, response: { 200: UserSchema, ...errorResponses } },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return auth.bindPhone(userClaims(request), request.body);
    },
  );

  app.post(
    '/v1/me/decrypt',
    {
      bodyLimit: 64 * 1024,
      preHandler,
      schema: {
        tags: ['me'],
        security,
        body: DecryptBodySchema,
        response: { 200: DecryptResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return auth.decrypt(userClaims(request), request.body);
    },
  );
};
