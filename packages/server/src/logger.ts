/** Log method: a structured object first, then a message (pino's calling convention). */
export type LogMethod = (obj: object, msg?: string) => void;

/**
 * What the service logs through; a pino logger (and so Fastify's `app.log`) fits. Nothing logged may hold a
 * secret or token: pass ids, appids, codes of errors, never request bodies.
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop: LogMethod = () => {};

/** Discards everything (the default of `createAuth` used as a library without a logger). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Redaction paths for pino: headers and body fields that carry credentials. Request bodies are never logged; these
 * catch a careless `log.info({ req })` or `{ body }` too.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-admin-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'body',
  'req.body',
  '*.accessToken',
  '*.refreshToken',
  'body.code',
  'req.body.code',
  '*.loginNonce',
  '*.sessionKey',
  '*.session_key',
  '*.secret',
  '*.masterKey',
  '*.encryptedData',
  '*.iv',
];
