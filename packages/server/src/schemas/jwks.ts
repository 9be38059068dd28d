import { Type } from 'typebox';
import { SIGNING_ALGS } from './limits.js';

/**
 * `GET /.well-known/jwks.json`. `alg` stays a plain string in the document (a verifier must skip a key of an alg
 * it does not know rather than reject the whole set); the description names the ones this server writes.
 */
export const JwksSchema = Type.Object({
  keys: Type.Array(
    Type.Object(
      {
        kty: Type.String(),
        kid: Type.String(),
        alg: Type.String({ description: `one of ${SIGNING_ALGS.join(', ')}` }),
        use: Type.Literal('sig'),
        crv: Type.Optional(Type.String()),
        x: Type.Optional(Type.String()),
        y: Type.Optional(Type.String()),
        n: Type.Optional(Type.String()),
        e: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  ),
});
