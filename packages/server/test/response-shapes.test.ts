import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  AdminAppPageSchema,
  AdminOverviewSchema,
  AdminAuditPageSchema,
  AdminRevokeResponseSchema,
  AdminStatsSchema,
  AdminUserDetailSchema,
  AdminUserPageSchema,
  AdminUserSchema,
} from '../src/schemas/admin.js';
import { JwksSchema } from '../src/schemas/jwks.js';
import { ReadinessSchema, ReadyzResponseSchema } from '../src/schemas/readiness.js';
import { LoginResponseSchema, TokenResponseSchema } from '../src/schemas/tokens.js';
import { UserSchema } from '../src/schemas/user.js';
import { createTestApp } from './helpers/test-app.js';

// The serializer writes only the fields a response schema declares: a field an auth function adds (or a schema
// forgets) vanishes from the answer without a failing test. These tests compare the functions' own return values,
// before serialization, with the schemas the routes answer with.

type Json = Record<string, unknown>;

/**
 * The places where `value` does not have exactly the keys of `schema`: every required property present, nothing
 * undeclared, recursively through objects, arrays and nullable unions. Open objects (no declared properties, such as
 * an audit event's detail) are not looked into.
 */
function shapeDrift(value: unknown, schema: TSchema, at = '$'): string[] {
  const s = schema as Json;
  if (Array.isArray(s['anyOf'])) {
    const options = s['anyOf'] as TSchema[];
    if (value === null && options.some((o) => (o as Json)['type'] === 'null')) return [];
    const drifts = options.filter((o) => (o as Json)['type'] !== 'null').map((o) => shapeDrift(value, o, at));
    return drifts.find((d) => d.length === 0) ?? drifts[0] ?? [];
  }
  if (s['type'] === 'array') {
    if (!Array.isArray(value)) return [`${at}: not an array`];
    return value.flatMap((item, i) => shapeDrift(item, s['items'] as TSchema, `${at}[${i}]`));
  }
  if (s['type'] === 'object' && s['properties'] !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`];
    const properties = s['properties'] as Record<string, TSchema>;
    if (Object.keys(properties).length === 0) return [];
    const required = new Set((s['required'] as string[] | undefined) ?? []);
    const keys = Object.keys(value);
    return [
      ...keys.filter((k) => !(k in properties)).map((k) => `${at}.${k}: not in the schema (the serializer drops it)`),
      ...[...required].filter((k) => !keys.includes(k)).map((k) => `${at}.${k}: required by the schema, missing`),
      ...keys
        .filter((k) => k in properties)
        .flatMap((k) => shapeDrift((value as Json)[k], properties[k]!, `${at}.${k}`)),
    ];
  }
  return [];
}

const ADMIN_TOKEN = 'admin-token-0123456789abcdef-shapes';

describe('every answer has exactly the keys of its response schema', () => {
  it('login, refresh and the user answers', async () => {
    const t = await createTestApp();
    const login = await t.auth.login({ code: t.simulator.login({ appid: t.appid }).code, appid: t.appid });
    expect(shapeDrift(login, LoginResponseSchema)).toEqual([]);
    expect(Object.keys(login).sort()).toEqual(Object.keys(LoginResponseSchema.properties).sort());

    const refreshed = await t.auth.refresh({ refreshToken: login.refreshToken });
    expect(shapeDrift(refreshed, TokenResponseSchema)).toEqual([]);
    expect(Object.keys(refreshed).sort()).toEqual(Object.keys(TokenResponseSchema.properties).sort());

    const claims = await t.auth.verifyAccessToken(refreshed.accessToken);
    const me = await t.auth.me(claims);
    expect(Object.keys(me).sort()).toEqual(Object.keys(UserSchema.properties).sort());
    const updated = await t.auth.updateMe(claims, { nickname: 'shape', avatarUrl: 'https://example.com/a.png' });
    expect(shapeDrift(updated, UserSchema)).toEqual([]);
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: login.user.openid, phoneNumber: '13800000042' });
    const bound = await t.auth.bindPhone(claims, { code });
    expect(shapeDrift(bound, UserSchema)).toEqual([]);
    expect(bound.phone).not.toBeNull();
  });

  it('readiness and JWKS', async () => {
    const t = await createTestApp();
    const readiness = await t.auth.readiness();
    expect(shapeDrift(readiness, ReadinessSchema)).toEqual([]);
    // `/readyz` renames `ok` to `status` and adds the error when unavailable; everything else is passed through.
    const passed = Object.keys(ReadinessSchema.properties).filter((k) => k !== 'ok');
    expect(Object.keys(ReadyzResponseSchema.properties).sort()).toEqual([...passed, 'status', 'error'].sort());

    const jwks = await t.auth.jwks();
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(shapeDrift(jwks, JwksSchema)).toEqual([]);
  });

  it('the admin answers', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const { body } = await t.login({ unionid: 'shape-union' });
    const admin = t.auth.admin;
    const id = body.user.id;

    const page = await admin.listUsers({});
    expect(page.items.length).toBeGreaterThan(0);
    expect(shapeDrift(page, AdminUserPageSchema)).toEqual([]);
    expect(Object.keys(page.items[0]!).sort()).toEqual(Object.keys(AdminUserSchema.properties).sort());

    const detail = await admin.getUser(id);
    expect(detail.sessions.length).toBeGreaterThan(0);
    expect(shapeDrift(detail, AdminUserDetailSchema)).toEqual([]);

    expect(shapeDrift(await admin.disableUser(id, 'shape check'), AdminUserSchema)).toEqual([]);
    expect(shapeDrift(await admin.enableUser(id), AdminUserSchema)).toEqual([]);
    expect(shapeDrift(await admin.unbindPhone(id), AdminUserSchema)).toEqual([]);
    expect(shapeDrift(await admin.revokeSessions(id), AdminRevokeResponseSchema)).toEqual([]);

    const stats = await admin.stats({ window: '1h' });
    expect(stats.total).toBeGreaterThan(0);
    expect(shapeDrift(stats, AdminStatsSchema)).toEqual([]);
    expect(shapeDrift(await admin.apps(), AdminAppPageSchema)).toEqual([]);
    expect(shapeDrift(await admin.overview({ window: '1h' }), AdminOverviewSchema)).toEqual([]);
    const [session] = detail.sessions;
    expect(shapeDrift(await admin.revokeSession(id, session!.id), AdminRevokeResponseSchema)).toEqual([]);

    const audit = await admin.audit({});
    expect(audit.items.length).toBeGreaterThan(0);
    expect(shapeDrift(audit, AdminAuditPageSchema)).toEqual([]);
  });

  it('the check itself sees an undeclared and a missing field', () => {
    const user = {
      id: 'u',
      appid: 'a',
      openid: 'o',
      unionid: null,
      phone: null,
      nickname: null,
      avatarUrl: null,
      status: 'active',
      createdAt: '',
    };
    expect(shapeDrift(user, UserSchema)).toEqual([]);
    expect(shapeDrift({ ...user, extra: 1 }, UserSchema)).toEqual([
      '$.extra: not in the schema (the serializer drops it)',
    ]);
    const { phone: _phone, ...withoutPhone } = user;
    expect(shapeDrift(withoutPhone, UserSchema)).toEqual(['$.phone: required by the schema, missing']);
    expect(
      shapeDrift(
        { accessToken: 'a', refreshToken: 'r', expiresIn: 1, tokenType: 'Bearer', user: { ...user, x: 1 } },
        TokenResponseSchema,
      ),
    ).toEqual(['$.user.x: not in the schema (the serializer drops it)']);
  });
});
