// Verifying wxlogin's access tokens in another service: a few lines with `jose`.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
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

// Run as a script, it checks one token: prints its claims (exit 0) or why it is refused (exit 1).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const token = process.argv[2] ?? process.env.WXLOGIN_ACCESS_TOKEN;
  if (!token) {
    console.error('usage: [WXLOGIN_URL=http://127.0.0.1:3000] node examples/verify-with-jwks.mjs <accessToken>');
    console.error('       (or the token in WXLOGIN_ACCESS_TOKEN); prints the verified claims, exit 1 if refused');
    process.exitCode = 1;
  } else {
    try {
      console.log(JSON.stringify(await verifyAccessToken(token), null, 2));
    } catch (error) {
      // jose's errors carry a code (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, …); a failed fetch a cause.
      const why = error.code ?? error.cause?.code ?? error.cause?.message ?? error.name;
      console.error(`refused (JWKS of ${WXLOGIN_URL}): ${why}: ${error.message}`);
      process.exitCode = 1;
    }
  }
}
