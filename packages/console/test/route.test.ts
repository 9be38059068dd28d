import { describe, expect, it } from 'vitest';
import { formatRoute, navPageOf, normalizeUserQuery, parseRoute, type Route } from '../src/lib/route.js';

describe('parseRoute', () => {
  it('defaults to the 1 h overview', () => {
    for (const hash of ['', '#', '#/', '#/overview', '#/overview?window=7d']) {
      expect(parseRoute(hash)).toEqual({ page: 'overview', window: '1h' });
    }
    expect(parseRoute('#/overview?window=24h')).toEqual({ page: 'overview', window: '24h' });
  });

  it('reads the user search, keeping a + as a plus', () => {
    expect(parseRoute('#/users')).toEqual({ page: 'users', q: '' });
    expect(parseRoute('#/users?q=%2B8613800138000')).toEqual({ page: 'users', q: '+8613800138000' });
    expect(parseRoute('#/users?q=+8613800138000')).toEqual({ page: 'users', q: '+8613800138000' });
    expect(parseRoute('#/users?q=oABC%20')).toEqual({ page: 'users', q: 'oABC' });
  });

  it('reads a user page', () => {
    const id = '0b9e0b8c-4f0e-4c1e-9a53-2f7d1e9b6c11';
    expect(parseRoute(`#/users/${id}`)).toEqual({ page: 'user', id });
    expect(parseRoute('#/users/')).toEqual({ page: 'users', q: '' });
  });

  it('reads the audit filters', () => {
    expect(parseRoute('#/audit')).toEqual({ page: 'audit', action: '', userId: '' });
    expect(parseRoute('#/audit?action=user.disabled&userId=abc')).toEqual({
      page: 'audit',
      action: 'user.disabled',
      userId: 'abc',
    });
  });

  it('reads apps, and anything else as not found', () => {
    expect(parseRoute('#/apps')).toEqual({ page: 'apps' });
    expect(parseRoute('#/nope')).toEqual({ page: 'notFound', hash: '#/nope' });
    expect(parseRoute('#/users/a/b')).toEqual({ page: 'notFound', hash: '#/users/a/b' });
    expect(parseRoute('#/apps/x').page).toBe('notFound');
  });

  it('is undone by formatRoute', () => {
    const routes: Route[] = [
      { page: 'overview', window: '1h' },
      { page: 'overview', window: '24h' },
      { page: 'users', q: '' },
      { page: 'users', q: '+8613800138000' },
      { page: 'users', q: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M' },
      { page: 'user', id: '0b9e0b8c-4f0e-4c1e-9a53-2f7d1e9b6c11' },
      { page: 'apps' },
      { page: 'audit', action: 'refresh.reuse_detected', userId: '' },
      { page: 'audit', action: '', userId: 'u&1=2' },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute({ page: 'overview', window: '1h' })).toBe('#/overview');
    expect(formatRoute({ page: 'users', q: '+86138' })).toBe('#/users?q=%2B86138');
  });
});

describe('navPageOf', () => {
  it('puts a user page under Users', () => {
    expect(navPageOf({ page: 'user', id: 'x' })).toBe('users');
    expect(navPageOf({ page: 'audit', action: '', userId: '' })).toBe('audit');
    expect(navPageOf({ page: 'notFound', hash: '#/x' })).toBeNull();
  });
});

describe('normalizeUserQuery', () => {
  it('turns a mainland mobile number into E.164', () => {
    expect(normalizeUserQuery('13800138000')).toBe('+8613800138000');
    expect(normalizeUserQuery(' 138 0013 8000 ')).toBe('+8613800138000');
    expect(normalizeUserQuery('8613800138000')).toBe('+8613800138000');
    expect(normalizeUserQuery('+86 138-0013-8000')).toBe('+8613800138000');
    expect(normalizeUserQuery('+14155550100')).toBe('+14155550100');
  });

  it('only trims ids, openids and unionids', () => {
    expect(normalizeUserQuery('  o6_bmjrPTlm6_2sgVt7hMZOPfL2M ')).toBe('o6_bmjrPTlm6_2sgVt7hMZOPfL2M');
    expect(normalizeUserQuery('0b9e0b8c-4f0e-4c1e-9a53-2f7d1e9b6c11')).toBe('0b9e0b8c-4f0e-4c1e-9a53-2f7d1e9b6c11');
    expect(normalizeUserQuery('23800138000')).toBe('23800138000');
  });
});
