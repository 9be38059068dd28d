import { createHash, timingSafeEqual } from 'node:crypto';
// `schema.hide` is @fastify/swagger's augmentation of FastifySchema.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { AppError } from '../errors/app-error.js';
import { bearerCredential } from '../http/bearer-token.js';
import { handleError } from '../routes/error-handler.js';

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  /** What `GET /metrics` renders (see `createPrometheusMetrics`). */
  registry: Registry;
  /** `WXLOGIN_METRICS_TOKEN`: when set, `Authorization: Bearer <token>` is required; otherwise `/metrics` is open. */
  token?: string | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

// Comparing digests keeps the comparison constant-time whatever the presented length.
function presentsToken(request: FastifyRequest, expected: Buffer): boolean {
  // An operator's secret, as the admin token: the one bearer parser, in its `secret` form.
  const token = bearerCredential(request.headers.authorization, 'secret');
  return token !== undefined && timingSafeEqual(digest(token), expected);
}

/**
 * `GET /metrics` in Prometheus text format, hidden from the OpenAPI document. Logged at `warn` only: a scrape every
 * few seconds is not news.
 */
export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, options) => {
  const { registry } = options;
  const expected = options.token === undefined ? undefined : digest(options.token);

  app.get('/metrics', { logLevel: 'warn', schema: { hide: true } }, async (request, reply) => {
    if (expected !== undefined && !presentsToken(request, expected)) {
      reply.header('www-authenticate', 'Bearer');
      return handleError(new AppError('UNAUTHORIZED', 'Missing or invalid metrics token.'), request, reply);
    }
    const text = await registry.metrics();
    return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
  });
};
