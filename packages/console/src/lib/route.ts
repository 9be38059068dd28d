import type { StatsWindow } from '../api/types.js';

/** A page of the console, parsed from `location.hash`. */
export type Route =
  | { page: 'overview'; window: StatsWindow }
  | { page: 'users'; q: string }
  | { page: 'user'; id: string }
  | { page: 'apps' }
  | { page: 'audit'; action: string; userId: string }
  | { page: 'notFound'; hash: string };

/** The top-level pages, in the header's order. */
export const NAV_PAGES = ['overview', 'users', 'apps', 'audit'] as const;

/** One of {@link NAV_PAGES}. */
export type NavPage = (typeof NAV_PAGES)[number];

// `+` is a plus here (a phone number's), not a space as in form encoding, so URLSearchParams is not used.
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseQuery(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!params.has(key)) params.set(key, decode(eq < 0 ? '' : pair.slice(eq + 1)));
  }
  return params;
}

function formatQuery(params: Record<string, string>): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Parses `#/users?q=…` and the like; an empty hash is the overview. */
export function parseRoute(hash: string): Route {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = body.indexOf('?');
  const path = queryAt < 0 ? body : body.slice(0, queryAt);
  const query = parseQuery(queryAt < 0 ? '' : body.slice(queryAt + 1));
  const segments = path.split('/').filter((segment) => segment !== '');

  if (segments.length === 0) return { page: 'overview', window: '1h' };
  const [first, second, ...rest] = segments;
  if (rest.length > 0) return { page: 'notFound', hash };
  switch (first) {
    case 'overview':
      if (second !== undefined) break;
      return { page: 'overview', window: query.get('window') === '24h' ? '24h' : '1h' };
    case 'users':
      if (second !== undefined) {
        const id = decode(second).trim();
        return id === '' ? { page: 'users', q: '' } : { page: 'user', id };
      }
      return { page: 'users', q: (query.get('q') ?? '').trim() };
    case 'apps':
      if (second !== undefined) break;
      return { page: 'apps' };
    case 'audit':
      if (second !== undefined) break;
      return { page: 'audit', action: query.get('action') ?? '', userId: (query.get('userId') ?? '').trim() };
  }
  return { page: 'notFound', hash };
}

/** The hash of a route (the inverse of {@link parseRoute} for every page but `notFound`). */
export function formatRoute(route: Route): string {
  switch (route.page) {
    case 'overview':
      return route.window === '1h' ? '#/overview' : `#/overview${formatQuery({ window: route.window })}`;
    case 'users':
      return `#/users${formatQuery({ q: route.q })}`;
    case 'user':
      return `#/users/${encodeURIComponent(route.id)}`;
    case 'apps':
      return '#/apps';
    case 'audit':
      return `#/audit${formatQuery({ action: route.action, userId: route.userId })}`;
    case 'notFound':
      return route.hash;
  }
}

/** The header link a route belongs to (a user page is under Users); null for none. */
export function navPageOf(route: Route): NavPage | null {
  switch (route.page) {
    case 'user':
      return 'users';
    case 'notFound':
      return null;
    default:
      return route.page;
  }
}

/**
 * What an operator typed into the user search, as the exact value the API matches: a mainland mobile number
 * without its country code (`138 0013 8000`, `8613800138000`) becomes E.164 `+8613800138000`; anything else is
 * only trimmed, since ids, openids and unionids are matched exactly.
 */
export function normalizeUserQuery(input: string): string {
  const text = input.trim();
  const compact = text.replace(/[\s-]/g, '');
  if (/^1\d{10}$/.test(compact)) return `+86${compact}`;
  if (/^(?:\+?86|0086)1\d{10}$/.test(compact)) return `+86${compact.slice(-11)}`;
  if (/^\+\d{6,15}$/.test(compact)) return compact;
  return text;
}
