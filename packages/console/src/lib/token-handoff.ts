/** Where the console keeps the admin token: this tab only, gone when it closes. */
export const TOKEN_STORAGE_KEY = 'wxlogin.adminToken';

/** The route the URL is rewritten to once a token has been taken out of it. */
export const HANDOFF_LANDING = '#/overview';

/** What to do with a `#token=…` URL. */
export interface TokenHandoff {
  /** The token to store (replacing any stored one), or null to keep what is stored. */
  store: string | null;
  /** The URL to `history.replaceState` to, or null to leave the URL alone. */
  replaceUrl: string | null;
}

/**
 * The hand-off of `wxlogin dev`'s `…/admin#token=<token>` link: the token goes to sessionStorage and out of the URL
 * (so it is not in the history, a bookmark or a screenshot). A URL with `#token=` is always rewritten, even when the
 * token is empty or not decodable, since it could still be secret text.
 */
export function tokenHandoff(hash: string, pathname: string): TokenHandoff {
  if (!hash.startsWith('#token=')) return { store: null, replaceUrl: null };
  // `#token=abc&x=y` would be unusual; only the token part is the secret.
  const raw = hash.slice('#token='.length).split('&')[0] ?? '';
  let token: string;
  try {
    token = decodeURIComponent(raw).trim();
  } catch {
    token = '';
  }
  return { store: token === '' ? null : token, replaceUrl: pathname + HANDOFF_LANDING };
}
