import { describe, expect, it } from 'vitest';
import { originOf, resolveUrl } from '../src/urls.js';

describe('origins and URLs without the URL class', () => {
  it('reads the origin: scheme and host lowercased, default ports dropped', () => {
    expect(originOf('https://API.Example.com/v1/me?x=1')).toBe('https://api.example.com');
    expect(originOf('https://api.example.com:443/x')).toBe('https://api.example.com');
    expect(originOf('http://127.0.0.1:80')).toBe('http://127.0.0.1');
    expect(originOf('http://127.0.0.1:3000#x')).toBe('http://127.0.0.1:3000');
    expect(originOf('https://api.example.com:8443')).toBe('https://api.example.com:8443');
  });

  // Each of these goes somewhere other than api.example.com, or cannot be read plainly: none may look trusted.
  it.each([
    ['userinfo naming the trusted host', 'https://api.example.com@evil.example/steal', 'https://evil.example'],
    ['userinfo with a port', 'https://api.example.com:443@evil.example', 'https://evil.example'],
    ['a backslash', 'https://evil.example\\@api.example.com/', undefined],
    ['a tab', 'https://api.exa\tmple.com/', undefined],
    ['a newline', 'https://api.example.com\n.evil.example/', undefined],
    ['a space', 'https://api.example.com .evil.example/', undefined],
    ['a relative path', '/v1/me', undefined],
    ['protocol-relative', '//evil.example/x', undefined],
    ['no host', 'https:///x', undefined],
  ])('%s', (_, url, origin) => {
    expect(originOf(url)).toBe(origin);
    expect(originOf(url)).not.toBe('https://api.example.com');
  });

  it('resolves relative URLs under the base URL, keeping its path prefix', () => {
    expect(resolveUrl('https://api.example.com', '/v1/me')).toBe('https://api.example.com/v1/me');
    expect(resolveUrl('https://example.com/auth/', 'v1/me')).toBe('https://example.com/auth/v1/me');
    expect(resolveUrl('https://example.com/auth', '/v1/me')).toBe('https://example.com/auth/v1/me');
    expect(resolveUrl('https://api.example.com', 'https://other.example/x')).toBe('https://other.example/x');
    expect(resolveUrl('https://api.example.com', '//other.example/x')).toBe('https://other.example/x');
  });
});
