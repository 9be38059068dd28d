import { WxloginError } from './errors.js';

/** The `detail` of the `getphonenumber` (or `getrealtimephonenumber`) event, as the button hands it out. */
export interface PhoneNumberDetail {
  errMsg?: string;
  errno?: number;
  /** The current way: a one-time code the service redeems at WeChat. */
  code?: string;
  /** The legacy way: the number sealed with the user's session_key. */
  encryptedData?: string;
  iv?: string;
}

/** What the phone button's tap asks of the service. */
export type PhoneBody = { code: string } | { encryptedData: string; iv: string };

/** The quota of phone-number verification is used up (the tap is refused, never the server's call). */
export const PHONE_QUOTA_ERRNO = 1400001;

/**
 * Reads the event detail as it comes: a `code` is sent as is (preferred: base libraries ≥ 2.21.2 give both), else
 * `encryptedData` + `iv`; a refusal or the quota error is a typed error, and no request is made for it.
 */
export function phoneBody(detail: PhoneNumberDetail | undefined): PhoneBody {
  const errMsg = typeof detail?.errMsg === 'string' ? detail.errMsg : undefined;
  const errno = typeof detail?.errno === 'number' ? detail.errno : undefined;
  const platform = { ...(errMsg === undefined ? {} : { errMsg }), ...(errno === undefined ? {} : { errno }) };
  if (errno === PHONE_QUOTA_ERRNO) {
    throw new WxloginError(
      'PHONE_QUOTA_EXCEEDED',
      'The phone-number verification quota of this mini program is used up.',
      platform,
    );
  }
  if (typeof detail?.code === 'string' && detail.code !== '') return { code: detail.code };
  if (
    typeof detail?.encryptedData === 'string' &&
    detail.encryptedData !== '' &&
    typeof detail.iv === 'string' &&
    detail.iv !== ''
  ) {
    return { encryptedData: detail.encryptedData, iv: detail.iv };
  }
  throw new WxloginError(
    'PHONE_DENIED',
    `No phone number was shared${errMsg === undefined ? '' : `: ${errMsg}`}.`,
    platform,
  );
}
