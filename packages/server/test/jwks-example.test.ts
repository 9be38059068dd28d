import { describe, expect, it } from 'vitest';
import { createTestApp } from './helpers/test-app.js';

describe('examples/verify-with-jwks.mjs: another service verifies by JWKS [sqlite]', () => {
  it('accepts a token wxlogin issued and rejects a tampered one', async () => {
    const t = await createTestApp();
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    process.env.WXLOGIN_URL = url;
    const example: string = '../../../examples/verify-with-jwks.mjs'; // plain JS: imported by a non-literal specifier
    const { verifyAccessToken } = (await import(example)) as {
      verifyAccessToken(token: string): Promise<Record<string, unknown>>;
    };
    t.clock.set(Date.now()); // jose checks `exp` against the real clock
    const { body } = await t.login();
    const claims = await verifyAccessToken(body.accessToken);
    expect(claims).toMatchObject({ sub: body.user.id, appid: t.appid, iss: 'wxlogin', aud: 'wxlogin' });
    expect(typeof claims.sid).toBe('string');

    const [header, payload, signature] = body.accessToken.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    forged.sub = 'someone-else';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    await expect(verifyAccessToken(tampered)).rejects.toThrow(/signature/);
  });
});

describe('README', () => {
  it('shows examples/verify-with-jwks.mjs as it is', async () => {
    const { readFileSync } = await import('node:fs');
    const root = new URL('../../../', import.meta.url);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const snippet = /<!-- jwks:start -->\n```js\n([\s\S]*?)```\n<!-- jwks:end -->/.exec(readme)?.[1];
    expect(snippet).toBe(readFileSync(new URL('examples/verify-with-jwks.mjs', root), 'utf8'));
  });
});
