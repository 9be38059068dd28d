// The untimed logins before the measured rounds: they fill a target's token pools (many users, so no per-token
// cache flatters `/v1/me`, and enough sessions that a refresh never waits for its own successor) and warm it up.
import { runLoad, summarise } from './load.js';
import { loginRequest } from './scenarios.js';

/**
 * @typedef {object} TokenPools
 * @property {string[]} accessTokens one per user, cycled by `/v1/me`
 * @property {string[]} refreshTokens one per session, the FIFO refresh pool's start
 */

/**
 * Logs in `users` new users, bounded in count and time; throws when fewer than `users` succeed.
 * @param {{ url: string, appid: string, nextCode: () => string, users: number, connections: number, maxSeconds: number }} options
 * @returns {Promise<TokenPools & { seconds: number }>}
 */
export async function preLogin({ url, appid, nextCode, users, connections, maxSeconds }) {
  const accessTokens = [];
  const refreshTokens = [];
  const started = performance.now();
  const result = await runLoad(
    {
      url,
      connections,
      amount: users,
      requests: [
        loginRequest({
          appid,
          nextCode,
          onLogin: (answer) => {
            accessTokens.push(answer.accessToken);
            refreshTokens.push(answer.refreshToken);
          },
        }),
      ],
    },
    maxSeconds,
  );
  if (refreshTokens.length < users) {
    const { statusCodes, errors } = summarise('pre-login', result);
    throw new Error(
      `pre-login got ${refreshTokens.length} of ${users} logins within ${maxSeconds} s ` +
        `(status codes ${JSON.stringify(statusCodes)}, ${errors} socket errors)`,
    );
  }
  return { accessTokens, refreshTokens, seconds: (performance.now() - started) / 1000 };
}

/**
 * Stand-in pools for a baseline that takes any token (the floor): distinct strings, so each request still carries
 * its own.
 * @param {number} count
 * @returns {TokenPools}
 */
export function dummyPools(count) {
  const tokens = (kind) => Array.from({ length: count }, (_, i) => `bench-${kind}-${i.toString(36)}`);
  return { accessTokens: tokens('access'), refreshTokens: tokens('refresh') };
}
