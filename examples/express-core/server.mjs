// The blog post's "mini program login with Express" done right, with @wxlogin/core alone: wx.login() → code →
// POST /login → code2Session at WeChat, with the AppSecret only in this server's environment, session_key kept on
// this server, explicit timeouts on every WeChat call and each failure answered as a typed error.
//
//   WECHAT_APPID=wx… WECHAT_SECRET=… PORT=3000 node examples/express-core/server.mjs
//
//   POST /login   { code }              → { token, openid }
//   POST /phone   { code }              → { phoneNumber, purePhoneNumber, countryCode }   (with the bearer token)
//   POST /decrypt { encryptedData, iv } → { data }                                       (with the bearer token)
//   any failure                         → { error: { code, message, wechat? } }, the status wxlogin answers it with
import { randomBytes } from 'node:crypto';
import express from 'express';
import { DecryptError, WeChatClient, WeChatError, decryptData } from '@wxlogin/core';

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

// This server's answers: the codes, statuses and messages of wxlogin's own catalogue (docs/errors.md), so a mini
// program written against one works against the other. core classifies what went wrong; how to answer is ours.
const ANSWERS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  INVALID_CODE: { status: 400, message: 'The login code is invalid or expired; call wx.login() again.' },
  CODE_ALREADY_USED: { status: 400, message: 'The login code was already used; call wx.login() again.' },
  INVALID_PHONE_CODE: {
    status: 400,
    message: 'The phone-number code is invalid, used or expired; ask the user to tap the button again.',
  },
  DECRYPT_FAILED: { status: 400, message: 'The encrypted data could not be decrypted.' },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials.' },
  USER_BLOCKED: { status: 403, message: 'WeChat blocked this login (high-risk user).' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  WECHAT_SESSION_STALE: {
    status: 409,
    message: 'The WeChat session key has changed; call wx.login() and fetch the data again.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  WECHAT_RATE_LIMITED: { status: 429, message: 'WeChat rate-limited this user; retry later.' },
  APP_MISCONFIGURED: {
    status: 500,
    message: 'The mini program is misconfigured on the server (appid, secret or IP whitelist).',
  },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error.' },
  WECHAT_ERROR: { status: 502, message: 'WeChat answered with an error.' },
  WECHAT_UNAVAILABLE: { status: 503, message: 'WeChat is unavailable; retry later.' },
};

// A WeChatError's `kind` → our code. A refused phone code is the one exception: the cure is another tap of the
// button, not the new wx.login() that INVALID_CODE asks for.
const KIND_ANSWERS = {
  invalid_code: 'INVALID_CODE',
  code_used: 'CODE_ALREADY_USED',
  rate_limited: 'WECHAT_RATE_LIMITED',
  blocked: 'USER_BLOCKED',
  config: 'APP_MISCONFIGURED',
  token_expired: 'WECHAT_ERROR', // core has already refetched the token: a rejection that survives it is WeChat's
  session_invalid: 'WECHAT_SESSION_STALE',
  unavailable: 'WECHAT_UNAVAILABLE',
  unknown: 'WECHAT_ERROR',
};
const codeOfWeChatError = (error) =>
  error.api === 'getPhoneNumber' && error.kind === 'invalid_code' ? 'INVALID_PHONE_CODE' : KIND_ANSWERS[error.kind];

/** A refusal of our own, named by one of the codes in ANSWERS. */
class ApiError extends Error {
  constructor(code, message = ANSWERS[code].message) {
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

/** What to answer for a failure: a code of ANSWERS, its status, a message safe for the client. */
function describeError(error) {
  if (error instanceof ApiError) {
    return { status: ANSWERS[error.code].status, code: error.code, message: error.message };
  }
  if (error instanceof WeChatError) {
    // core has classified the errcode: `kind` is what happened (invalid_code, code_used, rate_limited, blocked,
    // config, unavailable…). Its JSON form is secret-free and keeps WeChat's rid.
    const code = codeOfWeChatError(error);
    const { status, message } = ANSWERS[code];
    if (error.kind === 'config') console.error('ALERT: WeChat refuses our appid, secret or IP:', JSON.stringify(error));
    else if (error.retryable) console.error('WeChat unavailable:', JSON.stringify(error));
    else if (status >= 500) console.error('WeChat error:', JSON.stringify(error));
    return {
      status,
      code,
      message,
      // Errcodes below -1000 (timeout, network…) are core's, not WeChat's: there is no rid to quote then.
      wechat: error.errcode >= -1 ? { errcode: error.errcode, rid: error.rid } : undefined,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof DecryptError) {
    // DECRYPT_FAILED: malformed or another app's data (400). WECHAT_SESSION_STALE: the device has a newer session_key
    // than the one stored here (409): call wx.login(), POST /login, then fetch the data again.
    return { status: ANSWERS[error.code].status, code: error.code, message: error.message };
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
