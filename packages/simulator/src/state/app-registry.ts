/** The mini programs WeChat knows, with their AppSecrets. */
export class AppRegistry {
  readonly #secrets = new Map<string, string>();

  /** Registers an app, or replaces its secret (what "reset the AppSecret" does: the old one then gets 40125). */
  set(appid: string, secret: string): void {
    this.#secrets.set(appid, secret);
  }

  /** Whether `appid` is registered. */
  has(appid: string): boolean {
    return this.#secrets.has(appid);
  }

  /** Whether `secret` is the current secret of `appid` (false for an unknown app). */
  secretMatches(appid: string, secret: string): boolean {
    return this.#secrets.get(appid) === secret;
  }

  /** The registered appids (never the secrets). */
  appids(): string[] {
    return [...this.#secrets.keys()];
  }
}
