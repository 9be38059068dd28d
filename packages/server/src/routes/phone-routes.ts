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
      schema: {
        tags: ['me'],
        operationId: 'bindPhone',
        summary: 'Bind a phone number to the user',
        description:
          'From the code of the getPhoneNumber button, or the legacy `{ encryptedData, iv }`; stored in E.164 form.',
        security,
        body: BindPhoneBodySchema,
        response: { 200: UserSchema, ...errorResponses },
      },
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
        operationId: 'decryptData',
        summary: "Open WeChat's encryptedData with the session_key kept on the server",
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
