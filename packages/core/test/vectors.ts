/**
 * WeChat's published example vectors, shared by core's and the simulator's tests (both must agree with WeChat).
 * Sources: the official "encrypted data decryption" demo (WXBizDataCrypt, appId wx4f4bc4dec97d474b); the
 * open-data signature example (rawData + HyVFkGl5F5OQWJZZaNzBBg==); the user-login-state signature example
 * (hmac_sha256('{"foo":"bar"}', 'o0q0otL8aEzpcZL/FT9WsQ==')).
 */

/** The official decryption demo. Its watermark timestamp is 1477314187 (2016-10-24), so check age with `now`. */
export const DECRYPT_VECTOR = {
  appid: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
  plaintext: {
    openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
    nickName: 'Band',
    gender: 1,
    language: 'zh_CN',
    city: 'Guangzhou',
    province: 'Guangdong',
    country: 'CN',
    avatarUrl:
      'http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0',
    unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
    watermark: { timestamp: 1477314187, appid: 'wx4f4bc4dec97d474b' },
  },
  /** `watermark.timestamp` in epoch milliseconds, for an injected `now`. */
  sealedAtMs: 1477314187 * 1000,
} as const;

/** The open-data (rawData) signature example: signature = sha1(rawData + session_key). */
export const RAW_DATA_SIGNATURE_VECTOR = {
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  sessionKey: 'HyVFkGl5F5OQWJZZaNzBBg==',
  signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
} as const;

/**
 * The user-login-state signature example: hmac_sha256(payload, session_key TEXT). WeChat publishes it for a POST
 * payload; checksession signs the empty string with the same key, which is `emptyPayloadSignature` (derived here
 * with the same algorithm — WeChat's checksession page shows a signature without the key that produced it).
 */
export const SESSION_KEY_SIGNATURE_VECTOR = {
  sessionKey: 'o0q0otL8aEzpcZL/FT9WsQ==',
  payload: '{"foo":"bar"}',
  signature: '654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b',
  emptyPayloadSignature: '46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128',
} as const;
