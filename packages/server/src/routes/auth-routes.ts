import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { Auth } from '../auth/types.js';
import { AppError } from '../errors/app-error.js';
import { requireUser, userClaims } from './require-user.js';
import { errorResponses } from '../schemas/error-envelope.js';
import {
  LoginBodySchema,
  LoginResponseSchema,
  LogoutBodySchema,
  RefreshBodySchema,
  TokenResponseSchema,
} from '../schemas/tokens.js';

const BODY_LIMIT = 16 * 1024;

// A preHandler runs after validation: the body has the schema's shape.
type LogoutBody = Static<typeof LogoutBodySchema>;

/** `POST /v1/auth/login`, `/refresh`, `/logout`. */
export const authRoutes: FastifyPluginAsyncTypebox<{ auth: Auth }> = async (app, { auth }) => {
  app.post(
    '/v1/auth/login',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Log in with a wx.login() code',
        description:
          'Exchanges the code at WeChat (code2Session) once, finds or creates the user, and answers its tokens. The same code sent again with the same `loginNonce` within the replay window answers the same login.',
        body: LoginBodySchema,
        response: { 200: LoginResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { code, appid, loginNonce } = request.body;
      const userAgent = request.headers['user-agent'];
      const result = await auth.login({
        code,
        ...(appid === undefined ? {} : { appid }),
        ...(loginNonce === undefined ? {} : { loginNonce }),
        ip: request.ip,
        ...(userAgent === undefined ? {} : { userAgent }),
      });
      reply.header('cache-control', 'no-store');
      return result;
    },
  );

  app.post(
    '/v1/auth/refresh',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['auth'],
        operationId: 'refreshTokens',
        summary: 'Rotate the refresh token',
        description:
          'Answers a new access token and a new refresh token; the one sent is spent. Sending a spent one again (after the grace window) ends the session.',
        body: RefreshBodySchema,
        response: { 200: TokenResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await auth.refresh({ refreshToken: request.body.refreshToken });
      reply.header('cache-control', 'no-store');
      return result;
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      bodyLimit: BODY_LIMIT,
      preHandler: requireUser(auth, (request) => (request.body as LogoutBody).all === true),
      schema: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'End a session, or every session of the user',
        body: LogoutBodySchema,
        // `{ refreshToken }` needs no bearer; `{ all: true }` does.
        security: [{}, { bearer: [] }],
        response: {
          204: Type.Null({ description: 'session ended (also for unknown or already ended sessions)' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { refreshToken, all } = request.body;
      if (all === true) {
        await auth.logoutAll(userClaims(request));
      } else if (refreshToken !== undefined) {
        await auth.logout({ refreshToken });
      } else {
        throw new AppError('VALIDATION_FAILED', 'Send { refreshToken } or { all: true } with a bearer token.');
      }
      return reply.code(204).send(null);
    },
  );
};
