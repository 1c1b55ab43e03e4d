// Throttles in process memory: the embedded default. One counter per (key, window length, fixed window), dropped once
// the window after it is over; each call runs without awaiting, so it is atomic within the process.
import {
  assertValidThrottle,
  assertValidThrottles,
  type Throttle,
  type ThrottleRequest,
  throttleAdmits,
  throttleBucket,
} from "./throttle.ts";

const SWEEP_INTERVAL_MS = 10_000;

export class MemoryThrottle implements Throttle {
  readonly #buckets = new Map<string, { count: number; forgetAt: number }>();
  readonly #sweeper: NodeJS.Timeout;
  /** The latest `now` seen: callers own the clock, so sweeping follows theirs. */
  #latestNow = 0;

  constructor() {
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async tryAcquire(key: string, limit: number, windowMs: number, now: number): Promise<boolean> {
    assertValidThrottle(key, limit, windowMs, now);
    return this.#acquire(key, limit, windowMs, now);
  }

  async tryAcquireEach(requests: readonly ThrottleRequest[], now: number): Promise<boolean[]> {
    assertValidThrottles(requests, now);
    const admitted: boolean[] = [];
    for (const { key, limit, windowMs } of requests) admitted.push(this.#acquire(key, limit, windowMs, now));
    return admitted;
  }

  /** One slot of one (validated) key, synchronously: a campaign throttle per key would otherwise be one await each. */
  #acquire(key: string, limit: number, windowMs: number, now: number): boolean {
    this.#latestNow = Math.max(this.#latestNow, now);
    const { bucket, elapsedMs } = throttleBucket(windowMs, now);
    const currentId = bucketId(key, windowMs, bucket);
    const current = this.#buckets.get(currentId);
    const previous = this.#buckets.get(bucketId(key, windowMs, bucket - 1))?.count ?? 0;
    if (!throttleAdmits(previous, current?.count ?? 0, limit, windowMs, elapsedMs)) return false;
    if (current) current.count += 1;
    else this.#buckets.set(currentId, { count: 1, forgetAt: (bucket + 2) * windowMs });
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    for (const [id, entry] of this.#buckets) if (entry.forgetAt <= this.#latestNow) this.#buckets.delete(id);
  }
}

function bucketId(key: string, windowMs: number, bucket: number): string {
  return `${key}\n${windowMs}\n${bucket}`;
}
