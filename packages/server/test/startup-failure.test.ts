import { describe, expect, it } from 'vitest';
import { describeStartupFailure } from '../src/cli/startup-failure.js';

const config = {
  databaseUrl: 'postgres://app:pw-db-secret@127.0.0.1:5499/wxlogin',
  redisUrl: 'redis://:pw-redis@127.0.0.1:6390',
};

/** What Node's net module throws when every address of a host refuses (AggregateError of two). */
function refused(port: number): Error {
  const member = (address: string) =>
    Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });
  return Object.assign(new AggregateError([member('::1'), member('127.0.0.1')], ''), { code: 'ECONNREFUSED' });
}

describe('start-up failures name their setting', () => {
  it('names WXLOGIN_DATABASE_URL for a refused database connection (was a bare ECONNREFUSED 127.0.0.1:5499)', () => {
    const line = describeStartupFailure(new Error('migration failed', { cause: refused(5499) }), config);
    expect(line).toBe('WXLOGIN_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:5499/wxlogin (ECONNREFUSED)');
  });

  it('names the database for a refused login, without the password', () => {
    const error = Object.assign(new Error('password authentication failed for user "app" (pw-db-secret)'), {
      code: '28P01',
    });
    const line = describeStartupFailure(error, config) ?? '';
    expect(line).toMatch(
      /^WXLOGIN_DATABASE_URL: PostgreSQL at 127\.0\.0\.1:5499\/wxlogin refused: password authentication failed/,
    );
    expect(line).not.toContain('pw-db-secret');
  });

  it('leaves other failures alone', () => {
    expect(describeStartupFailure(new Error('boom'), config)).toBeUndefined();
    expect(describeStartupFailure('text', config)).toBeUndefined();
  });
});
