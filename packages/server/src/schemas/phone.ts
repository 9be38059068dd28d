import { Type, type Static } from 'typebox';
import { CODE_MAX, ENCRYPTED_DATA_MAX, IV_MAX, PHONE_ENCRYPTED_DATA_MAX } from './limits.js';

const encryptedFields = {
  encryptedData: Type.String({ maxLength: ENCRYPTED_DATA_MAX, description: 'base64, as the mini program received it' }),
  iv: Type.String({ maxLength: IV_MAX, description: 'base64 of 16 bytes' }),
};

/**
 * Body of `POST /v1/me/phone`: exactly one of `{ code }` or `{ encryptedData, iv }` (checked by the handler, which
 * names both forms in its message; a schema `oneOf` would answer with an opaque validator message instead).
 */
export const BindPhoneBodySchema = Type.Object(
  {
    code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: CODE_MAX,
        description: 'the code of the getPhoneNumber button (bindgetphonenumber)',
      }),
    ),
    encryptedData: Type.Optional(
      Type.String({
        ...encryptedFields.encryptedData,
        maxLength: PHONE_ENCRYPTED_DATA_MAX,
        description: 'legacy: encryptedData of the getPhoneNumber button',
      }),
    ),
    iv: Type.Optional(encryptedFields.iv),
  },
  { additionalProperties: false, description: 'either { code } or { encryptedData, iv }' },
);

/**
 * What `bindPhone` takes: exactly one of `{ code }` (the getPhoneNumber button's code, redeemed at WeChat with the
 * session's openid) or the legacy `{ encryptedData, iv }` (opened with the stored session_key).
 */
export type BindPhoneInput = Static<typeof BindPhoneBodySchema>;

/** Body of `POST /v1/me/decrypt`. */
export const DecryptBodySchema = Type.Object(encryptedFields, { additionalProperties: false });

/** WeChat's `encryptedData` + `iv`, as the mini program received them (base64). */
export type DecryptInput = Static<typeof DecryptBodySchema>;

/** Answer of `POST /v1/me/decrypt`: the decrypted object as WeChat sealed it, watermark included. */
export const DecryptResponseSchema = Type.Object(
  {
    data: Type.Object(
      {
        watermark: Type.Object(
          {
            appid: Type.String({ description: "always this app's appid (checked)" }),
            timestamp: Type.Number({ description: 'when WeChat sealed it, epoch seconds' }),
          },
          { additionalProperties: true },
        ),
      },
      {
        additionalProperties: true,
        description: 'the fields WeChat put in the data (phone, WeRun steps, share info…)',
      },
    ),
  },
  { additionalProperties: false },
);
