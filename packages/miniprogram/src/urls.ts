// The mini program engine has no URL class: origins are read with one strict pattern. Anything it cannot read
// plainly (spaces, control characters, backslashes) has no origin, so it never counts as trusted.
const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it must find
const UNREADABLE = /[\u0000-\u0020\u007f\\]/;

/** `scheme://host[:port]` of an absolute URL, lowercased, default port dropped; undefined when not plainly absolute. */
export function originOf(url: string): string | undefined {
  if (UNREADABLE.test(url)) return undefined;
  const match = ABSOLUTE.exec(url);
  if (match === null) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const authority = (match[2] as string).toLowerCase();
  // `https://api.example.com@evil.example/` goes to evil.example: the host is what follows the last `@`.
  let host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host === '') return undefined;
  const defaultPort = scheme === 'https' ? ':443' : scheme === 'http' ? ':80' : undefined;
  if (defaultPort !== undefined && host.endsWith(defaultPort)) host = host.slice(0, -defaultPort.length);
  return `${scheme}://${host}`;
}

/** True for `scheme://…` and protocol-relative `//…` URLs. */
export function isAbsoluteUrl(url: string): boolean {
  return ABSOLUTE.test(url) || url.startsWith('//');
}

/** `url` as is when absolute (`//host/…` as https), else appended to `baseUrl` (whose path prefix is kept). */
export function resolveUrl(baseUrl: string, url: string): string {
  if (url.startsWith('//')) return `https:${url}`;
  if (isAbsoluteUrl(url)) return url;
  return `${baseUrl.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}
