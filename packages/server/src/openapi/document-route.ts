import { STATUS_CODES } from 'node:http';
import type { FastifySchema } from 'fastify';
import { ErrorEnvelopeSchema } from '../schemas/error-envelope.js';

/** `$id` under which the error envelope is shared: `#/components/schemas/ErrorEnvelope` in the document. */
export const ERROR_ENVELOPE_ID = 'ErrorEnvelope';

/** Name of the bearer (access token) security scheme. */
export const BEARER_SCHEME = 'bearer';

/** Name of the admin-token security scheme (`WXLOGIN_ADMIN_TOKEN`, also sent as a bearer token). */
export const ADMIN_SCHEME = 'adminToken';

type RouteSchema = FastifySchema & {
  hide?: boolean;
  tags?: string[];
  security?: Record<string, string[]>[];
};

const envelopeRef = { $ref: `${ERROR_ENVELOPE_ID}#` };
const envelopeJson = JSON.stringify(ErrorEnvelopeSchema);

// Routes build their error answers from `errorResponses` (same object) or a copy of the envelope (same JSON).
const isErrorEnvelope = (schema: unknown): boolean =>
  schema === ErrorEnvelopeSchema ||
  (typeof schema === 'object' && schema !== null && JSON.stringify(schema) === envelopeJson);

// A route registered without tags still lands in a sensible group of the UI.
function defaultTag(url: string): string {
  if (url.startsWith('/v1/auth/')) return 'auth';
  if (url === '/v1/me' || url.startsWith('/v1/me/')) return 'me';
  if (url.startsWith('/admin/')) return 'admin';
  if (url.startsWith('/.well-known/')) return 'keys';
  return 'service';
}

// A response's description is required by OpenAPI; without one the generator writes "Default Response".
function withDescription(status: string, answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null || 'description' in answer || '$ref' in answer) return answer;
  return { ...answer, description: STATUS_CODES[status] ?? (status.startsWith('2') ? 'Success' : 'Failure') };
}

/**
 * `@fastify/swagger`'s per-route transform: it changes the document only, never the route's validation or
 * serialisation. Every error answer becomes a reference to the one `ErrorEnvelope` schema; an operation that
 * declares no `4xx`/`5xx` gets them anyway (THE error handler answers every route with the envelope); `/v1/me*`
 * carries the bearer scheme and `/admin/api/*` the admin-token scheme; an untagged route gets a tag from its path.
 */
export function documentRoute({ schema, url }: { schema: FastifySchema; url: string }): {
  schema: FastifySchema;
  url: string;
} {
  const route = (schema ?? {}) as RouteSchema;
  if (route.hide === true) return { schema, url };

  const declared = (route.response ?? {}) as Record<string, unknown>;
  const response: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(declared)) {
    response[status] = isErrorEnvelope(answer) ? envelopeRef : withDescription(status, answer);
  }
  const has = (range: '4' | '5') => Object.keys(response).some((status) => status.toLowerCase() === `${range}xx`);
  if (!has('4')) response['4xx'] = envelopeRef;
  if (!has('5')) response['5xx'] = envelopeRef;

  const isMe = url === '/v1/me' || url.startsWith('/v1/me/');
  const isAdminApi = url === '/admin/api' || url.startsWith('/admin/api/');
  // The admin API takes the admin token, not a user's access token: its own scheme, so the UI asks for each apart.
  const security = isAdminApi
    ? [{ [ADMIN_SCHEME]: [] }]
    : isMe && route.security === undefined
      ? [{ [BEARER_SCHEME]: [] }]
      : route.security;
  const documented: RouteSchema = {
    ...route,
    response,
    tags: route.tags && route.tags.length > 0 ? route.tags : [defaultTag(url)],
    ...(security === undefined ? {} : { security }),
  };
  return { schema: documented, url };
}
