import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';

/**
 * What a bearer credential may look like, by who issued it:
 * - `token68`: wxlogin's own tokens (JWTs are base64url): RFC 6750's token68 after exactly one space, the header
 *   trimmed first. Anything else is malformed, refused before a verifier spends time on it.
 * - `secret`: a secret an operator chose (the admin token): any visible characters, after spaces or tabs.
 */
export type BearerForm = 'token68' | 'secret';

const BEARER: Readonly<Record<BearerForm, RegExp>> = {
  token68: /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i,
  secret: /^Bearer[ \t]+(\S+)[ \t]*$/i,
};

/**
 * The credential of an `Authorization: Bearer <credential>` header in the given form, or undefined when the header
 * is absent, repeated or not of that form. The one parser of bearer headers: the user routes, `wxUserPlugin`, the
 * admin API and `/metrics` read their tokens through it.
 */
export function bearerCredential(header: string | string[] | undefined, form: BearerForm): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER[form].exec(form === 'token68' ? header.trim() : header)?.[1];
}

/** The access token of a request's `Authorization: Bearer <token>`; `UNAUTHORIZED` when missing or malformed. */
export function bearerAccessToken(request: FastifyRequest): string {
  const token = bearerCredential(request.headers.authorization, 'token68');
  if (token === undefined) throw new AppError('UNAUTHORIZED', 'Missing or malformed bearer token.');
  return token;
}
