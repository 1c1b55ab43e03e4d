// Consecutive post failures per buyer, for auto-pause: a post that errors or times out adds one, an accepted post
// starts the count again. In process memory on the embedded backend, in Redis (shared by every instance) otherwise.

export interface FailureStreaks {
  /** Counts one more failure in a row for the buyer; resolves to the streak including it. */
  recordFailure(buyerId: string): Promise<number>;
  /** Starts the buyer's count again (an accepted post, a pause, a resume). */
  reset(buyerId: string): Promise<void>;
  close(): Promise<void>;
}
