import { describe, expect, it } from 'vitest';
import { HANDOFF_LANDING, TOKEN_STORAGE_KEY, tokenHandoff } from '../src/lib/token-handoff.js';

describe('tokenHandoff', () => {
  it('moves a #token= into storage and rewrites the URL to the overview', () => {
    expect(tokenHandoff('#token=s3cr3t-Token_1', '/admin')).toEqual({
      store: 's3cr3t-Token_1',
      replaceUrl: '/admin#/overview',
    });
    expect(HANDOFF_LANDING).toBe('#/overview');
    expect(TOKEN_STORAGE_KEY).toBe('wxlogin.adminToken');
  });

  it('keeps the path it was opened at', () => {
    expect(tokenHandoff('#token=abc', '/admin/').replaceUrl).toBe('/admin/#/overview');
  });

  it('decodes a percent-encoded token and takes only the token part', () => {
    expect(tokenHandoff('#token=a%2Bb%3D&lang=en', '/admin').store).toBe('a+b=');
  });

  it('rewrites the URL even when the token is empty or not decodable, storing nothing', () => {
    expect(tokenHandoff('#token=', '/admin')).toEqual({ store: null, replaceUrl: '/admin#/overview' });
    expect(tokenHandoff('#token=%E0%A4%A', '/admin')).toEqual({ store: null, replaceUrl: '/admin#/overview' });
  });

  it('leaves every other URL alone', () => {
    for (const hash of ['', '#', '#/users', '#/users?q=token=abc', '#tok=abc', '#/overview#token=abc']) {
      expect(tokenHandoff(hash, '/admin')).toEqual({ store: null, replaceUrl: null });
    }
  });
});
