import { randomBytes } from 'node:crypto';
import { DEFAULT_DEV_SECRET, DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  AppError,
  createAuth,
  loadConfig,
  requireWxUser,
  wxloginRoutes,
  wxUserPlugin,
  type Auth,
  type LoginResponse,
  type WxUserPluginOptions,
} from '../src/index.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { openStore } from '../src/store/index.js';
import { createTestClock } from './helpers/test-clock.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;

/** createAuth over an in-memory store and a simulator, closed when the test ends: what a library user sets up. */
async function libraryAuth(): Promise<{ auth: Auth; simulator: Simulator }> {
  const clock = createTestClock();
  const simulator = createSimulator({ clock });
  const simulatorUrl = await simulator.listen({ port: 0 });
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const config = loadConfig({
    env: {
      WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
      WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
      WXLOGIN_DATABASE_URL: 'sqlite::memory:',
      WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
    },
  });
  const auth = await createAuth(config, { store, clock });
  onTestFinished(async () => {
    await auth.close();
    await store.close();
    await simulator.close();
  });
  return { auth, simulator };
}

/**
 * The host app of docs/api.md "Use inside your own Fastify app": its own error handler and routes, wxlogin's routes
 * under `/wx` (when `withRoutes`), `wxUserPlugin`, a protected route and a public one.
 */
async function hostApp(
  auth: Auth,
  options: { withRoutes: boolean; plugin?: WxUserPluginOptions },
): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    void reply.code(418).send({ hostError: error instanceof Error ? error.message : 'unknown' });
  });
  if (options.withRoutes) await app.register(wxloginRoutes, { auth, prefix: '/wx' });
  await app.register(wxUserPlugin, options.plugin ?? { auth });
  app.get('/orders', { preHandler: requireWxUser }, async (request) => ({ user: request.wxUser }));
  app.get('/public', async (request) => ({ userId: request.wxUser?.id ?? null }));
  app.post(
    '/echo',
    { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } } },
    async (request) => request.body,
  );
  app.get('/boom', async () => {
    throw new Error('host failure');
  });
  onTestFinished(() => app.close());
  await app.ready();
  return app;
}

async function loginThroughRoutes(app: FastifyInstance, simulator: Simulator): Promise<LoginResponse> {
  const { code } = simulator.login({ appid: DEV_APPID });
  const response = await app.inject({ method: 'POST', url: '/wx/v1/auth/login', payload: { code } });
  expect(response.statusCode).toBe(200);
  return response.json<LoginResponse>();
}

describe('wxUserPlugin in a host Fastify app [sqlite]', () => {
  it('a protected host route reads request.wxUser from a token issued by the routes plugin mounted under /wx', async () => {
    const { auth, simulator } = await libraryAuth();
    const app = await hostApp(auth, { withRoutes: true });
    const login = await loginThroughRoutes(app, simulator);
    const claims = await auth.verifyAccessToken(login.accessToken);

    const orders = await app.inject({ method: 'GET', url: '/orders', headers: bearer(login.accessToken) });
    expect(orders.statusCode).toBe(200);
    expect(orders.json()).toEqual({ user: { id: login.user.id, appid: DEV_APPID, sid: claims.sid } });
    const me = await app.inject({ method: 'GET', url: '/wx/v1/me', headers: bearer(login.accessToken) });
    expect([me.statusCode, me.json<{ id: string }>().id]).toEqual([200, login.user.id]);
  });

  it('missing, malformed, invalid and revoked tokens get 401 UNAUTHORIZED in the error envelope', async () => {
    const { auth, simulator } = await libraryAuth();
    const app = await hostApp(auth, { withRoutes: true });
    const login = await loginThroughRoutes(app, simulator);
    const [header, payload] = login.accessToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;

    const refusals = [
      await app.inject({ method: 'GET', url: '/orders' }),
      await app.inject({ method: 'GET', url: '/orders', headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      await app.inject({ method: 'GET', url: '/orders', headers: bearer('not-a-jwt') }),
      await app.inject({ method: 'GET', url: '/orders', headers: bearer(forged) }),
    ];
    const loggedOut = await app.inject({
      method: 'POST',
      url: '/wx/v1/auth/logout',
      payload: { all: true },
      headers: bearer(login.accessToken),
    });
    expect(loggedOut.statusCode).toBe(204);
    refusals.push(await app.inject({ method: 'GET', url: '/orders', headers: bearer(login.accessToken) }));

    for (const response of refusals) {
      expect(response.statusCode).toBe(401);
      const envelope = response.json<ErrorEnvelope>();
      expect(Object.keys(envelope)).toEqual(['error']);
      expect(envelope.error.code).toBe('UNAUTHORIZED');
      expect(envelope.error.message).toMatch(/\S/);
    }
  });

  it("a disabled user gets 403 USER_DISABLED, as on wxlogin's own routes", async () => {
    const { auth, simulator } = await libraryAuth();
    const app = await hostApp(auth, { withRoutes: true });
    const login = await loginThroughRoutes(app, simulator);
    await auth.admin.disableUser(login.user.id, 'test');
    const orders = await app.inject({ method: 'GET', url: '/orders', headers: bearer(login.accessToken) });
    expect([orders.statusCode, errorCode(orders)]).toEqual([403, 'USER_DISABLED']);
  });

  it("the host keeps its own error handler, 404s and validation; wxlogin's envelope stays inside /wx", async () => {
    const { auth } = await libraryAuth();
    const app = await hostApp(auth, { withRoutes: true });

    const boom = await app.inject({ method: 'GET', url: '/boom' });
    expect([boom.statusCode, boom.json()]).toEqual([418, { hostError: 'host failure' }]);
    const invalid = await app.inject({ method: 'POST', url: '/echo', payload: { n: 'x' } });
    expect(invalid.statusCode).toBe(418);
    expect(invalid.json()).toHaveProperty('hostError');
    const unknown = await app.inject({ method: 'GET', url: '/no-such-host-route' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).not.toHaveProperty('error.code');

    // A stale token on a route that does not require a user is not refused.
    const open = await app.inject({ method: 'GET', url: '/public', headers: bearer('not-a-jwt') });
    expect([open.statusCode, open.json()]).toEqual([200, { userId: null }]);

    const wxInvalid = await app.inject({ method: 'POST', url: '/wx/v1/auth/login', payload: {} });
    expect([wxInvalid.statusCode, errorCode(wxInvalid)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('works with createAuth alone (no routes plugin): tokens from auth.login', async () => {
    const { auth, simulator } = await libraryAuth();
    const app = await hostApp(auth, { withRoutes: false });
    const { code } = simulator.login({ appid: DEV_APPID });
    const login = await auth.login({ code });

    const orders = await app.inject({ method: 'GET', url: '/orders', headers: bearer(login.accessToken) });
    expect(orders.json<{ user: { id: string } }>().user.id).toBe(login.user.id);
    const publicRoute = await app.inject({ method: 'GET', url: '/public', headers: bearer(login.accessToken) });
    expect(publicRoute.json()).toEqual({ userId: login.user.id });
    expect((await app.inject({ method: 'GET', url: '/wx/v1/me', headers: bearer(login.accessToken) })).statusCode).toBe(
      404,
    );
  });

  it('with { verify }: its claims become wxUser; a plain throw is a 401, an AppError answers as itself', async () => {
    const { auth } = await libraryAuth();
    const app = await hostApp(auth, {
      withRoutes: false,
      plugin: {
        verify: async (token) => {
          if (token === 'good') return { sub: 'user-1', appid: DEV_APPID, sid: 'sid-1' };
          if (token === 'unreachable') throw new AppError('DEPENDENCY_UNAVAILABLE');
          throw new Error('signature verification failed');
        },
      },
    });
    const good = await app.inject({ method: 'GET', url: '/orders', headers: bearer('good') });
    expect(good.json()).toEqual({ user: { id: 'user-1', appid: DEV_APPID, sid: 'sid-1' } });
    const bad = await app.inject({ method: 'GET', url: '/orders', headers: bearer('bad') });
    expect([bad.statusCode, errorCode(bad)]).toEqual([401, 'UNAUTHORIZED']);
    expect(bad.body).not.toContain('signature verification failed');
    const down = await app.inject({ method: 'GET', url: '/orders', headers: bearer('unreachable') });
    expect([down.statusCode, errorCode(down)]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
  });

  it("an unexpected failure of auth goes to the host's error handler, not answered as a 401", async () => {
    const { auth } = await libraryAuth();
    const failing: Pick<Auth, 'verifyAccessToken'> = {
      verifyAccessToken: async () => {
        throw new Error('database is on fire');
      },
    };
    const app = await hostApp(auth, { withRoutes: false, plugin: { auth: failing } });
    const orders = await app.inject({ method: 'GET', url: '/orders', headers: bearer('any.token.here') });
    expect([orders.statusCode, orders.json()]).toEqual([418, { hostError: 'database is on fire' }]);
  });

  it('requireWxUser without the plugin in its context fails loudly instead of letting the request through', async () => {
    const app = Fastify();
    app.get('/orders', { preHandler: requireWxUser }, async () => ({ ok: true }));
    onTestFinished(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/orders' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('"ok"');
  });
});
