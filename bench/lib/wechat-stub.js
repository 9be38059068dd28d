// A minimal stand-in for WeChat's jscode2session, run in a child process of
// its own (wechat-stub-process.js). It answers in microseconds so the figures show wxlogin's own cost;
// the simulator is not used because its bookkeeping (codes, users, faults) would dominate the login path.
import { createServer } from 'node:http';

/** 16 bytes → 24 base64 characters, the shape of a real session_key. Fixed: sealing cost does not depend on it. */
const SESSION_KEY = Buffer.alloc(16, 0x5a).toString('base64');

/**
 * Starts the stub on 127.0.0.1 (an OS-chosen port). `GET /__calls` answers `{ calls }`, the jscode2session calls so
 * far, for a bench that cannot call `calls()` across a process boundary.
 * @param {{ appid: string, secret: string }} app the only mini program the stub knows
 * @returns {Promise<{ url: string, calls: () => number, close: () => Promise<void> }>}
 */
export async function startWechatStub(app) {
  let calls = 0;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stub');
    // Asked by a bench that runs the stub in another process; not a WeChat call, so not counted.
    const askingCalls = request.method === 'GET' && url.pathname === '/__calls';
    if (!askingCalls) calls++;
    let body;
    if (askingCalls) {
      body = { calls };
    } else if (request.method !== 'GET' || url.pathname !== '/sns/jscode2session') {
      body = { errcode: 41002, errmsg: 'stub: only GET /sns/jscode2session' };
    } else {
      const q = url.searchParams;
      const code = q.get('js_code');
      if (q.get('appid') !== app.appid || q.get('secret') !== app.secret) {
        body = { errcode: 40125, errmsg: 'invalid appsecret' };
      } else if (code === null || code === '' || q.get('grant_type') !== 'authorization_code') {
        body = { errcode: 41008, errmsg: 'missing code' };
      } else {
        // One user per code: every measured login creates a user, the costlier path.
        body = { openid: `obench_${code}`, session_key: SESSION_KEY };
      }
    }
    const text = JSON.stringify(body);
    // WeChat itself answers jscode2session as text/plain.
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}
