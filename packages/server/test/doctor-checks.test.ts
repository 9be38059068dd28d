import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSimulator } from '@wxlogin/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAppCredentials } from '../src/doctor/check-app-credentials.js';
import { checkClock, CLOCK_FAIL_MS } from '../src/doctor/check-clock.js';
import { checkDatabase } from '../src/doctor/check-database.js';
import { checkWeChat } from '../src/doctor/check-wechat.js';
import { whitelistIpOf } from '../src/doctor/credential-advice.js';
import { describeDatabase, describeRedis } from '../src/config/describe-targets.js';

const APP = 'wx0123456789abcdef';
const SECRET = 'doctor-checks-secret';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An HTTP server whose `Date` header is `skewMs` off this machine's clock, as a WeChat with a wrong clock would be. */
async function skewedOrigin(skewMs: number): Promise<string> {
  const server: HttpServer = createHttpServer((_req, res) => {
    res.sendDate = false;
    res.writeHead(404, { date: new Date(Date.now() + skewMs).toUTCString(), 'content-type': 'application/json' });
    res.end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('wxlogin doctor: the clock check', () => {
  it('fails beyond a minute of skew from WeChat, warns beyond a few seconds, passes within them', async () => {
    const judge = async (skewMs: number) => {
      const { clock } = await checkWeChat(await skewedOrigin(skewMs), 2000);
      expect(clock).toBeDefined();
      return checkClock([clock!], true);
    };
    const late = await judge(CLOCK_FAIL_MS + 60_000);
    expect(late.status).toBe('fail');
    expect(late.summary).toMatch(/WeChat \+1[12]\d\.\d s/);
    expect(late.next).toMatch(/NTP.*iat and exp/);
    expect((await judge(-15_000)).status).toBe('warn');
    expect((await judge(0)).status).toBe('ok');
  });

  it('warns, rather than passing, when no other clock could be read', () => {
    expect(checkClock([], false)).toMatchObject({ status: 'warn', summary: expect.stringMatching(/not compared/) });
  });
});

describe('wxlogin doctor: an app check', () => {
  it("shows the token's remaining expires_in as WeChat gave it, also under 600 s (where the cache keeps half)", async () => {
    let now = Date.UTC(2025, 0, 6, 4);
    const sim = createSimulator({ apps: [{ appid: APP, secret: SECRET }], clock: () => now });
    const baseUrl = await sim.listen({ port: 0 });
    closers.push(() => sim.close());
    const options = { baseUrl, wechatTimeoutMs: 2000, timeoutMs: 5000 };
    const app = { appid: APP, secret: SECRET };

    expect((await checkAppCredentials(app, options)).summary).toMatch(/\(expires_in 7200 s\)/);
    // The same stable token, 6800 s later: 400 s remain (the simulator mints a new one only under 300 s).
    now += 6800_000;
    const result = await checkAppCredentials(app, options);
    expect(result).toMatchObject({ status: 'ok', data: { expiresIn: 400 } });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("reads the caller's IP from WeChat's 40164 errmsg", () => {
    // As WeChat words it (a real answer, quoted in WeChat's developer community).
    const errmsg =
      'invalid ip 218.58.124.130 ipv6 ::ffff:218.58.124.130, not in whitelist rid: 611740a4-27f9a8ba-065da01b';
    expect(whitelistIpOf(errmsg)).toBe('218.58.124.130');
    expect(whitelistIpOf('invalid appsecret, rid: 1-2-3')).toBeUndefined();
  });
});

describe('wxlogin doctor: the database check', () => {
  it('reports a database that accepts connections but never answers within its deadline, as a failure', async () => {
    // Accepts and stays silent, as a database behind a black-holing firewall rule does.
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as AddressInfo).port;
    const started = performance.now();
    const findings = await checkDatabase(
      {
        databaseUrl: `postgres://wxlogin:pw-never-shown@127.0.0.1:${port}/wxlogin`,
        dbPoolMax: 10,
        dbStatementTimeoutMs: 5000,
        migrate: 'auto',
        logLevel: 'silent',
      },
      500,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(findings.database).toMatchObject({
      status: 'fail',
      summary: `cannot reach PostgreSQL at 127.0.0.1:${port}/wxlogin: no answer within 0.5 s`,
    });
    expect(findings.database.next).toContain('WXLOGIN_DATABASE_URL');
    expect(findings.migrations.status).toBe('fail');
    expect(JSON.stringify(findings)).not.toContain('pw-never-shown');
  });

  it('names databases and Redis without user, password or query', () => {
    expect(describeDatabase('postgres://u:secret@db.internal:5432/app?password=secret')).toBe(
      'PostgreSQL at db.internal:5432/app',
    );
    expect(describeDatabase('mysql://root:secret@10.0.0.5/wx')).toBe('MySQL/MariaDB at 10.0.0.5/wx');
    expect(describeDatabase('sqlite::memory:')).toBe('SQLite in memory');
    expect(describeRedis('rediss://default:secret@cache.internal:6380/2')).toBe('cache.internal:6380/2 (TLS)');
  });
});
