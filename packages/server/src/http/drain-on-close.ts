import { ERROR_CATALOGUE } from '../errors/catalogue.js';
import type { FastifyInstance } from 'fastify';
import type { ErrorEnvelope } from '../routes/error-handler.js';

/** `Retry-After` of a request refused while draining: another instance, or this one restarted, answers soon. */
const SHUTTING_DOWN_RETRY_AFTER_S = 1;

/**
 * Makes `app.close()` finish once the requests in flight are answered, and answers the requests that arrive
 * meanwhile with `503 SHUTTING_DOWN` in the error envelope. Register it first, before any route or plugin, and
 * create the app with `return503OnClosing: false` (Fastify's own 503 is outside the envelope).
 *
 * Fastify stops accepting connections when closing starts, but a keep-alive connection whose request was in flight
 * stays open after its answer (idle connections are reaped only when closing starts), holding the process until the
 * client drops it — a minute and more behind a load balancer. From the moment closing starts, every answer says
 * `Connection: close`, so Node ends each connection right after its last response.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  // A root hook added first runs before every other one: a refused request never reaches a rate limit, a store
  // or WeChat, and is not logged as a failure (a deploy is not an incident).
  // Callback hooks, not async ones: every request and every answer passes both, and an async hook costs a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!draining) {
      done();
      return;
    }
    request.log.debug({ errorCode: 'SHUTTING_DOWN' }, 'request refused: SHUTTING_DOWN');
    const envelope: ErrorEnvelope = {
      error: { code: 'SHUTTING_DOWN', message: ERROR_CATALOGUE.SHUTTING_DOWN.message },
    };
    reply
      .code(ERROR_CATALOGUE.SHUTTING_DOWN.status)
      .header('retry-after', String(SHUTTING_DOWN_RETRY_AFTER_S))
      .send(envelope);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (draining && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    done(null, payload);
  });
}
