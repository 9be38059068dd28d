import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { registerApiDocs } from '../src/openapi/register-api-docs.js';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Json }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
  tags?: { name: string }[];
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);
const ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef-openapi';
/** With the admin token set, every route of the service exists (the admin API only then). */
const EVERY_ROUTE = { env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } };

async function fetchDocument(t: TestApp): Promise<OpenApiDocument> {
  const response = await t.get('/openapi.json');
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return response.json<OpenApiDocument>();
}

function operations(doc: OpenApiDocument): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** A copy of `schema` with every `#/components/schemas/X` reference replaced by X (the document has no cycles). */
function inlineRefs(schema: unknown, doc: OpenApiDocument, depth = 0): unknown {
  expect(depth).toBeLessThan(20);
  if (Array.isArray(schema)) return schema.map((item) => inlineRefs(item, doc, depth + 1));
  if (typeof schema !== 'object' || schema === null) return schema;
  const ref = (schema as Json)['$ref'];
  if (typeof ref === 'string') {
    expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
    const target = doc.components.schemas[ref.slice('#/components/schemas/'.length)];
    expect(target, `${ref} resolves`).toBeDefined();
    return inlineRefs(target, doc, depth + 1);
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inlineRefs(value, doc, depth + 1)]));
}

/** Paths of fields in `body` that `schema` does not declare (whatever its `additionalProperties` says). */
function undeclaredFields(body: unknown, schema: Json, at = '$'): string[] {
  const branches = (schema['anyOf'] ?? schema['oneOf']) as Json[] | undefined;
  if (branches) {
    const fitting = branches.find((branch) => (body === null ? branch['type'] === 'null' : branch['type'] !== 'null'));
    return fitting ? undeclaredFields(body, fitting, at) : [at];
  }
  if (Array.isArray(body))
    return body.flatMap((item, i) => undeclaredFields(item, (schema['items'] ?? {}) as Json, `${at}[${i}]`));
  if (typeof body !== 'object' || body === null) return [];
  if (schema['additionalProperties'] === true) return []; // explicitly open (decrypted WeChat data)
  const properties = (schema['properties'] ?? {}) as Record<string, Json>;
  // A schema as additionalProperties declares a map (counts per outcome): every other key is declared by it.
  const rest =
    typeof schema['additionalProperties'] === 'object' ? (schema['additionalProperties'] as Json) : undefined;
  return Object.entries(body).flatMap(([key, value]) => {
    const declared = key in properties ? properties[key]! : rest;
    return declared ? undeclaredFields(value, declared, `${at}.${key}`) : [`${at}.${key}`];
  });
}

function responseSchema(doc: OpenApiDocument, path: string, method: string, status: string): Json {
  const schema = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
  expect(schema, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
  return inlineRefs(schema, doc) as Json;
}

/** Validates a real body against the document's schema: valid, and no field the schema does not declare. */
function expectConforms(doc: OpenApiDocument, path: string, method: string, status: string, body: unknown): void {
  const schema = responseSchema(doc, path, method, status);
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  expect(validate(body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
  expect(undeclaredFields(body, schema), `${method} ${path} ${status}: undeclared fields`).toEqual([]);
}

describe('GET /openapi.json [sqlite]', () => {
  it('is an OpenAPI 3.1 document: info, paths, responses with descriptions, every reference resolvable', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('wxlogin');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);

    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    for (const { path, method, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      expect(path, name).toMatch(/^\//);
      expect(op.tags?.length, `${name} is tagged`).toBeGreaterThan(0);
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        `${name} declares its success answer`,
      ).toBe(true);
      for (const [status, response] of Object.entries(op.responses)) {
        expect(status, name).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description, `${name} ${status} description`).toBe('string');
        for (const media of Object.values(response.content ?? {})) {
          // Every schema is JSON Schema 2020-12 (OpenAPI 3.1's dialect) that Ajv compiles in strict mode.
          if (media.schema) ajv.compile(inlineRefs(media.schema, doc) as Json);
        }
      }
      for (const media of Object.values(op.requestBody?.content ?? {}))
        if (media.schema) ajv.compile(inlineRefs(media.schema, doc) as Json);
    }
  });

  it('documents the routes of the encapsulated routes plugin, and hides /openapi.json, /docs and /metrics', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    const documented = new Set(operations(doc).map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    for (const route of [
      'POST /v1/auth/login',
      'POST /v1/auth/refresh',
      'POST /v1/auth/logout',
      'GET /v1/me',
      'PATCH /v1/me',
      'POST /v1/me/profile',
      'GET /.well-known/jwks.json',
      'GET /healthz',
      'GET /readyz',
      'DELETE /v1/me',
      'POST /v1/me/phone',
      'POST /v1/me/decrypt',
      'GET /admin/api/users',
      'GET /admin/api/users/{id}',
    ]) {
      expect(documented, route).toContain(route);
    }
    for (const path of Object.keys(doc.paths)) {
      expect(path).not.toMatch(/^\/(openapi\.json|docs|metrics)/);
    }
  });

  it('marks required request fields', async () => {
    const t = await createTestApp();
    const doc = await fetchDocument(t);
    const body = (path: string) => doc.paths[path]!['post']!.requestBody!;
    expect(body('/v1/auth/login').content!['application/json']!.schema).toMatchObject({
      required: ['code'],
      properties: { code: { type: 'string' }, appid: { type: 'string' }, loginNonce: { type: 'string' } },
    });
    expect(body('/v1/auth/refresh').content!['application/json']!.schema).toMatchObject({ required: ['refreshToken'] });
  });

  it('every operation answers 4XX and 5XX with the one shared ErrorEnvelope schema', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    expect(doc.components.schemas['ErrorEnvelope']).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
    for (const { path, method, op } of operations(doc)) {
      for (const range of ['4XX', '5XX']) {
        expect(op.responses[range]?.content?.['application/json']?.schema, `${method} ${path} ${range}`).toEqual({
          $ref: ENVELOPE_REF,
        });
      }
    }
    // Nowhere is the envelope inlined instead of referenced.
    const text = JSON.stringify(doc.paths);
    expect(text).not.toContain('"required":["error"]');
  });

  it('declares nullable User fields as nullable (type null), never as optional', async () => {
    const t = await createTestApp();
    const doc = await fetchDocument(t);
    const user = responseSchema(doc, '/v1/me', 'get', '200');
    expect(user['required']).toEqual(
      expect.arrayContaining([
        'id',
        'appid',
        'openid',
        'unionid',
        'phone',
        'nickname',
        'avatarUrl',
        'status',
        'createdAt',
      ]),
    );
    const properties = user['properties'] as Record<string, Json>;
    for (const field of ['unionid', 'phone', 'nickname', 'avatarUrl']) {
      expect(properties[field]!['anyOf'], field).toEqual(expect.arrayContaining([{ type: 'null' }]));
    }
  });

  it('puts the bearer scheme on every /v1/me* operation', async () => {
    const t = await createTestApp();
    const doc = await fetchDocument(t);
    expect(doc.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const me = operations(doc).filter(({ path }) => path === '/v1/me' || path.startsWith('/v1/me/'));
    expect(me.length).toBeGreaterThanOrEqual(2);
    for (const { path, method, op } of me) expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/auth/login']!['post']!.security).toBeUndefined();
  });

  it('puts the admin-token scheme, not the user bearer, on every /admin/api operation', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    expect(doc.components.securitySchemes['adminToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    const admin = operations(doc).filter(({ path }) => path.startsWith('/admin/api/'));
    expect(admin.length).toBeGreaterThan(0);
    for (const { path, method, op } of admin) {
      expect(op.security, `${method} ${path}`).toEqual([{ adminToken: [] }]);
      expect(op.tags, `${method} ${path}`).toEqual(['admin']);
    }
  });

  it('real answers conform to their documented schemas: login, refresh, /v1/me, errors, keys, health', async () => {
    const t = await createTestApp();
    const doc = await fetchDocument(t);

    const login = await t.login({ unionid: 'union-openapi' });
    expect(login.status).toBe(200);
    expectConforms(doc, '/v1/auth/login', 'post', '200', login.body);

    const me = await t.get('/v1/me', login.body.accessToken);
    expect(me.statusCode).toBe(200);
    expectConforms(doc, '/v1/me', 'get', '200', me.json());

    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: { authorization: `Bearer ${login.body.accessToken}` },
      payload: { nickname: 'Ada' },
    });
    expect(patched.statusCode).toBe(200);
    expectConforms(doc, '/v1/me', 'patch', '200', patched.json());
    const posted = await t.app.inject({
      method: 'POST',
      url: '/v1/me/profile',
      headers: { authorization: `Bearer ${login.body.accessToken}` },
      payload: { nickname: 'Ada' },
    });
    expect(posted.statusCode).toBe(200);
    expectConforms(doc, '/v1/me/profile', 'post', '200', posted.json());

    const refreshed = await t.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    expectConforms(doc, '/v1/auth/refresh', 'post', '200', refreshed.json<LoginResponse>());

    const refused = await t.post('/v1/auth/login', { code: 'not-a-real-code', appid: t.appid });
    expect(refused.statusCode).toBe(400);
    expectConforms(doc, '/v1/auth/login', 'post', '4XX', refused.json());

    const unauthorized = await t.get('/v1/me');
    expect(unauthorized.statusCode).toBe(401);
    expectConforms(doc, '/v1/me', 'get', '4XX', unauthorized.json());

    for (const path of ['/.well-known/jwks.json', '/healthz', '/readyz']) {
      const response = await t.get(path);
      expect(response.statusCode, path).toBe(200);
      expectConforms(doc, path, 'get', '200', response.json());
    }
  });

  it('real answers of phone binding and the admin API conform to their documented schemas', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    const login = await t.login({ unionid: 'union-openapi-admin' });
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: login.openid, phoneNumber: '13800138000' });
    const bound = await t.post('/v1/me/phone', { code }, { authorization: `Bearer ${login.body.accessToken}` });
    expect(bound.statusCode).toBe(200);
    expectConforms(doc, '/v1/me/phone', 'post', '200', bound.json());

    const admin = (url: string) =>
      t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const id = login.body.user.id;
    for (const [url, path] of [
      [`/admin/api/users?q=${login.openid}`, '/admin/api/users'],
      [`/admin/api/users/${id}`, '/admin/api/users/{id}'],
      ['/admin/api/apps', '/admin/api/apps'],
      ['/admin/api/stats?window=1h', '/admin/api/stats'],
      ['/admin/api/audit', '/admin/api/audit'],
    ] as const) {
      const response = await admin(url);
      expect(response.statusCode, url).toBe(200);
      expectConforms(doc, path, 'get', '200', response.json());
    }
  });

  it('a route added later, untagged and without error schemas, is documented with a tag and the envelope', async () => {
    const app = Fastify({ logger: false });
    try {
      await registerApiDocs(app);
      await app.register(async (child) => {
        child.get('/v1/me/extra', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({
          ok: true,
        }));
      });
      await app.ready();
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
      const op = doc.paths['/v1/me/extra']!['get']!;
      expect(op.tags).toEqual(['me']);
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(op.responses['200']!.description).toBe('OK');
      expect(op.responses['4XX']!.content!['application/json']!.schema).toEqual({ $ref: ENVELOPE_REF });
      expect(op.responses['5XX']!.content!['application/json']!.schema).toEqual({ $ref: ENVELOPE_REF });
    } finally {
      await app.close();
    }
  });
});

describe('GET /openapi.json: operations and open objects (issue 12) [sqlite]', () => {
  it('gives every operation a summary and a unique camelCase operationId (it had neither)', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    const ids = new Map<string, string>();
    for (const { path, method, op } of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      expect(op.summary?.trim().length, `${name} summary`).toBeGreaterThan(0);
      expect(op.operationId, `${name} operationId`).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(ids.get(op.operationId!), `${name}: operationId ${op.operationId} is taken`).toBeUndefined();
      ids.set(op.operationId!, name);
    }
    expect(ids.get('login')).toBe('POST /v1/auth/login');
    expect(ids.get('refreshTokens')).toBe('POST /v1/auth/refresh');
    expect(ids.get('getMe')).toBe('GET /v1/me');
    // The tags named by operations are the ones the document describes.
    const described = new Set((doc.tags ?? []).map((tag) => tag.name));
    for (const { path, method, op } of operations(doc)) {
      for (const tag of op.tags ?? []) expect(described, `${method} ${path} tag ${tag}`).toContain(tag);
    }
  });

  it('declares no additionalProperties: false on a request body, where the service strips unknown fields', async () => {
    const t = await createTestApp(EVERY_ROUTE);
    const doc = await fetchDocument(t);
    const bodies = operations(doc).filter(({ op }) => op.requestBody !== undefined);
    expect(bodies.length).toBeGreaterThanOrEqual(6);
    const closed = (schema: unknown, at: string): string[] => {
      if (Array.isArray(schema)) return schema.flatMap((item, i) => closed(item, `${at}[${i}]`));
      if (typeof schema !== 'object' || schema === null) return [];
      return Object.entries(schema).flatMap(([key, value]) =>
        key === 'additionalProperties' && value === false ? [at] : closed(value, `${at}.${key}`),
      );
    };
    for (const { path, method, op } of bodies) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        expect(closed(inlineRefs(media.schema, doc), '$'), `${method} ${path} ${type}`).toEqual([]);
      }
    }
    // Responses list every field sent, but /v1 may add fields: no object anywhere in the document is closed.
    expect(closed(doc, '$')).toEqual([]);
    expect(JSON.stringify(doc)).toContain('never refused');
  });

  it('still strips unknown body fields (the routes keep their closed schemas): accepted, ignored, not echoed', async () => {
    const t = await createTestApp();
    const login = await t.post('/v1/auth/login', {
      code: t.simulator.login({ appid: t.appid }).code,
      appid: t.appid,
      fromNewerSdk: { any: 'thing' },
    });
    expect(login.statusCode).toBe(200);
    const { accessToken } = login.json<LoginResponse>();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { nickname: 'Ada', status: 'disabled', openid: 'o-forged' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ nickname: 'Ada', status: 'active' });
    expect(patched.json<{ openid: string }>().openid).not.toBe('o-forged');
  });
});

describe('GET /docs [sqlite]', () => {
  it('answers swagger-ui HTML with a CSP that allows its own assets only, and serves the same document', async () => {
    const t = await createTestApp();
    const page = await t.get('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger-ui');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-eval');

    const bundle = await t.get('/docs/static/swagger-ui-bundle.js');
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const initializer = await t.get('/docs/static/swagger-initializer.js');
    expect(initializer.statusCode).toBe(200);

    const viaUi = await t.get('/docs/json');
    expect(viaUi.json()).toEqual((await t.get('/openapi.json')).json());

    // The docs' CSP stays on /docs: the API's own answers don't carry it.
    const health = await t.get('/healthz');
    expect(health.headers['content-security-policy']).not.toBe(csp);
  });
});
