import { USER_UNIQUE_CONSTRAINTS, type UserUniqueColumn } from '../schema.js';

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/** Serialization failure (`40001`) or deadlock (`40P01`): the whole transaction may simply run again. */
export function isRetryable(err: unknown): boolean {
  return errorCode(err) === '40001' || errorCode(err) === '40P01';
}

/** The `users` column of a unique violation (`23505`), told by the constraint's name. */
export function uniqueViolationColumn(err: unknown): UserUniqueColumn | undefined {
  if (errorCode(err) !== '23505') return undefined;
  const constraint = (err as { constraint?: unknown }).constraint;
  return typeof constraint === 'string' && Object.hasOwn(USER_UNIQUE_CONSTRAINTS, constraint)
    ? USER_UNIQUE_CONSTRAINTS[constraint as keyof typeof USER_UNIQUE_CONSTRAINTS]
    : undefined;
}
