// Baseline "floor": the cheapest server that still does a login's unavoidable work (read and parse the body, one
// jscode2session round trip over a kept-alive connection, parse the answer, write JSON). No framework, no storage, no
// signing: whatever wxlogin costs above this figure is what its features cost. Refresh and /v1/me do the same: parse,
// one call over the same pool, answer — the floor of any service that must consult something per request (wxlogin
// consults its database and verifies a signature instead of calling WeChat).
import '../local-deps.js';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const { PORT, WECHAT_BASE_URL, APPID, APP_SECRET } = process.env;
if (!PORT || !WECHAT_BASE_URL || !APPID || !APP_SECRET) {
  console.error('floor: PORT, WECHAT_BASE_URL, APPID and APP_SECRET are required');
  process.exit(2);
}

/** At least the bench's connection count, so no login waits for a free upstream socket. */
const UPSTREAM_CONNECTIONS = 50;
/** Above this a body is not a login/refresh request; stops a runaway client from filling memory. */
const MAX_BODY_BYTES = 16 * 1024;

const wechat = new Pool(WECHAT_BASE_URL, { connections: UPSTREAM_CONNECTIONS, pipelining: 1 });
const sessionQuery = `/sns/jscode2session?appid=${encodeURIComponent(APPID)}&secret=${encodeURIComponent(APP_SECRET)}&grant_type=authorization_code&js_code=`;
const USER_JSON = JSON.stringify({ user: { id: 'u_floor', appid: APPID } });

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} text JSON text
 */
function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request body as parsed JSON, or undefined when it is too large or not JSON.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<any>}
 */
async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * One jscode2session round trip through the pool: the openid WeChat answered, or undefined.
 * @param {string} code
 */
async function callUpstream(code) {
  const upstream = await wechat.request({ method: 'GET', path: sessionQuery + encodeURIComponent(code) });
  // WeChat answers as text/plain, so parse the text rather than trust a content type.
  const session = JSON.parse(await upstream.body.text());
  return typeof session.openid === 'string' ? session.openid : undefined;
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function login(req, res) {
  const body = await readJson(req);
  const code = body?.code;
  if (typeof code !== 'string' || code === '') return send(res, 400, '{"error":"invalid_request"}');
  const openid = await callUpstream(code);
  if (openid === undefined) return send(res, 502, '{"error":"wechat_error"}');
  send(res, 200, JSON.stringify({ openid }));
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function refresh(req, res) {
  const body = await readJson(req);
  const refreshToken = body?.refreshToken;
  // An empty token is what the bench sends when its pool runs dry: it must show as a failure, not a success.
  if (typeof refreshToken !== 'string' || refreshToken === '') return send(res, 400, '{"error":"invalid_request"}');
  if ((await callUpstream('floor-refresh')) === undefined) return send(res, 502, '{"error":"upstream_error"}');
  send(res, 200, JSON.stringify({ refreshToken, accessToken: 'x', expiresIn: 7200 }));
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function me(req, res) {
  if (!req.headers.authorization) return send(res, 401, '{"error":"unauthorized"}');
  if ((await callUpstream('floor-me')) === undefined) return send(res, 502, '{"error":"upstream_error"}');
  send(res, 200, USER_JSON);
}

const server = createServer((req, res) => {
  const route = `${req.method} ${req.url}`;
  /** @type {Promise<void> | void} */
  let done;
  if (route === 'POST /v1/auth/login') done = login(req, res);
  else if (route === 'POST /v1/auth/refresh') done = refresh(req, res);
  else if (route === 'GET /v1/me') done = me(req, res);
  else if (route === 'GET /healthz') done = send(res, 200, '{"status":"ok"}');
  else done = send(res, 404, '{"error":"not_found"}');
  if (done instanceof Promise) {
    done.catch(() => {
      if (!res.headersSent) send(res, 500, '{"error":"internal"}');
      else res.destroy();
    });
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(PORT), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
