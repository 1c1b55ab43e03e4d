// Each source's recent post rate: of its winning pings, the share its seller posted. Sellers ping several exchanges and
// post to one, so a source that posts one winning ping in five leaves four holds of every five unposted; with
// `settings.cap_hold_overbook: "learned"` a source's pings may overbook a cap by the inverse of its post rate (bounded),
// so a capped buyer keeps winning its share of that source's pings and still fills its cap. The post's atomic commit
// never lets a cap or a balance overshoot whatever the factor (state/counters/cap-ledger.ts).
//
// Learned in process from what this instance sees: a winning ping is counted posted when its post reaches this
// instance, and not posted once its bid expires unposted. Behind a load balancer a post may reach another instance, so
// each instance underestimates the rate by as much: the factor errs towards more overbooking, which the ceiling bounds.

/** Settings the learned factor is bounded by (docs/configuration.md#caps-and-throttles). */
export const LEARNED_OVERBOOK = {
  /** Below this many resolved winning pings of a source, its factor is the fixed default. */
  minSample: 50,
  /** The last this many resolved winning pings of a source count. */
  window: 500,
  /** Never below 1 (no overbooking), never above the ceiling, whatever the rate. */
  floor: 1,
  ceiling: 5,
  /** Holds expected to be posted are sized a little above the cap, so chance runs of unposted pings do not starve it. */
  headroom: 1.25,
} as const;

/** Winning pings awaiting their post, per source, beyond which the oldest are counted unposted (memory bound). */
export const MAX_PENDING = 20_000;
/**
 * `won` counts the oldest unposted once this many more than MAX_PENDING wait, in one go: the bound holds whether or not
 * anything asks for the rate (only the "learned" setting does, and its sweep is what used to bound the map: under any
 * other setting every winning ping never posted stayed in it for the life of the process).
 */
const TRIM_BATCH = 1_024;

class SourcePostRate {
  /** Winning pings not yet posted, by auction id → when their bid expires (inserted in roughly expiry order). */
  readonly pending = new Map<string, number>();
  /** The last resolved winning pings: 1 posted, 0 expired unposted. */
  readonly #ring = new Uint8Array(LEARNED_OVERBOOK.window);
  #next = 0;
  sample = 0;
  postedInWindow = 0;

  resolve(posted: boolean): void {
    const slot = this.#next;
    if (this.sample === this.#ring.length) this.postedInWindow -= this.#ring[slot]!;
    else this.sample++;
    this.#ring[slot] = posted ? 1 : 0;
    this.postedInWindow += posted ? 1 : 0;
    this.#next = (slot + 1) % this.#ring.length;
  }

  /** Counts the winning pings whose bids expired unposted. */
  sweep(now: number): void {
    for (const [auctionId, expiresAt] of this.pending) {
      if (expiresAt > now && this.pending.size <= MAX_PENDING) break;
      this.pending.delete(auctionId);
      this.resolve(false);
    }
  }
}

export class PostRates {
  readonly #sources = new Map<string, SourcePostRate>();

  /** A ping of the source won: it is posted or its bid expires at `expiresAt`. */
  won(sourceId: string, auctionId: string, expiresAt: number): void {
    let rate = this.#sources.get(sourceId);
    if (!rate) {
      rate = new SourcePostRate();
      this.#sources.set(sourceId, rate);
    }
    rate.pending.set(auctionId, expiresAt);
    if (rate.pending.size > MAX_PENDING + TRIM_BATCH) rate.sweep(Number.NEGATIVE_INFINITY);
  }

  /** Winning pings of the source awaiting their post (for tests and diagnostics). */
  pending(sourceId: string): number {
    return this.#sources.get(sourceId)?.pending.size ?? 0;
  }

  /** The seller posted this winning ping (a post of a ping this instance did not see is ignored). */
  posted(sourceId: string, auctionId: string): void {
    const rate = this.#sources.get(sourceId);
    if (rate?.pending.delete(auctionId)) rate.resolve(true);
  }

  /** The source's recent post rate and how many resolved winning pings it rests on. */
  rate(sourceId: string, now: number): { rate: number; sample: number } {
    const rate = this.#sources.get(sourceId);
    if (!rate) return { rate: 0, sample: 0 };
    rate.sweep(now);
    return { rate: rate.sample === 0 ? 0 : rate.postedInWindow / rate.sample, sample: rate.sample };
  }

  /** How far the source's pings' holds may overbook: learned from its post rate, or `fallback` on too few pings. */
  overbook(sourceId: string, now: number, fallback: number): number {
    const { rate, sample } = this.rate(sourceId, now);
    return learnedOverbook(rate, sample, fallback);
  }
}

/** The overbook factor for a post rate measured on `sample` winning pings (pure: the rule, testable alone). */
export function learnedOverbook(rate: number, sample: number, fallback: number): number {
  if (sample < LEARNED_OVERBOOK.minSample) return fallback;
  const { floor, ceiling, headroom } = LEARNED_OVERBOOK;
  if (rate <= 0) return ceiling;
  return Math.min(ceiling, Math.max(floor, headroom / rate));
}
