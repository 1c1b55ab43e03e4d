// Where the instances of a distributed exchange put their live numbers, so the dashboard read from any of them shows
// them all: each instance posts its contribution once a second and reads everyone's. An instance that stops posting
// (it died) drops out within a few seconds. The embedded backend (one process) has no board.
import type { HistogramBuckets } from "./latency-histogram.ts";

/** What one instance adds to the dashboard: the same numbers over its own window, summed across instances. */
export interface LiveContribution {
  /** Which instance (random per process start). */
  instance: string;
  /** The instance's window: how long it covers (s), and the counts within it. */
  window: { seconds: number; auctions: number; bids: number; leads: number; sold: number };
  /** The seller API's answer times within the window. */
  latency: HistogramBuckets;
  /** Since the instance started. */
  totals: { auctions: number; bids: number; leads: number; sold: number };
  /** Since the instance started, per buyer id (only buyers with requests). */
  buyers: Record<string, { requests: number; timeouts: number; errors: number }>;
}

export interface LiveBoard {
  /**
   * Posts this instance's contribution (replacing its previous one) and, when `read`, resolves to the contributions of
   * every live instance, this one included. Rejects (ServiceUnavailableError) when the board cannot be reached.
   */
  share(contribution: LiveContribution, read: boolean): Promise<LiveContribution[]>;
  /** Takes this instance's contribution off the board (best effort) and disconnects. */
  close(): Promise<void>;
}
