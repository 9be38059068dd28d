/** A row of `leases`: a named claim held by one owner until it is released or `expiresAt` passes. */
export interface LeaseRow {
  /** What is held, e.g. `phone-bind:<userId>`. */
  name: string;
  /** Who holds it: an id the acquirer made, so only it can release it. */
  owner: string;
  expiresAt: number;
}

/** Named claims on request paths: nobody waits, and no connection is held between calls. */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `owner` until `now + ttlMs`: inserted when absent, or taken over with a
   * compare-and-set when the holder's lease has expired (a crashed holder). False, at once, while another owner
   * holds it. Each call is one or two single statements: no connection is held between them, and nobody waits.
   */
  acquireLease(input: { name: string; owner: string; now: number; ttlMs: number }): Promise<boolean>;
  /** Releases the lease if `owner` still holds it (a lease that expired and was taken over stays with its new owner). */
  releaseLease(name: string, owner: string): Promise<void>;
}
