// Verifying wxlogin's access tokens in another service: a few lines with `jose`.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const WXLOGIN_URL = process.env.WXLOGIN_URL ?? 'http://127.0.0.1:3000';
// Fetched once, cached, and re-fetched when a token names a new `kid` (after `wxlogin keys rotate`).
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', WXLOGIN_URL));

/** Resolves the claims of a valid access token, or rejects. */
export async function verifyAccessToken(accessToken) {
  const { payload } = await jwtVerify(accessToken, jwks, {
    issuer: 'wxlogin', // WXLOGIN_ISSUER
    audience: 'wxlogin', // WXLOGIN_AUDIENCE
    algorithms: ['ES256'], // WXLOGIN_JWT_ALG
    clockTolerance: 30,
  });
  return payload; // payload.sub: the user id; payload.appid: the mini program; payload.sid: the session
}
