/**
 * WeChat's answer to a failed call: HTTP 200 with `{ errcode, errmsg }`, where errmsg ends in `rid: <rid>`.
 * Route handlers throw a {@link WeChatFailure}; the HTTP layer renders it with a fresh rid.
 */

/** The errmsg text WeChat sends before `, rid: …`, per errcode (wording taken from real answers where known). */
const MESSAGES: ReadonlyMap<number, string> = new Map([
  [-1, 'system error'],
  [40001, 'invalid credential, access_token is invalid or not latest'],
  [40002, 'invalid grant_type'],
  [40003, 'invalid openid'],
  [40013, 'invalid appid'],
  [40014, 'invalid access_token'],
  [40029, 'invalid code'],
  [40125, 'invalid appsecret'],
  [40163, 'code been used'],
  [40226, 'high risk user, login blocked'],
  [40243, 'AppSecret is frozen'],
  [41001, 'access_token missing'],
  [41002, 'appid missing'],
  [41004, 'appsecret missing'],
  [41008, 'missing code'],
  [41009, 'missing openid'],
  [42001, 'access_token expired'],
  [43001, 'require GET method'],
  [43002, 'require POST method'],
  [45009, 'reach max api daily quota limit'],
  [45011, 'api minute-quota reach limit  mustslower  retry next minute'],
  [47001, 'data format error'],
  [87008, 'invalid sig_method'],
  [87009, 'invalid signature'],
]);

/** A WeChat errcode a route answers with (thrown by route handlers, rendered by the HTTP layer). */
export class WeChatFailure extends Error {
  /** @param errcode - the errcode to answer. */
  constructor(readonly errcode: number) {
    super(MESSAGES.get(errcode) ?? `simulated errcode ${errcode}`);
    this.name = 'WeChatFailure';
  }
}

/** The standard errmsg text for `errcode`, with the caller's address filled in where WeChat shows it (40164). */
export function errmsgText(errcode: number, remoteAddress: string): string {
  if (errcode === 40164) {
    const ip = remoteAddress.replace(/^::ffff:/, '');
    return `invalid ip ${ip} ipv6 ::ffff:${ip}, not in whitelist`;
  }
  return MESSAGES.get(errcode) ?? `simulated errcode ${errcode}`;
}

/** The JSON body of a failure, as WeChat sends it. */
export function failureBody(errcode: number, text: string, rid: string): { errcode: number; errmsg: string } {
  return { errcode, errmsg: `${text}, rid: ${rid}` };
}
