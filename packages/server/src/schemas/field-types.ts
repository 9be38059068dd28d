import { Type, type TSchema, type TString, type TUnion, type TNull } from 'typebox';

/** `schema` or `null`: how the Contract writes a field that is always present but may be empty. */
export const Nullable = <T extends TSchema>(schema: T): TUnion<[T, TNull]> => Type.Union([schema, Type.Null()]);

/** An ISO 8601 instant (`Date#toISOString()`), with an optional description. */
export const DateTime = (description?: string): TString =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}) });
