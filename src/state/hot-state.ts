// Hot state: what the engine reads and writes on the request path and must not wait on a database for.
// Today: held pings (the ranked bids awaiting their post). Caps, dedupe windows and throttles join it later.
// In memory for the embedded default; Redis (atomic scripts) for several instances.
import type { PingRecord } from "../store/records.ts";

export interface HotState {
  /** Holds a ping's ranked bids until it expires. */
  holdPing(ping: PingRecord): Promise<void>;
  /** The held ping, or undefined when unknown or expired. */
  getHeldPing(pingId: string, now: number): Promise<PingRecord | undefined>;
  /**
   * Atomically claims the right to post this ping (DESIGN rule 4: posted once).
   * True for exactly one caller; false when another post holds or has used the claim.
   */
  claimPost(pingId: string): Promise<boolean>;
  /** Gives the claim back when a post could not be carried out (so a retry can try again). */
  releasePost(pingId: string): Promise<void>;
  /** Forgets a ping once its post has been answered and recorded. */
  dropPing(pingId: string): Promise<void>;
  /** Resolves when the hot state answers; rejects with a clear error when it does not (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
