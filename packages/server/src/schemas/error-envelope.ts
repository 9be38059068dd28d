import { Type } from 'typebox';
import { Nullable } from './field-types.js';

/** The error envelope of every 4xx/5xx answer. */
export const ErrorEnvelopeSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    wechat: Type.Optional(Type.Object({ errcode: Type.Integer(), rid: Nullable(Type.String()) })),
  }),
});

/** The error answers every route declares. */
export const errorResponses = { '4xx': ErrorEnvelopeSchema, '5xx': ErrorEnvelopeSchema } as const;
