/** A row of `wechat_sessions`: the newest sealed `session_key` of one (appid, openid). */
export interface WechatSessionRow {
  appid: string;
  openid: string;
  sessionKeySealed: string;
  updatedAt: number;
}

/** WeChat's `session_key`s, kept sealed on the server; written by `completeLogin`, removed by `deleteUser`. */
export interface WechatSessionStore {
  /** The sealed `session_key` of (appid, openid), or undefined when none is stored. */
  getSessionKeySealed(appid: string, openid: string): Promise<string | undefined>;
}
