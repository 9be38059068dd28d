// The blog post's "mini program login with Express" done right, with @wxlogin/core alone: wx.login() → code →
// POST /login → code2Session at WeChat, with the AppSecret only in this server's environment, session_key kept on
// this server, explicit timeouts on every WeChat call and each failure answered as a typed error.
//
//   WECHAT_APPID=wx… WECHAT_SECRET=… PORT=3000 node examples/express-core/server.mjs
//
//   POST /login   { code }              → { token, openid }
//   POST /phone   { code }              → { phoneNumber, purePhoneNumber, countryCode }   (with the bearer token)
//   POST /decrypt { encryptedData, iv } → { data }                                       (with the bearer token)
//   any failure                         → { error: { code, message, wechat? } }, status from core's catalogue
import { randomBytes } from 'node:crypto';
import express from 'express';
import { DecryptError, ERROR_CATALOGUE, WeChatClient, WeChatError, decryptData } from '@wxlogin/core';

const { WECHAT_APPID: APPID, WECHAT_SECRET: SECRET } = process.env;
if (!APPID || !SECRET) {
  // The blog put the AppSecret in the mini program, where anyone who unpacks it can read it. It lives here instead.
  console.error('Set WECHAT_APPID and WECHAT_SECRET in the server environment.');
  process.exit(1);
}

// One client for the process: it keeps the connections to WeChat alive and caches the access token of /phone.
const wechat = new WeChatClient({
  apps: [{ appid: APPID, secret: SECRET }],
  baseUrl: process.env.WECHAT_BASE_URL || 'https://api.weixin.qq.com', // the simulator's URL in development and tests
  // The blog's `request` call had no timeout: when WeChat stalled, every login hung with it. 3 s is the whole
  // budget of one call, its retries of errcode -1 included; past it the user gets a 503 and can simply tap again.
  timeoutMs: 3000,
  timeouts: { connectMs: 1000, headersMs: 3000, bodyMs: 3000 },
});

// Opaque token → what WeChat told us about the user. In memory to keep the example short; a real app stores it in
// its database (session_key encrypted at rest), so sessions survive restarts and are shared by every instance.
const sessions = new Map();
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/** A refusal of our own, named by a code of core's catalogue so it gets the same status wxlogin would answer. */
class ApiError extends Error {
  constructor(code, message = ERROR_CATALOGUE[code].message) {
    super(message);
    this.code = code;
  }
}

const app = express();
app.use(express.json({ limit: '64kb' }));
// Tokens, phone numbers and decrypted data must not be kept by a proxy or the mini program's HTTP cache.
app.use((_req, res, next) => {
  res.set('cache-control', 'no-store');
  next();
});

app.post('/login', async (req, res) => {
  const code = stringField(req.body, 'code');
  const { openid, unionid, sessionKey } = await wechat.code2Session(APPID, code);
  const token = randomBytes(32).toString('base64url');
  sessions.set(token, { openid, unionid, sessionKey, expiresAt: Date.now() + SESSION_TTL_MS });
  // The blog answered session_key too. It is the key of the user's encrypted data: WeChat's rule is that it never
  // leaves the server. The mini program gets a token that means something to us only.
  res.json({ token, openid });
});

app.post('/phone', async (req, res) => {
  const session = sessionOf(req);
  const code = stringField(req.body, 'code');
  // With the session's openid, WeChat refuses a phone code that another user tapped.
  const phone = await wechat.getPhoneNumber(APPID, code, { openid: session.openid });
  res.json({ phoneNumber: phone.phoneNumber, purePhoneNumber: phone.purePhoneNumber, countryCode: phone.countryCode });
});

app.post('/decrypt', (req, res) => {
  const session = sessionOf(req);
  const data = decryptData({
    appid: APPID, // the watermark must name this mini program
    sessionKey: session.sessionKey,
    encryptedData: stringField(req.body, 'encryptedData', 60_000),
    iv: stringField(req.body, 'iv'),
    maxAgeSeconds: 24 * 3600, // an old payload sent again is a replay
  });
  res.json({ data });
});

app.use(() => {
  throw new ApiError('NOT_FOUND');
});

// One error handler, so every failure has the same shape and none shows a stack or a secret.
app.use((error, _req, res, next) => {
  if (res.headersSent) return next(error);
  const { status, code, message, wechat: detail, retryAfterSeconds } = describeError(error);
  if (retryAfterSeconds !== undefined) res.set('retry-after', String(Math.ceil(retryAfterSeconds)));
  res.status(status).json({ error: { code, message, ...(detail ? { wechat: detail } : {}) } });
});

/** What to answer for a failure: the catalogue's status and code, a message safe for the client. */
function describeError(error) {
  if (error instanceof ApiError) {
    return { status: ERROR_CATALOGUE[error.code].status, code: error.code, message: error.message };
  }
  if (error instanceof WeChatError) {
    // core has classified the errcode: `kind` is what happened (invalid_code, code_used, rate_limited, blocked,
    // config, unavailable…), `code`/`status` how to answer. Its JSON form is secret-free and keeps WeChat's rid.
    if (error.kind === 'config') console.error('ALERT: WeChat refuses our appid, secret or IP:', JSON.stringify(error));
    else if (error.retryable) console.error('WeChat unavailable:', JSON.stringify(error));
    else if (error.status >= 500) console.error('WeChat error:', JSON.stringify(error));
    return {
      status: error.status,
      code: error.code,
      message: ERROR_CATALOGUE[error.code].message,
      // Errcodes below -1000 (timeout, network…) are core's, not WeChat's: there is no rid to quote then.
      wechat: error.errcode >= -1 ? { errcode: error.errcode, rid: error.rid } : undefined,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof DecryptError) {
    // DECRYPT_FAILED: malformed or another app's data (400). WECHAT_SESSION_STALE: the device has a newer session_key
    // than the one stored here (409): call wx.login(), POST /login, then fetch the data again.
    return { status: ERROR_CATALOGUE[error.code].status, code: error.code, message: error.message };
  }
  // express.json()'s own refusals.
  if (error?.type === 'entity.parse.failed') {
    return describeError(new ApiError('VALIDATION_FAILED', 'The body is not valid JSON.'));
  }
  if (error?.type === 'entity.too.large') return describeError(new ApiError('PAYLOAD_TOO_LARGE'));
  console.error('unexpected error:', error); // a bug: the stack goes to the log, never to the client
  return describeError(new ApiError('INTERNAL_ERROR'));
}

function stringField(body, name, maxLength = 1024) {
  const value = body?.[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new ApiError('VALIDATION_FAILED', `${name} must be a non-empty string of at most ${maxLength} characters.`);
  }
  return value;
}

function sessionOf(req) {
  const token = /^Bearer ([\w-]+)$/i.exec(req.get('authorization') ?? '')?.[1];
  const session = token === undefined ? undefined : sessions.get(token);
  if (session === undefined || session.expiresAt < Date.now()) {
    if (session !== undefined) sessions.delete(token);
    throw new ApiError('UNAUTHORIZED', 'Send Authorization: Bearer <token> from POST /login.');
  }
  return session;
}

const server = app.listen(Number(process.env.PORT || 3000), (error) => {
  if (error) throw error;
  console.log(`express-core example listening on http://localhost:${server.address().port}`);
});

// On a deploy: stop accepting, let requests in flight finish, then close the connections to WeChat.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => server.close(() => wechat.close()));
}
