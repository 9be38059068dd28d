/** E.164 allows at most 15 digits, country code included. */
const E164_MAX_DIGITS = 15;
const COUNTRY_CODE = /^\d{1,4}$/;
// WeChat's `purePhoneNumber` is digits only today; tolerate the separators a legacy client may have kept.
const SEPARATORS = /[\s-]/g;
const NATIONAL_NUMBER = /^\d{4,14}$/;

/**
 * The E.164 form (`+8613800138000`) of WeChat's `countryCode` + `purePhoneNumber`. WeChat sends `countryCode` as a
 * string but has sent numbers, with or without `+`. Undefined when either part is not a plausible number (the caller
 * decides which error that is).
 */
export function toE164(countryCode: unknown, purePhoneNumber: unknown): string | undefined {
  const country =
    typeof countryCode === 'number' && Number.isInteger(countryCode) && countryCode > 0
      ? String(countryCode)
      : typeof countryCode === 'string'
        ? countryCode.trim().replace(/^\+/, '')
        : undefined;
  if (country === undefined || !COUNTRY_CODE.test(country) || country.startsWith('0')) return undefined;
  if (typeof purePhoneNumber !== 'string') return undefined;
  const national = purePhoneNumber.replace(SEPARATORS, '');
  if (!NATIONAL_NUMBER.test(national)) return undefined;
  if (country.length + national.length > E164_MAX_DIGITS) return undefined;
  return `+${country}${national}`;
}

/**
 * What may be written about a number in audit details and logs: its last four digits only (enough for a user or an
 * operator to recognise it, not to dial it).
 */
export function phoneLast4(e164: string): string {
  return e164.slice(-4);
}
