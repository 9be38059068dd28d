import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Auth } from '../auth/types.js';
import { requireUser, userClaims } from './require-user.js';
import { errorResponses } from '../schemas/error-envelope.js';

/** `DELETE /v1/me` (bearer): account deletion. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  // wx.request sends `content-type: application/json` on every request, a DELETE without data too: here (this
  // plugin's own context) an empty body is no body rather than a 400; anything else is parsed as everywhere.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else json(request, body as string, done);
  });

  app.delete(
    '/v1/me',
    {
      bodyLimit: 1024,
      preHandler: requireUser(auth),
      schema: {
        tags: ['me'],
        operationId: 'deleteMe',
        summary: "Delete the user's account",
        security: [{ bearer: [] }],
        description:
          'Deletes the account: every session is revoked, the session_key and the user row are deleted, an audit event keeps the openid hashed. A later login of the same WeChat user creates a new user.',
        response: { 204: Type.Null({ description: 'account deleted' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await auth.deleteMe(userClaims(request));
      return reply.code(204).header('cache-control', 'no-store').send(null);
    },
  );
};
