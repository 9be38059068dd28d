import { Type, type Static } from 'typebox';
import { ErrorEnvelopeSchema } from './error-envelope.js';

/** The states of the WeChat circuit breaker shown by `/readyz`: `open` means calls fail fast for a few seconds. */
export const CIRCUIT_STATES = ['closed', 'open', 'half_open', 'disabled'] as const;

/** One of {@link CIRCUIT_STATES}. */
export type CircuitStatus = (typeof CIRCUIT_STATES)[number];

/** What `/readyz` shows for Redis: informational, Redis down never fails readiness. */
export const REDIS_STATUSES = ['not_configured', 'ok', 'unreachable'] as const;

const readinessFields = {
  database: Type.Enum(['ok', 'unreachable']),
  // The document has always said "a string" here: an enum would narrow the published contract, so the statuses are
  // checked by the type only (and named in the description).
  redis: Type.Unsafe<(typeof REDIS_STATUSES)[number]>(
    Type.String({ description: `one of ${REDIS_STATUSES.join(', ')}; informational, never a reason to fail` }),
  ),
  wechat: Type.Object({
    baseUrl: Type.String(),
    warning: Type.Optional(
      Type.String({ description: "set when the base URL is not one of WeChat's API hosts (the simulator, a proxy)" }),
    ),
    circuit: Type.Optional(Type.Enum(CIRCUIT_STATES)),
  }),
};

/**
 * Readiness of the instance as `auth.readiness()` answers it: `ok` is false only when the database is unreachable.
 * `/readyz` writes it as {@link ReadyzResponseSchema}.
 */
export const ReadinessSchema = Type.Object({ ok: Type.Boolean(), ...readinessFields });

/** Readiness of the instance, for `/readyz`. */
export type Readiness = Static<typeof ReadinessSchema>;

/** `GET /readyz`: {@link Readiness} with `ok` as a `status` word, and the error when unavailable. */
export const ReadyzResponseSchema = Type.Object({
  status: Type.Enum(['ok', 'unavailable']),
  ...readinessFields,
  error: Type.Optional(ErrorEnvelopeSchema.properties.error),
});
