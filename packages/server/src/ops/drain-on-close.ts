import type { FastifyInstance } from 'fastify';

/**
 * Makes `app.close()` finish once the requests in flight are answered. Fastify stops accepting connections and
 * answers new requests with 503, but a keep-alive connection whose request was in flight when closing began stays
 * open after its answer (idle connections are reaped only when closing starts), holding the process until the
 * client drops it — a minute and more behind a load balancer. From the moment closing starts, every answer says
 * `Connection: close`, so Node ends each connection right after its last response.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (request, reply) => {
    if (draining && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
  });
}
