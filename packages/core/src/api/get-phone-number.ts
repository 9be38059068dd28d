import type { Deadline } from '../http/deadline.js';
import { callWeChat, type CallContext } from './call-wechat.js';

/** What `getPhoneNumber` returns. Build E.164 from `countryCode` + `purePhoneNumber`. */
export interface PhoneNumberResult {
  /** The number as WeChat shows it (with an area code only outside the mainland). */
  phoneNumber: string;
  /** The number without country code. */
  purePhoneNumber: string;
  /** Country code, always a string (WeChat documents a string but has sent numbers). */
  countryCode: string;
}

function readPhoneInfo(answer: Record<string, unknown>): PhoneNumberResult | null {
  const info = answer.phone_info;
  if (typeof info !== 'object' || info === null) return null;
  const { phoneNumber, purePhoneNumber, countryCode } = info as Record<string, unknown>;
  const country = typeof countryCode === 'number' && Number.isInteger(countryCode) ? String(countryCode) : countryCode;
  if (typeof purePhoneNumber !== 'string' || purePhoneNumber.length === 0) return null;
  if (typeof country !== 'string' || !/^\d{1,4}$/.test(country)) return null;
  return {
    phoneNumber: typeof phoneNumber === 'string' && phoneNumber.length > 0 ? phoneNumber : purePhoneNumber,
    purePhoneNumber,
    countryCode: country,
  };
}

/** `POST /wxa/business/getuserphonenumber?access_token=…` with `{ code, openid? }`. */
export async function requestPhoneNumber(
  context: CallContext,
  appid: string,
  accessToken: string,
  code: string,
  openid: string | undefined,
  deadline: Deadline,
): Promise<PhoneNumberResult> {
  const answer = await callWeChat(
    context,
    {
      api: 'getPhoneNumber',
      appid,
      request: {
        method: 'POST',
        path: '/wxa/business/getuserphonenumber',
        query: { access_token: accessToken },
        body: openid === undefined ? { code } : { code, openid },
      },
      secrets: [accessToken, code],
      isSuccess: (a) => readPhoneInfo(a) !== null,
    },
    deadline,
  );
  return readPhoneInfo(answer) as PhoneNumberResult;
}
