import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ERROR_CATALOGUE } from '../errors/catalogue.js';
import { Type } from 'typebox';
import type { Auth } from '../auth/types.js';
import { errorResponses } from '../schemas/error-envelope.js';
import { JwksSchema } from '../schemas/jwks.js';
import { ReadyzResponseSchema } from '../schemas/readiness.js';

/** `GET /.well-known/jwks.json`, `/healthz`, `/readyz`. */
export const publicRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['keys'],
        operationId: 'getJwks',
        summary: 'The public keys that verify access tokens',
        response: { 200: JwksSchema, ...errorResponses },
      },
    },
    async (_request, reply) => {
      // Short: verifiers re-fetch on an unknown kid anyway, and a rotation should show quickly.
      reply.header('cache-control', 'public, max-age=60');
      return auth.jwks();
    },
  );

  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  // Fails only when the database is unreachable: WeChat and Redis state are reported, never a reason to drain.
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Readiness: fails only when the database is unreachable',
        description: 'Also reports the state of Redis and of WeChat, which never make it fail.',
        response: { 200: ReadyzResponseSchema, 503: ReadyzResponseSchema },
      },
    },
    async (_request, reply) => {
      const { ok, database, redis, wechat } = await auth.readiness();
      reply.header('cache-control', 'no-store');
      if (ok) return { status: 'ok' as const, database, redis, wechat };
      const { status, message } = ERROR_CATALOGUE.DEPENDENCY_UNAVAILABLE;
      return reply.code(status).send({
        status: 'unavailable' as const,
        database,
        redis,
        wechat,
        error: { code: 'DEPENDENCY_UNAVAILABLE', message },
      });
    },
  );
};
