import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { AppError } from '../errors/app-error.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.js';
import { toAppError } from '../errors/to-app-error.js';
import { cutByServer } from '../http/client-error.js';
import type { ErrorEnvelopeSchema } from '../schemas/error-envelope.js';

/** Code of the generic 500 answer (an unexpected error: a bug, never bad input). */
export const INTERNAL_ERROR_CODE = 'INTERNAL_ERROR' satisfies ErrorCode;

/** The error envelope: `{ error: { code, message, wechat? } }` (its schema is the definition). */
export type ErrorEnvelope = Static<typeof ErrorEnvelopeSchema>;

/** Maps Fastify's own errors (schema, body parsing, content type, size) to catalogue errors. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  if (error.validation) return new AppError('VALIDATION_FAILED', `${error.message}.`);
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_FAILED', 'The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  const status = error.statusCode ?? 500;
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (status === 429) return new AppError('RATE_LIMITED');
  // Other 4xx from Fastify are malformed requests (bad content-length, JSON syntax seen by another parser…).
  if (status >= 400 && status < 500) return new AppError('VALIDATION_FAILED', 'The request is malformed.');
  return undefined;
}

/**
 * THE error handler: renders every failure as the error envelope with the catalogue's status, `Retry-After` when
 * known, and for anything unexpected a 500 with a generic message (logged with its stack, never answered with it).
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isBrokenRequestStream(error, request)) return answerBrokenRequest(request, reply);
  const appError = toAppError(error) ?? fromFastifyError(error as FastifyError);
  // A bug stays a bug in the log whether it was thrown bare or as `internalError(…)`: with its stack, at error level.
  if (!appError || appError.code === INTERNAL_ERROR_CODE) {
    request.log.error({ err: appError?.cause ?? error }, 'unexpected error');
    const envelope: ErrorEnvelope = {
      error: { code: INTERNAL_ERROR_CODE, message: ERROR_CATALOGUE.INTERNAL_ERROR.message },
    };
    return reply.code(500).send(envelope);
  }
  // Expected failures (WeChat down, misconfigured app) are logged without a stack; the cause is secret-free JSON.
  if (appError.status >= 500) {
    request.log.warn(
      { errorCode: appError.code, wechat: appError.wechat, cause: appError.cause },
      `request failed: ${appError.code}`,
    );
  } else {
    request.log.debug({ errorCode: appError.code }, `request refused: ${appError.code}`);
  }
  if (appError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(Math.ceil(appError.retryAfterSeconds)));
  const envelope: ErrorEnvelope = {
    error: { code: appError.code, message: appError.message, ...(appError.wechat ? { wechat: appError.wechat } : {}) },
  };
  return reply.code(appError.status).send(envelope);
}

/**
 * True when `error` is the request's own body stream breaking because its connection closed before the body was
 * complete. Node reports that as `ECONNRESET` "aborted" — the code a database connection that drops also has, so
 * it must be told apart before {@link toAppError} mistakes a client for an outage.
 */
function isBrokenRequestStream(error: unknown, request: FastifyRequest): boolean {
  return error instanceof Error && request.raw.errored === error;
}

// The client is gone (or was cut by the server for being too slow): logged as what happened, at info, with no
// warn-level "request failed" line that would page someone about a dependency.
function answerBrokenRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const cutWith = cutByServer(request.raw.socket);
  if (cutWith === undefined)
    request.log.info({ clientAborted: true }, 'client aborted the request before its body was complete');
  else request.log.debug({ errorCode: cutWith }, `request body cut off by the server: ${cutWith}`);
  // Nobody reads this answer; it ends Fastify's request lifecycle in the envelope like every other.
  const appError = new AppError(
    cutWith ?? 'VALIDATION_FAILED',
    cutWith === undefined ? 'The request body did not arrive.' : undefined,
  );
  const envelope: ErrorEnvelope = { error: { code: appError.code, message: appError.message } };
  return reply.code(appError.status).send(envelope);
}

/** The not-found handler: `404 NOT_FOUND` in the same envelope. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return handleError(new AppError('NOT_FOUND'), request, reply);
}
