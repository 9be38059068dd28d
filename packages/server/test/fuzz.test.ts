import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEFAULT_DEV_SECRET, DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type WxloginApp } from '../src/app.js';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { loadConfig } from '../src/config/load-config.js';
import { ERROR_CATALOGUE } from '../src/errors/catalogue.js';
import { openStore, type Store } from '../src/store/index.js';
import { openRaw, type RawResponse } from './helpers/raw-http.js';

// Fixed seeds and run counts: a failure names its counterexample and reproduces with the same seed.
const SEED = 20_240_609;
const RUNS_PER_ROUTE = 160;
const RUNS_ANY_PATH = 500;
const RAW_CASES = 60;

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
const METRICS_TOKEN = 'fuzz-metrics-token-0123456789abcd';

/** A wxlogin on `sqlite::memory:` with the admin API and metrics token on, for the whole file. */
interface FuzzTarget {
  app: WxloginApp;
  simulator: Simulator;
  store: Store;
  masterKey: string;
  logs: string[];
  close(): Promise<void>;
}

async function startTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const simulator = createSimulator();
  const simulatorUrl = await simulator.listen({ port: 0 });
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const masterKey = randomBytes(32).toString('base64');
  const config = loadConfig({
    env: {
      WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: 'sqlite::memory:',
      WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
      WXLOGIN_WECHAT_TIMEOUT_MS: '2000',
      WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN,
      WXLOGIN_METRICS_TOKEN: METRICS_TOKEN,
      // Thousands of requests from one IP: the limits would turn most cases into 429 and hide the routes behind.
      WXLOGIN_RATE_LIMIT_PER_MIN: '0',
      WXLOGIN_USER_RATE_LIMIT_PER_MIN: '0',
      WXLOGIN_LOG_LEVEL: 'debug',
      ...env,
    },
  });
  const logs: string[] = [];
  const app = await createApp(config, { store, logStream: { write: (line) => void logs.push(line) } });
  return {
    app,
    simulator,
    store,
    masterKey,
    logs,
    async close() {
      await app.close();
      await store.close();
      await simulator.close();
    },
  };
}

interface Session {
  accessToken: string;
  refreshToken: string;
  userId: string;
  openid: string;
}

async function login(target: FuzzTarget): Promise<Session> {
  const { code, openid } = target.simulator.login({ appid: DEV_APPID });
  const response = await target.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { code, appid: DEV_APPID },
  });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<LoginResponse>();
  return { accessToken: body.accessToken, refreshToken: body.refreshToken, userId: body.user.id, openid };
}

// ---------------------------------------------------------------------------------------------------------------
// What every answer must be.

const STACK_OR_PATH = /\n\s+at |node:internal|node_modules|\/work\/|file:\/\/|\.[cm]?[jt]s:\d+|\bError: /;

/** The secrets of a target: none may appear in an answer or a log line. */
function secretsOf(target: FuzzTarget, sessions: Session[]): string[] {
  const keys = sessions
    .map((s) => target.simulator.getUser(DEV_APPID, s.openid)?.sessionKey)
    .filter((k): k is string => !!k);
  return [
    target.masterKey,
    ADMIN_TOKEN,
    METRICS_TOKEN,
    DEFAULT_DEV_SECRET,
    ...keys,
    ...sessions.flatMap((s) => [s.accessToken, s.refreshToken]),
  ];
}

/** Throws (for fast-check to report) unless `response` is a 4xx in the envelope or one of `success`. */
function checkAnswer(
  method: string,
  status: number,
  headers: Record<string, unknown>,
  body: string,
  success: readonly number[],
  secrets: readonly string[],
): void {
  const where = `${method} → ${status} ${body.slice(0, 300)}`;
  if (status >= 500) throw new Error(`5xx: ${where}`);
  // swagger-ui's own scripts and styles are third-party text, not answers of the service.
  const json = String(headers['content-type'] ?? '').startsWith('application/json');
  if ((json || status >= 400) && STACK_OR_PATH.test(body))
    throw new Error(`stack or internal path in the body: ${where}`);
  for (const secret of secrets) if (body.includes(secret)) throw new Error(`a secret in the body: ${where}`);
  if (status < 400) {
    if (!success.includes(status)) throw new Error(`unexpected success status: ${where}`);
    return;
  }
  if (method === 'HEAD') return; // no body to check
  if (!json) throw new Error(`4xx not JSON: ${where}`);
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown; wechat?: unknown } };
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== 'error' || typeof parsed.error !== 'object' || parsed.error === null)
    throw new Error(`not the envelope: ${where}`);
  const { code, message } = parsed.error;
  if (typeof code !== 'string' || !(code in ERROR_CATALOGUE)) throw new Error(`code not in the catalogue: ${where}`);
  if (ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status !== status)
    throw new Error(`status is not the catalogue's for ${code}: ${where}`);
  if (typeof message !== 'string' || message.length === 0) throw new Error(`no message: ${where}`);
  const extra = Object.keys(parsed.error).filter((k) => k !== 'code' && k !== 'message' && k !== 'wechat');
  if (extra.length > 0) throw new Error(`extra fields ${extra.join(',')}: ${where}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The routes, read from the OpenAPI document (plus the hidden ones it leaves out).

type Guard = 'none' | 'bearer' | 'bearer-optional' | 'admin' | 'metrics';

interface FuzzRoute {
  method: string;
  /** Path template with `{param}` placeholders. */
  path: string;
  guard: Guard;
  bodyFields: string[];
  queryFields: string[];
  success: number[];
  /** Ends or changes the session it is called with: gets a fresh session each time a valid one is drawn. */
  destructive: boolean;
}

interface OpenApiOperation {
  security?: Record<string, unknown>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
  responses?: Record<string, unknown>;
}

const DESTRUCTIVE = /logout|revoke|disable|delete|unbind|^DELETE /;

function documentedRoutes(app: WxloginApp): FuzzRoute[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: FuzzRoute[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const schemes = (operation.security ?? []).map((s) => Object.keys(s)[0]);
      const guard: Guard = schemes.includes('adminToken')
        ? 'admin'
        : schemes.includes('bearer')
          ? schemes.includes(undefined)
            ? 'bearer-optional'
            : 'bearer'
          : 'none';
      const body = operation.requestBody?.content?.['application/json']?.schema?.properties ?? {};
      const success = Object.keys(operation.responses ?? {})
        .filter((s) => /^2\d\d$/.test(s))
        .map(Number);
      const upper = method.toUpperCase();
      routes.push({
        method: upper,
        path,
        guard,
        bodyFields: Object.keys(body),
        queryFields: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        success,
        destructive: DESTRUCTIVE.test(`${upper} ${path}`),
      });
    }
  }
  return routes;
}

// Hidden from the document (schema.hide) but served all the same.
const HIDDEN_ROUTES: FuzzRoute[] = [
  {
    method: 'GET',
    path: '/openapi.json',
    guard: 'none',
    bodyFields: [],
    queryFields: [],
    success: [200],
    destructive: false,
  },
  {
    method: 'GET',
    path: '/metrics',
    guard: 'metrics',
    bodyFields: [],
    queryFields: [],
    success: [200],
    destructive: false,
  },
  // swagger-ui: a redirect to its trailing-slash page, and its static files (a `..` in a file name resolves to them).
  {
    method: 'GET',
    path: '/docs',
    guard: 'none',
    bodyFields: [],
    queryFields: [],
    success: [200, 302, 304],
    destructive: false,
  },
  {
    method: 'GET',
    path: '/docs/json',
    guard: 'none',
    bodyFields: [],
    queryFields: [],
    success: [200],
    destructive: false,
  },
  {
    method: 'GET',
    path: '/docs/yaml',
    guard: 'none',
    bodyFields: [],
    queryFields: [],
    success: [200],
    destructive: false,
  },
  {
    method: 'GET',
    path: '/docs/static/{file}',
    guard: 'none',
    bodyFields: [],
    queryFields: [],
    success: [200, 302, 304],
    destructive: false,
  },
  {
    method: 'POST',
    path: '/admin/api/{rest}',
    guard: 'admin',
    bodyFields: ['reason'],
    queryFields: [],
    success: [],
    destructive: false,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries.

/** Values made while one case runs: the fields of one request share them (an encryptedData and its own iv). */
type CaseState = Map<string, unknown>;

/**
 * A value made when the case runs, not when it is generated: a login code is good once, and a genuine
 * encryptedData needs the session key of the moment. Printed by its label in a counterexample.
 */
class Deferred {
  constructor(
    readonly label: string,
    readonly make: (state: CaseState) => unknown,
  ) {}
  [fc.toStringMethod](): string {
    return `<${this.label}>`;
  }
}
const deferred = (label: string, make: (state: CaseState) => unknown): Deferred => new Deferred(label, make);

function resolve(value: unknown, state: CaseState): unknown {
  if (value instanceof Deferred) return value.make(state);
  if (Array.isArray(value)) return value.map((v) => resolve(v, state));
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, state)]));
  }
  return value;
}

const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 70_000 }), fc.constantFrom('x', '字', '😀', '\u0000', '%', '\\'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

const invalidBase64 = fc.oneof(
  fc.constantFrom(
    '',
    '=',
    '====',
    'YQ',
    'YQ=',
    '***',
    'A'.repeat(5),
    '////',
    '-_-_',
    'AAAA\nAAAA',
    ' QUJD ',
    'QUJD====',
    '\u00ff\u00fe',
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 64 }),
);
// Base64 of the wrong number of bytes: an iv must be 16, ciphertext whole 16-byte blocks.
const wrongLengthBase64 = fc
  .uint8Array({ minLength: 0, maxLength: 48 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));

const deepNesting = fc
  .integer({ min: 10, max: 3_000 })
  .chain((depth) =>
    fc.constantFrom(
      JSON.parse('['.repeat(Math.min(depth, 500)) + ']'.repeat(Math.min(depth, 500))) as unknown,
      JSON.parse('{"a":'.repeat(Math.min(depth, 500)) + '1' + '}'.repeat(Math.min(depth, 500))) as unknown,
    ),
  );

/** A value of any JSON type, hostile ones preferred. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e',
    '\ud800',
    'null',
    'undefined',
    'true',
    '0',
    '-1',
    '1e309',
    '__proto__',
    '../../etc/passwd',
    '<script>',
    "' OR 1=1 --",
    'http://tmp/a.jpg',
    'wxfile://tmp_a.jpg',
  ),
  hugeString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
  deepNesting,
  invalidBase64,
  wrongLengthBase64,
);

interface Fixtures {
  target: FuzzTarget;
  /** Signed-in sessions: [0] is used by every non-destructive route and stays alive. */
  main: Session;
  refreshVictim: Session;
  adminVictim: Session;
}

/** Field values that get past the schema, so the handlers behind it are fuzzed too. */
function plausibleValue(field: string, f: Fixtures): fc.Arbitrary<unknown> {
  // One genuine pair per case, sealed with the user's current session key: its iv and its ciphertext belong together.
  const genuine = (state: CaseState): { encryptedData: string; iv: string } => {
    let pair = state.get('pair') as { encryptedData: string; iv: string } | undefined;
    if (pair === undefined) {
      pair = f.target.simulator.encrypt({
        appid: DEV_APPID,
        openid: f.main.openid,
        data: { phoneNumber: '13800138000', countryCode: '86' },
      });
      state.set('pair', pair);
    }
    return pair;
  };
  switch (field) {
    case 'code':
      return fc.constantFrom(
        deferred('fresh login code', () => f.target.simulator.login({ appid: DEV_APPID }).code),
        deferred(
          'fresh phone code',
          () =>
            f.target.simulator.phoneCode({ appid: DEV_APPID, openid: f.main.openid, phoneNumber: '13800138000' }).code,
        ),
        'used-or-unknown-code',
      );
    case 'appid':
      return fc.constantFrom(DEV_APPID, 'wx0000000000000000', DEV_APPID.toUpperCase(), `${DEV_APPID} `);
    case 'refreshToken':
      return fc.constantFrom(
        f.refreshVictim.refreshToken,
        `${f.refreshVictim.refreshToken}x`,
        f.refreshVictim.refreshToken.slice(0, -2),
        'rt_x.y',
      );
    case 'encryptedData':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant(deferred('genuine encryptedData', (st) => genuine(st).encryptedData)) },
        fc.constant(
          deferred('encryptedData with a bad character', (st) => `${genuine(st).encryptedData.slice(0, -4)}*AAA`),
        ),
        fc.constant(deferred('encryptedData cut short', (st) => genuine(st).encryptedData.slice(8))),
        fc.constant(deferred('encryptedData with a flipped block', (st) => flipFirstByte(genuine(st).encryptedData))),
      );
    case 'iv':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant(deferred('genuine iv', (st) => genuine(st).iv)) },
        fc.constant(
          deferred(
            'iv of another payload',
            () => f.target.simulator.encrypt({ appid: DEV_APPID, openid: f.main.openid, data: {} }).iv,
          ),
        ),
        wrongLengthBase64,
        invalidBase64,
      );
    case 'nickname':
      return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constant('x'.repeat(65)));
    case 'avatarUrl':
      return fc.oneof(fc.webUrl(), fc.constant('https://cdn.example.com/a.png'));
    case 'all':
      return fc.boolean();
    case 'reason':
      return fc.string({ unit: 'grapheme', maxLength: 300 });
    case 'q':
    case 'cursor':
    case 'userId':
    case 'appid-query':
      return fc.string({ maxLength: 40 });
    case 'limit':
      return fc.oneof(fc.integer({ min: -5, max: 500 }).map(String), fc.string({ maxLength: 5 }));
    case 'window':
      return fc.constantFrom('1h', '24h', '7d', '30d', 'x', '');
    default:
      return fc.string({ maxLength: 20 });
  }
}

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return bytes.toString('base64');
}

/** Routes whose body has alternative forms (the handler wants exactly one). */
const BODY_FORMS: Record<string, string[][]> = {
  'POST /v1/me/phone': [['code'], ['encryptedData', 'iv']],
  'POST /v1/auth/logout': [['refreshToken'], ['all']],
  'POST /v1/auth/login': [['code'], ['code', 'appid'], ['code', 'appid', 'loginNonce']],
};

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json;;',
  'application/ld+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'json',
  '',
];

/** A whole request body: the route's own fields with plausible or hostile values, or anything at all. */
function payloadFor(
  route: FuzzRoute,
  f: Fixtures,
): fc.Arbitrary<{ contentType: string | undefined; payload: unknown }> {
  const known = route.bodyFields.length > 0 ? route.bodyFields : ['x'];
  const shaped = fc
    .record({
      fields: fc.subarray(known),
      values: fc.array(
        fc.oneof({ weight: 3, arbitrary: fc.constant('plausible' as const) }, { weight: 2, arbitrary: hostileValue }),
      ),
      extra: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype')),
        hostileValue,
        { maxKeys: 2 },
      ),
      plausible: fc.tuple(...known.map((field) => plausibleValue(field, f))),
    })
    .map(({ fields, values, extra, plausible }) => {
      const body: Record<string, unknown> = { ...extra };
      fields.forEach((field, i) => {
        const value = values[i] ?? 'plausible';
        body[field] = value === 'plausible' ? plausible[known.indexOf(field)] : value;
      });
      return body;
    });
  // One of the route's body forms with values that pass its schema: what reaches the handlers behind it.
  const forms = BODY_FORMS[`${route.method} ${route.path}`] ?? [known];
  const plausibleOnly = fc
    .constantFrom(...forms)
    .chain((form) =>
      fc
        .tuple(...form.map((field) => plausibleValue(field, f)))
        .map((values) => Object.fromEntries(form.map((field, i) => [field, values[i]]))),
    );
  const anyJson = fc.json({ depthSize: 'medium' });
  const deepText = fc
    .integer({ min: 1_000, max: 30_000 })
    .chain((depth) =>
      fc.constantFrom(
        '['.repeat(depth) + ']'.repeat(depth),
        '{"a":'.repeat(depth) + '0' + '}'.repeat(depth),
        '['.repeat(depth),
      ),
    );
  const garbage = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      '{',
      '}',
      '{"a":}',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      'null',
      '[]',
      '""',
      '0',
      'true',
      '{"code":"a"',
      '\u0000',
    ),
    hugeString,
  );
  return fc.record({
    contentType: fc.oneof(
      { weight: 12, arbitrary: fc.constant('application/json') },
      { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9.+-]{1,12}(; [a-z]{1,6}=[a-z0-9-]{0,8})?$/) },
    ),
    payload: fc.oneof(
      { weight: 6, arbitrary: plausibleOnly },
      { weight: 6, arbitrary: shaped },
      { weight: 2, arbitrary: anyJson },
      { weight: 1, arbitrary: deepText },
      { weight: 2, arbitrary: garbage },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  });
}

type Credential = 'valid' | 'none' | 'garbage' | 'wrong-scheme' | 'other-kind' | 'truncated';

const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('valid' as const) },
  { weight: 1, arbitrary: fc.constantFrom('none', 'garbage', 'wrong-scheme', 'other-kind', 'truncated') },
);

const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
    fc.constantFrom(
      'accept',
      'accept-encoding',
      'x-forwarded-for',
      'origin',
      'user-agent',
      'accept-language',
      'if-none-match',
      'range',
    ),
  ),
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    fc.constantFrom('*/*', 'gzip, br', '999.1.1.1', 'bytes=0-1', '"x"', 'a'.repeat(4000)),
  ),
  { maxKeys: 4 },
);

// A lone surrogate cannot be percent-encoded (encodeURIComponent throws): it travels as U+FFFD, as a client's would.
const encode = (text: string): string => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));

const segment = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '%2e%2e',
    '%zz',
    '%',
    '%00',
    '%c0%af',
    '00000000-0000-0000-0000-000000000000',
    'index.html',
    'swagger-ui.css',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encode),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((s) => s.replace(/[?#]/g, '')),
  fc.integer({ min: 100, max: 2_000 }).map((n) => 'a'.repeat(n)),
);

function authorization(
  route: FuzzRoute,
  kind: Credential,
  session: () => Promise<Session>,
  f: Fixtures,
): Promise<string | undefined> {
  const token = async (): Promise<string> => {
    if (route.guard === 'admin') return ADMIN_TOKEN;
    if (route.guard === 'metrics') return METRICS_TOKEN;
    return (await session()).accessToken;
  };
  switch (kind) {
    case 'none':
      return Promise.resolve(undefined);
    case 'valid':
      return route.guard === 'none' ? Promise.resolve(undefined) : token().then((t) => `Bearer ${t}`);
    case 'garbage':
      return Promise.resolve('Bearer eyJhbGciOiJub25lIn0.e30.');
    case 'wrong-scheme':
      return token().then((t) => `Basic ${t}`);
    case 'other-kind':
      // A user's token where the admin's is asked, and the other way round.
      return Promise.resolve(`Bearer ${route.guard === 'admin' ? f.main.accessToken : ADMIN_TOKEN}`);
    case 'truncated':
      return token().then((t) => `Bearer ${t.slice(0, -3)}`);
  }
}

interface Counters {
  cases: number;
  byStatus: Map<number, number>;
}

function fillPath(route: FuzzRoute, values: string[], f: Fixtures): string {
  let i = 0;
  return route.path.replace(/\{[^}]+\}/g, () => values[i++] ?? f.adminVictim.userId);
}

describe('fuzz: every route answers 4xx or its 2xx in the error envelope, never 5xx [sqlite]', () => {
  let f: Fixtures;
  let routes: FuzzRoute[];
  const counters: Counters = { cases: 0, byStatus: new Map() };
  const sessions: Session[] = [];

  beforeAll(async () => {
    const target = await startTarget();
    const main = await login(target);
    const refreshVictim = await login(target);
    const adminVictim = await login(target);
    sessions.push(main, refreshVictim, adminVictim);
    f = { target, main, refreshVictim, adminVictim };
    routes = [...documentedRoutes(target.app), ...HIDDEN_ROUTES];
  });

  afterAll(async () => {
    const byStatus = [...counters.byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    console.log(
      `fuzz: ${counters.cases} inject cases over ${routes.length} routes (seed ${SEED}); statuses ${byStatus}`,
    );
    await f?.target.close();
  });

  async function run(
    route: FuzzRoute,
    input: {
      method: string;
      params: string[];
      query: Record<string, unknown>;
      credential: Credential;
      headers: Record<string, string>;
      body: { contentType: string | undefined; payload: unknown };
    },
  ): Promise<LightMyRequestResponse> {
    // A route that ends sessions gets a fresh one whenever it is given a valid credential; the others share one.
    const session = route.destructive
      ? () => login(f.target).then((s) => (sessions.push(s), s))
      : () => Promise.resolve(f.main);
    const auth = await authorization(route, input.credential, session, f);
    const url = fillPath(route, input.params, f);
    const query = Object.entries(input.query)
      .map(([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))}`)
      .join('&');
    const payload = input.body.payload;
    const headers: Record<string, string> = { ...input.headers };
    if (auth !== undefined) headers['authorization'] = auth;
    if (input.body.contentType !== undefined && payload !== undefined) headers['content-type'] = input.body.contentType;
    const method = input.method as 'GET';
    const response = await f.target.app.inject({
      method,
      url: query ? `${url}?${query}` : url,
      headers,
      ...(payload === undefined || method === 'GET' || method === 'HEAD'
        ? {}
        : {
            payload:
              typeof payload === 'string' || Buffer.isBuffer(payload)
                ? payload
                : JSON.stringify(resolve(payload, new Map())),
          }),
    });
    counters.cases++;
    counters.byStatus.set(response.statusCode, (counters.byStatus.get(response.statusCode) ?? 0) + 1);
    return response;
  }

  /** Methods no route serves at this path (another method there would be another route's answer, say a DELETE). */
  function unservedMethods(route: FuzzRoute): string[] {
    const served = new Set(
      routes.filter((r) => r.path === route.path).flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])),
    );
    if (route.path === '/admin/api/{rest}') return [];
    return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'].filter((m) => !served.has(m));
  }

  function requestFor(route: FuzzRoute) {
    const placeholders = (route.path.match(/\{[^}]+\}/g) ?? []).length;
    const others = unservedMethods(route);
    return fc.record({
      method:
        others.length === 0
          ? fc.constant(route.method)
          : fc.oneof(
              { weight: 12, arbitrary: fc.constant(route.method) },
              { weight: 1, arbitrary: fc.constantFrom(...others) },
            ),
      params: fc.array(
        fc.oneof({ weight: 2, arbitrary: fc.constant(f.adminVictim.userId) }, { weight: 3, arbitrary: segment }),
        {
          minLength: placeholders,
          maxLength: placeholders,
        },
      ),
      query: fc.dictionary(
        fc.oneof(
          fc.constantFrom(...(route.queryFields.length > 0 ? route.queryFields : ['x'])),
          fc.string({ maxLength: 10 }),
        ),
        fc.oneof(fc.string({ maxLength: 40 }), ...route.queryFields.map((q) => plausibleValue(q, f)), hostileValue),
        { maxKeys: 3 },
      ),
      credential,
      headers: extraHeaders,
      body: payloadFor(route, f),
    });
  }

  // Not `it.each` over `routes`: the list is read from the live app's OpenAPI document, which exists only once
  // beforeAll ran. One test walks them all and names the route in any failure.
  it(`every documented and hidden route, ${RUNS_PER_ROUTE} cases each: only 4xx in the envelope or the route's 2xx, no stack, no secret`, async () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    // Routes that end sessions last: the shared session stays alive for the others (they get fresh ones anyway).
    const ordered = [...routes].sort((a, b) => Number(a.destructive) - Number(b.destructive));
    for (const [index, route] of ordered.entries()) {
      const secrets = secretsOf(f.target, sessions);
      await fc
        .assert(
          fc.asyncProperty(requestFor(route), async (input) => {
            const response = await run(route, input);
            const success =
              input.method === route.method || (input.method === 'HEAD' && route.method === 'GET') ? route.success : [];
            checkAnswer(input.method, response.statusCode, response.headers, response.body, success, secrets);
          }),
          { seed: SEED + index, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
        )
        .catch((error: unknown) => {
          const cause = (error as Error).cause;
          throw new Error(
            `${route.method} ${route.path}: ${(error as Error).message}${cause instanceof Error ? `\ncause: ${cause.message}` : ''}`,
          );
        });
    }
  }, 60_000);

  it(`${RUNS_ANY_PATH} random methods and paths: 404 NOT_FOUND (or a route's own answer) in the envelope`, async () => {
    const secrets = secretsOf(f.target, sessions);
    const path = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
      fc.constantFrom(
        '/v1',
        '/v1/',
        '/v1/me/',
        '//v1//me',
        '/v1/me?',
        '/v1/me#x',
        '/V1/ME',
        '/admin',
        '/admin/',
        '/admin/api/',
        '/.well-known/',
        '/docs/static/../../package.json',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/\u00e9',
        `/${'x'.repeat(10_000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path,
        extraHeaders,
        fc.oneof(fc.constant(undefined), fc.json()),
        async (method, url, headers, payload) => {
          const response = await f.target.app.inject({
            method: method as 'GET',
            url,
            headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
            ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload }),
          });
          counters.cases++;
          counters.byStatus.set(response.statusCode, (counters.byStatus.get(response.statusCode) ?? 0) + 1);
          // A random path may hit a real route (the docs, /healthz…): any of their 2xx or a redirect is fine.
          checkAnswer(method, response.statusCode, response.headers, response.body, [200, 204, 302, 304], secrets);
        },
      ),
      { seed: SEED, numRuns: RUNS_ANY_PATH, endOnFailure: true },
    );
  }, 30_000);

  it('after all of it the service is healthy: a normal login, /v1/me and /readyz work, and no log line holds a secret', async () => {
    const fresh = await login(f.target);
    sessions.push(fresh);
    const me = await f.target.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${fresh.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect((await f.target.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(counters.cases).toBeGreaterThanOrEqual(5_000);

    const secrets = secretsOf(f.target, sessions);
    const leaking = f.target.logs.filter((line) => secrets.some((s) => line.includes(s)));
    expect(leaking.slice(0, 3)).toEqual([]);
    // Fuzzing is the service's clients misbehaving, never the service failing.
    const errors = f.target.logs
      .map((l) => JSON.parse(l) as { level: number; msg?: string })
      .filter((l) => l.level >= 50);
    expect(errors.slice(0, 3)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Malformed HTTP over a real socket: what inject() never exercises (Node's own parser and timeouts).

describe('fuzz: malformed HTTP on a real socket is answered in the envelope, and the server stays healthy [sqlite]', () => {
  let target: FuzzTarget;
  let port: number;
  let session: Session;

  beforeAll(async () => {
    // The shortest deadlines the configuration allows, so a request left incomplete is cut in about a second.
    target = await startTarget({
      WXLOGIN_REQUEST_TIMEOUT_MS: '1000',
      WXLOGIN_HEADERS_TIMEOUT_MS: '1000',
      WXLOGIN_KEEP_ALIVE_TIMEOUT_MS: '1000',
    });
    await target.app.listen({ host: '127.0.0.1', port: 0 });
    port = (target.app.server.address() as AddressInfo).port;
    session = await login(target);
  });
  afterAll(async () => {
    await target?.close();
  });

  const base = (): string[] => {
    const body = JSON.stringify({ code: 'fuzz-code', appid: DEV_APPID });
    return [
      `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      `GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${session.accessToken}\r\n\r\n`,
      `POST /v1/me/profile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${session.accessToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"ni\r\n10\r\nckname":"fuzzer"}\r\n0\r\n\r\n`,
    ];
  };

  type Mutation =
    | { kind: 'insert'; at: number; bytes: string }
    | { kind: 'delete'; at: number; length: number }
    | { kind: 'header'; line: string }
    | { kind: 'flood'; count: number; size: number }
    | { kind: 'content-length'; value: string }
    | { kind: 'chunk'; size: string }
    | { kind: 'truncate'; keep: number };

  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
        fc.constantFrom('\r\n', '\n', '\r', '\u0000', ' ', ':', '\u007f', '\r\n\r\n'),
      ),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
    fc.record({
      kind: fc.constant('header' as const),
      line: fc.constantFrom(
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Transfer-Encoding: chunked, identity',
        'Content-Length: 5',
        'Content-Length: -1',
        'Content-Length: 1e3',
        'Content-Length: 0x10',
        'Host: a',
        'Host:',
        'Expect: 100-continue',
        'Connection: upgrade',
        'Upgrade: h2c',
        ' folded: value',
        'X-A:\tb',
        'X-Ü: v',
        'X-A: \u00ff',
      ),
    }),
    fc.record({
      kind: fc.constant('flood' as const),
      count: fc.integer({ min: 100, max: 3_000 }),
      size: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({
      kind: fc.constant('content-length' as const),
      value: fc.oneof(
        fc.integer({ min: 0, max: 100_000 }).map(String),
        fc.constantFrom('', 'abc', '1,2', '99999999999999999999', ' 5'),
      ),
    }),
    fc.record({
      kind: fc.constant('chunk' as const),
      size: fc.oneof(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 20 }),
        fc.constantFrom('-1', 'g', ' 4', '4;ext=1', `4;${'e'.repeat(20_000)}`, 'FFFFFFFFFFFFFFFF'),
      ),
    }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  );

  function apply(request: string, m: Mutation): string {
    const head = request.indexOf('\r\n\r\n');
    switch (m.kind) {
      case 'insert': {
        const at = m.at % (request.length + 1);
        return request.slice(0, at) + m.bytes + request.slice(at);
      }
      case 'delete': {
        const at = m.at % request.length;
        return request.slice(0, at) + request.slice(at + m.length);
      }
      case 'header':
        return `${request.slice(0, head)}\r\n${m.line}${request.slice(head)}`;
      case 'flood': {
        const lines = Array.from({ length: m.count }, (_, i) => `X-Flood-${i}: ${'v'.repeat(m.size)}`).join('\r\n');
        return `${request.slice(0, head)}\r\n${lines}${request.slice(head)}`;
      }
      case 'content-length':
        return /Content-Length: \d+/.test(request)
          ? request.replace(/Content-Length: \d+/, `Content-Length: ${m.value}`)
          : `${request.slice(0, head)}\r\nContent-Length: ${m.value}${request.slice(head)}`;
      case 'chunk':
        return request.includes('\r\n\r\n4\r\n') ? request.replace('\r\n\r\n4\r\n', `\r\n\r\n${m.size}\r\n`) : request;
      case 'truncate':
        return request.slice(0, m.keep % request.length);
    }
  }

  it(`${RAW_CASES} mutated requests (bad framing, header floods, truncated and slow bodies): each answered below 500, errors in the envelope`, async () => {
    const secrets = [target.masterKey, ADMIN_TOKEN, METRICS_TOKEN, DEFAULT_DEV_SECRET, session.refreshToken];
    const cases = fc.sample(
      fc.record({ request: fc.constantFrom(...base()), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
      { seed: SEED, numRuns: RAW_CASES },
    );
    const outcomes = new Map<string, number>();
    // In parallel, 20 at a time: an incomplete request costs the 1 s deadline, parser errors a few milliseconds.
    for (let start = 0; start < cases.length; start += 20) {
      await Promise.all(
        cases.slice(start, start + 20).map(async ({ request, mutations }, offset) => {
          const bytes = mutations.reduce(apply, request);
          const connection = await openRaw(port);
          let response: RawResponse | undefined;
          try {
            connection.write(Buffer.from(bytes, 'latin1'));
            response = await connection.response(4000).catch(async (error: unknown) => {
              // A request the parser read as complete but that asked for nothing answerable (an upgrade) may be closed
              // without an answer; it must at least not be left open.
              await connection.closed(4000);
              if (/closed before an answer/.test((error as Error).message)) return undefined;
              throw error;
            });
          } finally {
            connection.destroy();
          }
          const label = response === undefined ? 'closed' : String(response.status);
          outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
          if (response === undefined) return;
          try {
            checkAnswer('RAW', response.status, response.headers, response.body, [200, 204], secrets);
          } catch (error) {
            throw new Error(
              `case ${start + offset} ${JSON.stringify(mutations).slice(0, 300)}: ${(error as Error).message}`,
            );
          }
        }),
      );
    }
    console.log(
      `fuzz raw: ${cases.length} malformed requests on real sockets; outcomes ${[...outcomes].map(([k, n]) => `${k}:${n}`).join(' ')}`,
    );

    // Healthy after: a normal login over a real connection, and /readyz.
    const { code } = target.simulator.login({ appid: DEV_APPID });
    const body = JSON.stringify({ code, appid: DEV_APPID });
    const connection = await openRaw(port);
    connection.write(
      `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    const loggedIn = await connection.response();
    connection.destroy();
    expect(loggedIn.status, loggedIn.body).toBe(200);
    expect((await target.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }, 30_000);
});
