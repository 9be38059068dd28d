import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openRaw as openRawConnection, rawRequest, type RawConnection, type RawResponse } from './helpers/raw-http.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

/** One pino line as the app wrote it. */
interface LogLine {
  level: number;
  msg?: string;
  errorCode?: string;
  [key: string]: unknown;
}

const WARN = 40;
/** Lines at warn or above, but the test app's own start-up warning (its WeChat base URL is the simulator). */
const warnings = (lines: LogLine[]) =>
  lines.filter((l) => l.level >= WARN && !l.msg?.startsWith('WXLOGIN_WECHAT_BASE_URL'));
/** The line the error handler writes about a failed request, whatever it made of the failure. */
const failureLine = (l: LogLine) => l.errorCode !== undefined || l.clientAborted === true || warnings([l]).length > 0;

/** Collects the app's log lines and lets a test wait for one (bounded), instead of sleeping. */
function logCapture() {
  const lines: LogLine[] = [];
  const events = new EventEmitter();
  return {
    lines,
    write(line: string) {
      const parsed = JSON.parse(line) as LogLine;
      lines.push(parsed);
      events.emit('line', parsed);
    },
    waitFor(match: (line: LogLine) => boolean, timeoutMs = 3000): Promise<LogLine> {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('line', onLine);
          reject(new Error(`no such log line within ${timeoutMs} ms; got: ${lines.map((l) => l.msg).join(' | ')}`));
        }, timeoutMs);
        const onLine = (line: LogLine): void => {
          if (!match(line)) return;
          clearTimeout(timer);
          events.off('line', onLine);
          resolve(line);
        };
        events.on('line', onLine);
      });
    },
  };
}

/** A raw connection reset when the test ends (an app cannot finish closing while a client holds one open). */
async function openRaw(port: number): Promise<RawConnection> {
  const connection = await openRawConnection(port);
  onTestFinished(() => connection.destroy());
  return connection;
}

/** A test app listening on 127.0.0.1 (raw sockets need a real server; `inject()` never runs Node's parser). */
async function listening(options: TestAppOptions = {}): Promise<TestApp & { port: number }> {
  const t = await createTestApp(options);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...t, port: (t.app.server.address() as AddressInfo).port };
}

/** The answer is the error envelope with exactly this code, as JSON, on a closing connection. */
function expectEnvelope(response: RawResponse, status: number, code: string): void {
  expect(response.status, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['connection']).toBe('close');
  expect(JSON.parse(response.body)).toEqual({ error: { code, message: expect.any(String) } });
  expect(response.body).not.toMatch(/statusCode|Bad Request|Client Error|at .*\.js|node:internal/);
}

const loginHead = (length: number) =>
  `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

// Short deadlines, so a cut is seen in about a second; the check interval follows them (a tenth, at least 100 ms).
const SHORT = {
  WXLOGIN_REQUEST_TIMEOUT_MS: '1000',
  WXLOGIN_HEADERS_TIMEOUT_MS: '1000',
  WXLOGIN_KEEP_ALIVE_TIMEOUT_MS: '1000',
};
// Deadline + Node's check interval + scheduling slack on a busy 2-core machine.
const BOUND_MS = 1000 + 100 + 900;

describe('slow clients are cut, not waited for [sqlite]', () => {
  it('a body announced as 100 bytes that sends 11 is answered 408 REQUEST_TIMEOUT in the envelope and closed within the request timeout (was open > 300 s)', async () => {
    const logs = logCapture();
    const t = await listening({ env: { ...SHORT, WXLOGIN_LOG_LEVEL: 'debug' }, logStream: logs });
    const connection = await openRaw(t.port);
    connection.write(loginHead(100) + '{"code":"ab');

    const response = await connection.response(BOUND_MS + 2000);
    const answeredAfter = Date.now() - connection.openedAt;
    expectEnvelope(response, 408, 'REQUEST_TIMEOUT');
    const closedAfter = (await connection.closed()) - connection.openedAt;
    console.log(`slow body: 408 after ${answeredAfter} ms, closed after ${closedAfter} ms (deadline 1000 ms)`);
    expect(answeredAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(BOUND_MS);

    // The cut body is not a dependency failure either (its stream breaks with ECONNRESET like a dropped database).
    await logs.waitFor((l) => failureLine(l) && l.reqId !== undefined);
    expect(warnings(logs.lines)).toEqual([]);
    expect(logs.lines.some((l) => l.errorCode === 'DEPENDENCY_UNAVAILABLE')).toBe(false);
  });

  it('headers trickled a byte every 100 ms (slowloris) are answered 408 REQUEST_TIMEOUT within the headers timeout, before the request timeout', async () => {
    const t = await listening({ env: { WXLOGIN_REQUEST_TIMEOUT_MS: '3000', WXLOGIN_HEADERS_TIMEOUT_MS: '1000' } });
    const connection = await openRaw(t.port);
    connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    let sent = 0;
    // Bounded: at most 40 bytes (4 s), stopped as soon as the server closes.
    const trickle = setInterval(() => {
      if (++sent > 40 || connection.socket.destroyed) clearInterval(trickle);
      else connection.write('a');
    }, 100);
    try {
      const response = await connection.response(5000);
      const answeredAfter = Date.now() - connection.openedAt;
      console.log(
        `slowloris headers: 408 after ${answeredAfter} ms and ${sent} trickled bytes (headers deadline 1000 ms)`,
      );
      expectEnvelope(response, 408, 'REQUEST_TIMEOUT');
      expect(answeredAfter).toBeLessThan(BOUND_MS);
      await connection.closed();
    } finally {
      clearInterval(trickle);
    }
  });

  // Node keeps an idle connection a second longer than it advertises (Keep-Alive: timeout=1), so a client that
  // honours the header never reuses a connection the server is closing.
  it("an idle keep-alive connection is closed after WXLOGIN_KEEP_ALIVE_TIMEOUT_MS and Node's one-second margin (was Fastify's 72 s default)", async () => {
    const t = await listening({ env: SHORT });
    const connection = await openRaw(t.port);
    connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const response = await connection.response();
    expect(response.status).toBe(200);
    expect(response.headers['keep-alive']).toBe('timeout=1');
    const answeredAt = Date.now();
    const idleFor = (await connection.closed(BOUND_MS + 3000)) - answeredAt;
    console.log(`idle keep-alive closed after ${idleFor} ms (keep-alive timeout 1000 ms + Node's 1000 ms margin)`);
    expect(idleFor).toBeGreaterThanOrEqual(1900);
    expect(idleFor).toBeLessThan(BOUND_MS + 1000);
  });

  it('a headers timeout above the request timeout starts (bounded by the request timeout) instead of Node refusing to create the server', async () => {
    const t = await listening({ env: { WXLOGIN_REQUEST_TIMEOUT_MS: '1000', WXLOGIN_HEADERS_TIMEOUT_MS: '20000' } });
    expect(t.app.server.headersTimeout).toBe(1000);
    expect(t.app.server.requestTimeout).toBe(1000);
    expect(
      (await rawRequest(t.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status,
    ).toBe(200);
  });

  it('a request whose answer takes longer than the request timeout still gets its 200 (the deadline is for arriving, not answering)', async () => {
    const t = await listening({ env: SHORT });
    t.simulator.setFaults({ latencyMs: 1300 });
    const { code } = t.simulator.login({ appid: t.appid });
    const body = JSON.stringify({ code, appid: t.appid });
    const response = await rawRequest(t.port, loginHead(Buffer.byteLength(body)) + body, 5000);
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ accessToken: expect.any(String) });
  });
});

describe("Node's HTTP parser errors are answered in the error envelope [sqlite]", () => {
  const cases: { name: string; bytes: string; status: number; code: string }[] = [
    {
      name: 'bad chunked encoding (a chunk size that is not hex)',
      bytes:
        'POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'Content-Length together with Transfer-Encoding (request smuggling)',
      bytes:
        'POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'two different Content-Length headers',
      bytes: 'POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a control character in a header value',
      bytes: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\u0001b\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a space in a header name',
      bytes: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX Bad: a\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a request line that is not HTTP',
      bytes: '\u0000\u0001\u0002 garbage\r\n\r\n',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: "headers over Node's 16 KiB limit",
      bytes: `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      code: 'HEADERS_TOO_LARGE',
    },
    {
      name: 'a flood of small headers over the limit',
      bytes: `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(8)}\r\n`).join('')}\r\n`,
      status: 431,
      code: 'HEADERS_TOO_LARGE',
    },
    {
      name: "chunk extensions over Node's limit",
      bytes: `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;${'x'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`,
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
  ];

  it.each(cases)(
    '$name: $status $code with Connection: close, then the connection is closed; the server serves on',
    async ({ bytes, status, code }) => {
      const logs = logCapture();
      const t = await listening({ env: { WXLOGIN_LOG_LEVEL: 'debug' }, logStream: logs });
      const response = await rawRequest(t.port, bytes);
      expectEnvelope(response, status, code);
      expect(response.closed).toBe(true);
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
      // Logged as the client's mistake, never as the service's failure.
      expect(warnings(logs.lines)).toEqual([]);
      expect((await t.get('/healthz')).statusCode).toBe(200);
      expect(
        (await rawRequest(t.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status,
      ).toBe(200);
    },
  );
});

describe('a request arriving while the service closes [sqlite]', () => {
  it("is answered 503 SHUTTING_DOWN in the envelope with Retry-After and Connection: close (was Fastify's own 503 body)", async () => {
    const t = await listening();
    // A keep-alive connection in the middle of its next request: close() waits for it instead of reaping it idle.
    const connection = await openRaw(t.port);
    connection.write('GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // A whole exchange on another connection takes several turns of the event loop the server shares with this
    // test: the partial request has been read by then.
    expect(
      (await rawRequest(t.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status,
    ).toBe(200);
    const closing = t.app.close();
    // Closing has begun once the listener is gone (server.close() is called after the preClose hooks).
    for (let i = 0; i < 200 && t.app.server.listening; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(t.app.server.listening).toBe(false);

    connection.write('Authorization: Bearer x\r\n\r\n');
    const response = await connection.response();
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'SHUTTING_DOWN', message: expect.any(String) } });
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers['connection']).toBe('close');
    await connection.closed();
    await closing;
  });
});

describe('a client that aborts mid-body [sqlite]', () => {
  it("is logged at info as a client abort, never at warn as DEPENDENCY_UNAVAILABLE (its ECONNRESET is not a database's)", async () => {
    const logs = logCapture();
    const t = await listening({ env: { WXLOGIN_LOG_LEVEL: 'debug' }, logStream: logs });
    const connection = await openRaw(t.port);
    connection.write(loginHead(100) + '{"code":"ab');
    // The route is reading the body once the request is logged as incoming; then the client goes away.
    await logs.waitFor((l) => l.msg === 'incoming request');
    connection.destroy();

    await logs.waitFor((l) => failureLine(l) && l.reqId !== undefined);
    expect(
      logs.lines.filter((l) => l.errorCode === 'DEPENDENCY_UNAVAILABLE' || l.msg?.includes('DEPENDENCY_UNAVAILABLE')),
    ).toEqual([]);
    expect(warnings(logs.lines)).toEqual([]);
    const abort = logs.lines.find((l) => l.msg?.includes('client aborted'));
    expect(abort?.level).toBe(30);
  });
});
