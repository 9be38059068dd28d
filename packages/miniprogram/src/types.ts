/** The service's user, as every route answers it. Nullable fields are present as `null`. */
export interface User {
  /** UUIDv7; the `sub` of every token of this user, forever. */
  id: string;
  appid: string;
  openid: string;
  unionid: string | null;
  /** E.164, e.g. `+8613800138000`. */
  phone: string | null;
  nickname: string | null;
  avatarUrl: string | null;
  status: 'active' | 'disabled';
  /** ISO 8601. */
  createdAt: string;
}

/** What `POST /v1/auth/login` and `/v1/auth/refresh` answer. */
export interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  tokenType: 'Bearer';
  user: User;
  isNew?: boolean;
}

/** Where the SDK keeps the session: `wx`'s `*StorageSync` by default, or anything with these three calls. */
export interface SessionStorage {
  get(key: string): unknown;
  set(key: string, value: string): void;
  remove(key: string): void;
}
