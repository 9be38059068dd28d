/** A row of `signing_keys`. */
export interface SigningKeyRow {
  kid: string;
  alg: string;
  /** Sealed private JWK (see the server's sealing module): never stored in clear. */
  privateJwkSealed: string;
  /** Public JWK as JSON text. */
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

/** The JWT signing keys (the first one is created, and keys are rotated, under `withLock`). */
export interface SigningKeyStore {
  /** Every key, retired ones included, oldest first. */
  listSigningKeys(): Promise<SigningKeyRow[]>;
  /** Inserts a new key (its `kid` must be new). */
  insertSigningKey(row: SigningKeyRow): Promise<void>;
  /** Stamps `retiredAt` on a key not retired yet; a retired key keeps its first stamp. */
  retireSigningKey(kid: string, at: number): Promise<void>;
}
