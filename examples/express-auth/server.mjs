// wxlogin's login service inside an Express 5 app: `createAuth` of @wxlogin/server gives the service as plain async
// functions (login, refresh, logout, me, bindPhone…); this file adds only the HTTP around them. The routes, the
// error envelope, the statuses and the configuration (WXLOGIN_* variables) are those of `wxlogin serve`.
//
//   WXLOGIN_APPS='wx…:APPSECRET' WXLOGIN_MASTER_KEY="$(openssl rand -base64 32)" node examples/express-auth/server.mjs
//
// Other variables as for `wxlogin serve` (docs/operations.md): WXLOGIN_DATABASE_URL (default sqlite:./wxlogin.db),
// WXLOGIN_WECHAT_BASE_URL (the simulator in development), WXLOGIN_HOST, WXLOGIN_PORT, WXLOGIN_TRUST_PROXY…
import express from 'express';
import { AppError, ConfigError, createAuth, loadConfig, toAppError } from '@wxlogin/server';

let config;
try {
  config = loadConfig({ env: process.env });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Every problem at once, and never a secret's value: the same refusal as `wxlogin serve`.
  console.error(`refusing to start:\n${error.message}`);
  process.exit(1);
}

// createAuth opens the store of WXLOGIN_DATABASE_URL (migrating it unless WXLOGIN_MIGRATE=off), loads the signing
// keys and builds the WeChat client; auth.close() closes what it opened. It logs through any pino-style logger
// ({ debug, info, warn, error }, fields first): pass your app's pino; this one keeps warnings and errors.
const logger = {
  debug() {},
  info() {},
  warn: (fields, msg) => console.warn('wxlogin:', msg, fields),
  error: (fields, msg) => console.error('wxlogin:', msg, fields),
};
const auth = await createAuth(config, { logger });
// As `wxlogin serve` does: say at every start when WeChat's API is not WeChat's (the simulator, a proxy).
const { wechat } = await auth.readiness();
if (wechat.warning !== undefined) console.warn(`wxlogin: ${wechat.warning}`);

const app = express();
// Same meaning as for the service: which proxies' X-Forwarded-For to believe, so req.ip (kept on the session) is the
// client's. Express takes the same forms: false, a hop count, or IPs/CIDRs.
app.set('trust proxy', config.trustProxy);
app.use(express.json({ limit: '16kb' }));
// Tokens and personal data must not be kept by a proxy or the mini program's HTTP cache.
app.use((_req, res, next) => {
  res.set('cache-control', 'no-store');
  next();
});

app.post('/v1/auth/login', async (req, res) => {
  const { code, appid, loginNonce } = jsonBody(req);
  // createAuth validates the fields itself (VALIDATION_FAILED); the ip and user agent label the session's device.
  res.json(await auth.login({ code, appid, loginNonce, ip: req.ip, userAgent: req.get('user-agent') }));
});

app.post('/v1/auth/refresh', async (req, res) => {
  res.json(await auth.refresh({ refreshToken: stringField(jsonBody(req), 'refreshToken') }));
});

app.post('/v1/auth/logout', async (req, res) => {
  const body = jsonBody(req);
  // Idempotent, like the service: an unknown or already ended refresh token is a 204 too.
  if (body.all === true) await auth.logoutAll(await auth.verifyAccessToken(bearer(req)));
  else if (typeof body.refreshToken === 'string') await auth.logout({ refreshToken: body.refreshToken });
  else throw new AppError('VALIDATION_FAILED', 'Send { refreshToken }, or { all: true } with a bearer token.');
  res.status(204).end();
});

// Checks the token's signature and expiry, and that its session is not revoked nor its user disabled (cached ≤ 5 s).
const signedIn = async (req, res, next) => {
  res.locals.claims = await auth.verifyAccessToken(bearer(req));
  next();
};

app.get('/v1/me', signedIn, async (_req, res) => {
  res.json(await auth.me(res.locals.claims));
});

app.post('/v1/me/phone', signedIn, async (req, res) => {
  // { code } of the getPhoneNumber button, or the legacy { encryptedData, iv }; bindPhone checks it is exactly one.
  const { code, encryptedData, iv } = jsonBody(req);
  res.json(await auth.bindPhone(res.locals.claims, { code, encryptedData, iv }));
});

// So that other services can verify the access tokens (examples/verify-with-jwks.mjs).
app.get('/.well-known/jwks.json', async (_req, res) => {
  res.set('cache-control', 'public, max-age=300').json(await auth.jwks());
});

app.use(() => {
  throw new AppError('NOT_FOUND');
});

// The one error handler: an AppError (what auth's functions throw, or toAppError made of a WeChat or database
// error) is answered with its catalogue status; anything else is a bug, logged with its stack and answered without.
app.use((error, _req, res, next) => {
  if (res.headersSent) return next(error);
  let appError = toAppError(error) ?? fromBodyParser(error);
  if (appError === undefined) {
    console.error('unexpected error:', error);
    appError = new AppError('INTERNAL_ERROR');
  } else if (appError.status >= 500) {
    // Secret-free: the cause is a WeChatError (errcode, redacted errmsg, rid) or a database error code.
    console.error(`request failed: ${appError.code}`, JSON.stringify({ cause: appError.cause }));
  }
  if (appError.retryAfterSeconds !== undefined) res.set('retry-after', String(Math.ceil(appError.retryAfterSeconds)));
  const { code, message, wechat } = appError;
  res.status(appError.status).json({ error: { code, message, ...(wechat ? { wechat } : {}) } });
});

/** express.json()'s own refusals, as the service names them. */
function fromBodyParser(error) {
  if (error?.type === 'entity.parse.failed') return new AppError('VALIDATION_FAILED', 'The body is not valid JSON.');
  if (error?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE');
  if (error?.status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
  if (error?.status >= 400 && error?.status < 500) {
    return new AppError('VALIDATION_FAILED', 'The request is malformed.');
  }
  return undefined;
}

function jsonBody(req) {
  // The service speaks JSON only: another content type is 415, not a body that silently lacks every field.
  if (req.is('application/json') === false) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', 'The body must be a JSON object.');
  }
  return body;
}

function stringField(body, name) {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new AppError('VALIDATION_FAILED', `${name} must be a non-empty string.`);
  }
  return value;
}

function bearer(req) {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(req.get('authorization')?.trim() ?? '');
  if (!match) throw new AppError('UNAUTHORIZED', 'Missing or malformed bearer token.');
  return match[1];
}

const server = app.listen(config.port, config.host, (error) => {
  if (error) throw error;
  const { address, port } = server.address();
  console.log(`express-auth example listening at http://${address.includes(':') ? `[${address}]` : address}:${port}`);
});

// On a deploy: stop accepting, let requests in flight finish, then close the store and the WeChat client (auth also
// flushes its login counters). A stuck request must not block the deploy forever.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close(() =>
      auth.close().then(
        () => console.log('stopped'),
        (error) => {
          console.error('error while stopping:', error);
          process.exitCode = 1;
        },
      ),
    );
  });
}
