// The request shapes of each scenario. Every login carries a code never seen before and every refresh presents a
// token that has not been used, so no request is answered from a replay memo or rejected as reuse.
import { randomBytes } from 'node:crypto';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * A source of unique login codes for this run (a fresh database is used per run, but a run tag keeps codes unique
 * even if the stub and service were ever reused).
 */
export function createCodeSource() {
  const tag = randomBytes(4).toString('hex');
  let n = 0;
  return () => `bench-${tag}-${(n++).toString(36)}`;
}

/**
 * Refresh tokens not yet used, first in first out. Each refresh takes one and puts its successor at the back, so the
 * pool never grows, a token is presented at most once (always the family's current generation: the measured path is
 * a plain rotation, never a grace replay or reuse), and a family comes round again only after every other one did.
 */
export class RefreshTokenPool {
  /** @param {string[]} tokens */
  constructor(tokens) {
    this.ring = tokens.slice();
    this.head = 0;
    this.size = tokens.length;
    this.exhausted = 0;
  }

  /** @returns {string | undefined} */
  take() {
    if (this.size === 0) {
      this.exhausted++;
      return undefined;
    }
    const token = this.ring[this.head];
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    return token;
  }

  /** @param {string} token */
  put(token) {
    this.ring[(this.head + this.size) % this.ring.length] = token;
    this.size++;
  }
}

/**
 * `POST /v1/auth/login` with a fresh code each time; `onLogin` sees each successful answer (to fill the pools).
 * @param {{ appid: string, nextCode: () => string, onLogin?: (answer: { accessToken: string, refreshToken: string }) => void }} options
 * @returns {object} an autocannon request
 */
export function loginRequest({ appid, nextCode, onLogin }) {
  return {
    method: 'POST',
    path: '/v1/auth/login',
    headers: JSON_HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ code: nextCode(), appid }) }),
    ...(onLogin === undefined
      ? {}
      : {
          onResponse: (status, body) => {
            if (status === 200) onLogin(JSON.parse(body));
          },
        }),
  };
}

/**
 * `POST /v1/auth/refresh`, each with an unused token from `pool`. An exhausted pool sends an empty token on purpose:
 * the 400s then show in the non-2xx count instead of the run silently measuring nothing.
 * @param {RefreshTokenPool} pool
 * @returns {object} an autocannon request
 */
export function refreshRequest(pool) {
  return {
    method: 'POST',
    path: '/v1/auth/refresh',
    headers: JSON_HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ refreshToken: pool.take() ?? '' }) }),
    onResponse: (status, body) => {
      if (status === 200) pool.put(JSON.parse(body).refreshToken);
    },
  };
}

/**
 * `GET /v1/me`, cycling through many users' access tokens (one token would let any verify cache flatter the figure).
 * @param {string[]} accessTokens
 * @returns {object} an autocannon request
 */
export function meRequest(accessTokens) {
  let i = 0;
  return {
    method: 'GET',
    path: '/v1/me',
    setupRequest: (request) => ({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${accessTokens[i++ % accessTokens.length]}` },
    }),
  };
}
