// Baseline "peer": what a team builds with the most used Node WeChat SDK and the usual parts — Express 4,
// node-easywechat 3.6.2 for jscode2session, jsonwebtoken (ES256) for access tokens, better-sqlite3 12 for users and
// refresh tokens. It does the same job as wxlogin's login, refresh and /v1/me on SQLite, without wxlogin's extras, so
// the gap between the two is the price (or the saving) of those extras.
//
// Dependency note: node-easywechat 3.6.2 asks for node-socialite ^1.4.1, which resolves to 1.5.3; 1.5.3 does not ship
// dist/Core/ProviderInterface.js, which the SDK requires, so loading the SDK fails. bench/baselines/package.json pins
// node-socialite to 1.4.1 with "overrides".
//
// The SDK's login call (MiniApp#getUtils().codeToSession) goes through its plain HTTP client, not the access-token
// client, so a login makes exactly one request upstream (jscode2session); the smoke test checks that against the
// stub's call count. Its file cache (used only for access tokens) is pointed at DATA_DIR all the same, so nothing is
// ever written into the working directory.
import '../local-deps.js';
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import jwt from 'jsonwebtoken';
import { MiniApp } from 'node-easywechat';

const { PORT, WECHAT_BASE_URL, APPID, APP_SECRET, DATA_DIR } = process.env;
if (!PORT || !WECHAT_BASE_URL || !APPID || !APP_SECRET || !DATA_DIR) {
  console.error('peer: PORT, WECHAT_BASE_URL, APPID, APP_SECRET and DATA_DIR are required');
  process.exit(2);
}

const ACCESS_TTL_S = 7200;
const REFRESH_TTL_S = 30 * 24 * 3600;

const wechat = new MiniApp({
  app_id: APPID,
  secret: APP_SECRET,
  // The SDK's axios instance takes its defaults from `http`; only the origin changes, as a team's staging setup would.
  http: { baseURL: `${WECHAT_BASE_URL}/` },
  file_cache: { path: join(DATA_DIR, 'easywechat-cache') },
});

// A fresh key per start: tokens do not outlive the process, which is all a benchmark run needs.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const db = new Database(join(DATA_DIR, 'peer.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    appid TEXT NOT NULL,
    openid TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    UNIQUE (appid, openid)
  );
  CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
  );
`);
const upsertUser = db.prepare(
  `INSERT INTO users(id, appid, openid, created_at, last_login_at) VALUES (?, ?, ?, ?, ?)
   ON CONFLICT(appid, openid) DO UPDATE SET last_login_at = excluded.last_login_at RETURNING id`,
);
const insertRefresh = db.prepare('INSERT INTO refresh_tokens(token_hash, user_id, expires_at) VALUES (?, ?, ?)');
const takeRefresh = db.prepare(
  `DELETE FROM refresh_tokens WHERE token_hash = ? RETURNING user_id AS userId, expires_at AS expiresAt`,
);
const findUser = db.prepare('SELECT id, appid, openid, created_at AS createdAt FROM users WHERE id = ?');

/** @param {string} token */
const hashToken = (token) => createHash('sha256').update(token).digest();

/**
 * A new refresh token for the user, stored as its sha256 only.
 * @param {string} userId
 * @param {number} nowS
 */
function issueRefresh(userId, nowS) {
  const token = randomBytes(32).toString('base64url');
  insertRefresh.run(hashToken(token), userId, nowS + REFRESH_TTL_S);
  return token;
}

/** @param {string} userId */
const signAccess = (userId) =>
  jwt.sign({ sub: userId, appid: APPID }, privateKey, { algorithm: 'ES256', expiresIn: ACCESS_TTL_S });

// Rotation: the presented token is consumed and its successor issued in one transaction.
const rotate = db.transaction((/** @type {string} */ token, /** @type {number} */ nowS) => {
  const row = takeRefresh.get(hashToken(token));
  if (row === undefined || row.expiresAt <= nowS) return undefined;
  return { userId: row.userId, refreshToken: issueRefresh(row.userId, nowS) };
});

const app = express();
app.use(express.json());

app.get('/healthz', (_req, res) => {
  res.status(200).json({ status: 'ok' });
});

app.post('/v1/auth/login', async (req, res) => {
  const code = req.body?.code;
  if (typeof code !== 'string' || code === '') {
    res.status(400).json({ error: 'invalid_request' });
    return;
  }
  let session;
  try {
    session = await wechat.getUtils().codeToSession(code);
  } catch {
    res.status(502).json({ error: 'wechat_error' });
    return;
  }
  // Express 4 does not catch a rejected handler: without this a database error would end the process.
  try {
    const nowS = Math.floor(Date.now() / 1000);
    const { id } = upsertUser.get(randomUUID(), APPID, session.openid, nowS, nowS);
    const refreshToken = issueRefresh(id, nowS);
    res.json({ accessToken: signAccess(id), refreshToken, expiresIn: ACCESS_TTL_S });
  } catch {
    res.status(500).json({ error: 'internal' });
  }
});

app.post('/v1/auth/refresh', (req, res) => {
  const token = req.body?.refreshToken;
  if (typeof token !== 'string' || token === '') {
    res.status(400).json({ error: 'invalid_request' });
    return;
  }
  const rotated = rotate(token, Math.floor(Date.now() / 1000));
  if (rotated === undefined) {
    res.status(401).json({ error: 'invalid_grant' });
    return;
  }
  res.json({ accessToken: signAccess(rotated.userId), refreshToken: rotated.refreshToken, expiresIn: ACCESS_TTL_S });
});

app.get('/v1/me', (req, res) => {
  const header = req.headers.authorization ?? '';
  let claims;
  try {
    claims = jwt.verify(header.replace(/^Bearer /, ''), publicKey, { algorithms: ['ES256'] });
  } catch {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  const user = findUser.get(claims.sub);
  if (user === undefined) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  res.json({ user });
});

const server = app.listen(Number(PORT), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
  process.exit(0);
});
