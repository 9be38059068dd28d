import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** The token of `Authorization: Bearer <token>`; `UNAUTHORIZED` when missing or malformed. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null;
  if (!match) throw new AppError('UNAUTHORIZED', 'Missing or malformed bearer token.');
  return match[1]!;
}

/** True when the request carries an `Authorization` header at all. */
export function hasAuthorization(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined;
}
