/**
 * A copy of (part of) the OpenAPI document in which no object schema says `additionalProperties: false`; every
 * other `additionalProperties` (`true`, or a schema for a map) is kept. The input is never changed: it holds the
 * very schema objects the routes validate and serialise with.
 *
 * Why the published document leaves objects open although the routes' schemas close them:
 * - request bodies: Ajv's `removeAdditional` strips the fields a schema does not list only where it says
 *   `additionalProperties: false`, so the routes need it; to a client the truth is the opposite of what it reads
 *   as: an unknown field is ignored, never refused (an older server accepts a newer SDK);
 * - responses: each lists every field this version sends (the serialiser sends no other), but `/v1` changes are
 *   additive, so a client generated from it must accept a field added by a later release.
 */
export function withoutClosedObjects<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'additionalProperties' && item === false) continue;
    copy[key] = strip(item);
  }
  return copy;
}
