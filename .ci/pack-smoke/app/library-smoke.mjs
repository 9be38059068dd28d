// Runs in the fresh project, on the installed tarballs: the public exports of @wxlogin/core and @wxlogin/server as
// a team with its own Node backend uses them, against @wxlogin/simulator. Prints one JSON line; throws on a failure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ERRCODE_TABLE, WeChatClient, WeChatError } from '@wxlogin/core';
import { createApp, createAuth, ERROR_CATALOGUE, loadConfig } from '@wxlogin/server';
import { createSimulator, DEFAULT_DEV_SECRET, DEV_APPID } from '@wxlogin/simulator';

const require = createRequire(import.meta.url);
const here = fileURLToPath(new URL('.', import.meta.url));
const resolved = Object.fromEntries(
  ['@wxlogin/core', '@wxlogin/server', '@wxlogin/simulator'].map((name) => [
    name,
    fileURLToPath(import.meta.resolve(name)),
  ]),
);
for (const [name, file] of Object.entries(resolved))
  assert.ok(file.startsWith(`${here}node_modules/`), `${name} resolved outside this project: ${file}`);
assert.equal(require('@wxlogin/server/package.json').version, require('@wxlogin/core/package.json').version);
// `exports` keeps the package's insides private.
await assert.rejects(import('@wxlogin/server/dist/app.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
assert.equal(typeof ERRCODE_TABLE, 'object');
assert.equal(typeof ERROR_CATALOGUE, 'object');

const simulator = createSimulator({});
const simulatorUrl = await simulator.listen({ port: 0 });
const env = {
  WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
  WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
  WXLOGIN_DATABASE_URL: 'sqlite::memory:',
  WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
  WXLOGIN_LOG_LEVEL: 'silent',
};
const wechat = new WeChatClient({
  apps: [{ appid: DEV_APPID, secret: DEFAULT_DEV_SECRET }],
  baseUrl: simulatorUrl,
  timeoutMs: 5000,
});
let app;
let auth;
try {
  // @wxlogin/core alone: a code exchanged, a used code refused with a typed error.
  const minted = simulator.login({ appid: DEV_APPID });
  const session = await wechat.code2Session(DEV_APPID, minted.code);
  assert.equal(session.openid, minted.openid);
  await assert.rejects(wechat.code2Session(DEV_APPID, minted.code), (error) => error instanceof WeChatError);

  // @wxlogin/server's Fastify app, over the SQLite driver compiled at install.
  app = await createApp(loadConfig({ env }));
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { code: simulator.login({ appid: DEV_APPID }).code },
  });
  assert.equal(login.statusCode, 200, login.body);
  const me = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${login.json().accessToken}` } });
  assert.equal(me.statusCode, 200, me.body);
  assert.equal(me.json().id, login.json().user.id);

  // createAuth: the same service as plain functions, for any framework.
  auth = await createAuth(loadConfig({ env }));
  const viaFunctions = await auth.login({ code: simulator.login({ appid: DEV_APPID }).code });
  assert.equal(viaFunctions.tokenType, 'Bearer');
} finally {
  await auth?.close();
  await app?.close();
  await wechat.close();
  await simulator.close();
}
console.log(JSON.stringify({ ok: true, resolved }));
