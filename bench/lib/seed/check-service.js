// Checks that the real service works on a seeded database: seeds it, starts `wxlogin serve` on it with the stub
// WeChat, then logs a new user in, refreshes seeded sessions (tokens minted with the service's own codec and key)
// and reads /v1/me as their users, meets a revoked seeded session, walks the admin API over seeded users, and runs
// `wxlogin gc`, which must find nothing to delete.
//   node bench/lib/seed/check-service.js [users (default 100000)] [databaseUrl (default a temporary SQLite file)]
// A PostgreSQL or MySQL database given here must be empty and is left seeded.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seedRows } from '../seed-rows.js';
import { freePort, spawnService } from '../service-process.js';
import { startWechatStub } from '../wechat-stub.js';
import { requireDriver, ROOT, SERVER_BIN } from './server-modules.js';

const APP = { appid: 'wxbench000000001', secret: randomBytes(16).toString('hex') };
const ADMIN_TOKEN = randomBytes(24).toString('base64url');
const SAMPLE_SESSIONS = 5;
const REQUEST_TIMEOUT_MS = 10_000;
const WATCHDOG_MS = 10 * 60_000;

/**
 * Runs one query on the seeded database and answers its rows (read-only sampling for the check).
 * @param {string} url
 * @param {string} sql portable SQL without parameters
 */
async function queryRows(url, sql) {
  if (url.startsWith('sqlite:')) {
    const Database = requireDriver('better-sqlite3');
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  }
  if (/^postgres(ql)?:/.test(url)) {
    const client = new (requireDriver('pg').Client)({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const connection = await requireDriver('mysql2/promise').createConnection({
    uri: url.replace(/^mariadb:/, 'mysql:'),
  });
  try {
    return (await connection.query(sql))[0];
  } finally {
    await connection.end();
  }
}

/**
 * @param {string} base
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, bearer?: string }} [options]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function call(base, method, path, { body, bearer } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * @param {boolean} ok
 * @param {string} what
 */
function expect(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

async function main() {
  const users = Number(process.argv[2] ?? 100_000);
  const tempDir = mkdtempSync(join(tmpdir(), 'wxlogin-seed-check-'));
  const databaseUrl = process.argv[3] ?? `sqlite:${join(tempDir, 'seeded.db')}`;
  const masterKey = randomBytes(32).toString('base64');
  /** @type {Awaited<ReturnType<typeof startWechatStub>> | undefined} */
  let stub;
  /** @type {ReturnType<typeof spawnService> | undefined} */
  let service;
  const watchdog = setTimeout(() => {
    console.error('check: not finished in time, giving up');
    service?.killNow();
    process.exit(1);
  }, WATCHDOG_MS);
  process.on('exit', () => service?.killNow());
  try {
    const seeded = await seedRows({ databaseUrl, appid: APP.appid, users, sessions: users, masterKey });
    console.log(`seeded: ${JSON.stringify(seeded)}`);
    const now = Date.now();
    // Live sessions of active users, and one revoked session, picked spread over the table.
    const live = await queryRows(
      databaseUrl,
      `select f.id, f.generation, f.user_id, u.openid from refresh_families f join users u on u.id = f.user_id
        where f.revoked_at is null and f.expires_at > ${now + 3_600_000} and u.status = 'active'
          and f.id like '%0'
        order by f.id limit ${SAMPLE_SESSIONS}`,
    );
    const [revoked] = await queryRows(
      databaseUrl,
      `select id, generation from refresh_families where revoked_at is not null order by id limit 1`,
    );
    expect(live.length === SAMPLE_SESSIONS && revoked !== undefined, 'the seeded database has sessions to try');
    for (const table of ['users', 'refresh_families']) {
      const rows = await queryRows(databaseUrl, `select id, created_at from ${table} where id like '%00' limit 1000`);
      const off = rows.filter(
        (r) => Number.parseInt(r.id.slice(0, 8) + r.id.slice(9, 13), 16) !== Number(r.created_at),
      );
      expect(
        rows.length > 0 && off.length === 0,
        `${table}: UUIDv7 times are the rows' created_at (${rows.length} rows)`,
      );
    }

    const { createSealer, sessionKeyAad } = await import(
      pathToFileURL(join(ROOT, 'packages/server/dist/crypto/seal.js')).href
    );
    const sealer = createSealer(Buffer.from(masterKey, 'base64'));
    const keys = await queryRows(
      databaseUrl,
      `select appid, openid, session_key_sealed from wechat_sessions where openid like '%A' limit 1000`,
    );
    const opened = keys.filter(
      (k) =>
        Buffer.from(sealer.open(k.session_key_sealed, sessionKeyAad(k.appid, k.openid)).toString(), 'base64').length ===
        16,
    );
    expect(keys.length > 0 && opened.length === keys.length, `sealed session keys open (${keys.length} rows)`);

    stub = await startWechatStub(APP);
    const port = await freePort();
    const env = {
      WXLOGIN_APPS: `${APP.appid}:${APP.secret}`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: databaseUrl,
      WXLOGIN_WECHAT_BASE_URL: stub.url,
      WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN,
      WXLOGIN_LOG_LEVEL: 'warn',
    };
    service = spawnService({ bin: SERVER_BIN, port, env });
    await service.waitReady(30_000);
    const base = service.url;

    const login = await call(base, 'POST', '/v1/auth/login', {
      body: { code: `check-${Date.now()}`, appid: APP.appid },
    });
    expect(login.status === 200 && login.body.isNew === true, `a new user logs in (${login.status})`);
    const me = await call(base, 'GET', '/v1/me', { bearer: login.body.accessToken });
    expect(me.status === 200 && me.body.id === login.body.user.id, `GET /v1/me answers the new user (${me.status})`);

    const [{ deriveRefreshKey }, { createRefreshTokenCodec }] = await Promise.all([
      import(pathToFileURL(join(ROOT, 'packages/server/dist/crypto/derive.js')).href),
      import(pathToFileURL(join(ROOT, 'packages/server/dist/tokens/refresh-token.js')).href),
    ]);
    const codec = createRefreshTokenCodec(deriveRefreshKey(Buffer.from(masterKey, 'base64')));
    for (const session of live) {
      const refreshToken = codec.issue(session.id, Number(session.generation));
      const refreshed = await call(base, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
      expect(refreshed.status === 200, `seeded session ${session.id} (generation ${session.generation}) refreshes`);
      const seededMe = await call(base, 'GET', '/v1/me', { bearer: refreshed.body.accessToken });
      expect(
        seededMe.status === 200 && seededMe.body.id === session.user_id,
        `GET /v1/me answers its seeded user ${session.user_id}`,
      );
    }
    const dead = await call(base, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: codec.issue(revoked.id, Number(revoked.generation)) },
    });
    expect(dead.status === 401, `a revoked seeded session is refused (${dead.status} ${dead.body?.error?.code})`);

    const admin = (method, path) => call(base, method, path, { bearer: ADMIN_TOKEN });
    const found = await admin('GET', `/admin/api/users?q=${encodeURIComponent(live[0].openid)}`);
    expect(found.status === 200 && found.body.items?.length === 1, `admin search by a seeded openid (${found.status})`);
    const page = await admin('GET', '/admin/api/users?limit=100');
    expect(page.status === 200 && page.body.items?.length === 100, `admin lists the newest users (${page.status})`);
    const next = await admin('GET', `/admin/api/users?limit=100&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(next.status === 200 && next.body.items?.length === 100, `admin pages on (${next.status})`);
    const detail = await admin('GET', `/admin/api/users/${live[1].user_id}`);
    expect(detail.status === 200, `admin shows a seeded user with its sessions (${detail.status})`);
    const revoke = await admin('POST', `/admin/api/users/${live[1].user_id}/revoke`);
    expect(
      revoke.status === 200,
      `admin revokes a seeded user's sessions (${revoke.status} ${JSON.stringify(revoke.body)})`,
    );
    const disable = await admin('POST', `/admin/api/users/${live[2].user_id}/disable`);
    const enable = await admin('POST', `/admin/api/users/${live[2].user_id}/enable`);
    expect(disable.status === 200 && enable.status === 200, 'admin disables and enables a seeded user');
    const stats = await admin('GET', '/admin/api/stats');
    expect(stats.status === 200, `admin stats (${stats.status})`);

    await service.stop(5000);
    service = undefined;
    const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WXLOGIN_')));
    const gcStart = performance.now();
    const gc = spawnSync(process.execPath, [SERVER_BIN, 'gc'], {
      env: { ...childEnv, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const gcMs = Math.round(performance.now() - gcStart);
    const swept = /(\d+) ended sessions/.exec(gc.stdout ?? '');
    expect(
      gc.status === 0 && swept !== null && Number(swept[1]) === 0,
      `wxlogin gc runs in ${gcMs} ms and deletes no session: ${(gc.stdout || gc.stderr).trim()}`,
    );
  } finally {
    clearTimeout(watchdog);
    await service?.stop(5000);
    await stub?.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
