// Hot state: what the engine reads and writes on the request path and must not wait on a database for.
// This interface: held pings (the ranked bids awaiting their post); caps, duplicate windows and throttles have theirs
// (src/state/counters, src/state/duplicates).
// In memory for the embedded default; Redis (atomic scripts) for several instances.
import type { PingRecord } from "../domain/records.ts";

/** The right to post one ping, held as a lease. */
export interface PostClaim {
  /**
   * Extends the lease by its length; false when it lapsed (another caller may have taken the post over). A lease taken
   * or extended within the last tenth of its length may be answered as held without extending it again.
   */
  renew(): Promise<boolean>;
  /** The post was carried out: keeps the claim, without lease, until the held ping expires; no retry posts again. */
  complete(): Promise<void>;
  /** Gives the claim back when the post could not be carried out (so a retry can try again). */
  release(): Promise<void>;
}

export interface HotState {
  /**
   * Holds a ping's ranked bids until it expires. The record is the caller's no more: the memory hot state keeps this
   * very object (frozen), so it must not be changed afterwards.
   */
  holdPing(ping: PingRecord): Promise<void>;
  /**
   * The held ping, or undefined when unknown or expired. Read-only: in memory every post of the ping is handed the
   * same (frozen) object; Redis hands out a copy.
   */
  getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined>;
  /**
   * Atomically claims the right to post this ping (DESIGN rule 4: posted once), as a lease of `leaseMs` that its
   * holder renews while the post runs. Undefined when another post holds the lease or has completed the post. A
   * lease not renewed in time (its instance died) lapses, and another caller can take the post over (in memory, only
   * time the process could run counts: a stalled event loop stalls every caller); the post
   * attempts journal (src/store/post-attempts.ts) then keeps the taker from posting again to a buyer.
   */
  claimPost(pingId: string, leaseMs: number): Promise<PostClaim | undefined>;
  /**
   * getHeldPing and, when the ping is held, claimPost, in one call (one round trip on Redis, not two): the held ping
   * (undefined when unknown or expired, and then nothing is claimed) and the claim (undefined when another post holds
   * it or has completed the post). The caller gives the claim back (`release`) when it does not go on to post: the
   * ping is another source's, or the post is refused before its delivery.
   */
  claimHeldPing(
    pingId: string,
    now: number,
    leaseMs: number,
  ): Promise<{ ping: PingRecord; claim: PostClaim | undefined } | undefined>;
  /** Forgets a ping once its post has been answered and recorded. */
  dropPing(pingId: string): Promise<void>;
  /** Resolves when the hot state answers; rejects with a clear error when it does not (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
