// Throttles in process memory: the embedded default. One counter per (key, window length, fixed window), dropped once
// the window after it is over; each call runs without awaiting, so it is atomic within the process.
//
// A key's counters sit in one flat array beside it (window length, fixed window, count; a handful of numbers), found by
// the key alone: no "key, window, bucket" string is built for each lookup (two per key per call, each then hashed in
// full: ten a ping with five throttled campaigns). Every fixed window is kept until swept, as a map of them would be,
// so a caller whose clock is a little behind another's still finds the window it falls in.
import {
  assertValidThrottle,
  assertValidThrottles,
  type Throttle,
  type ThrottleRequest,
  throttleAdmits,
  throttleBucket,
} from "./throttle.ts";

const SWEEP_INTERVAL_MS = 10_000;
/** A counter's three numbers in a key's array. */
const WINDOW_MS = 0;
const BUCKET = 1;
const COUNT = 2;
const STRIDE = 3;

export class MemoryThrottle implements Throttle {
  /** Each key's counters: [windowMs, bucket, count, windowMs, bucket, count, …] (the throttle's own arrays). */
  readonly #counters = new Map<string, number[]>();
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
    let counters = this.#counters.get(key);
    const at = counters === undefined ? -1 : counterAt(counters, windowMs, bucket);
    const current = at < 0 ? 0 : counters![at + COUNT]!;
    const previousAt = counters === undefined ? -1 : counterAt(counters, windowMs, bucket - 1);
    const previous = previousAt < 0 ? 0 : counters![previousAt + COUNT]!;
    if (!throttleAdmits(previous, current, limit, windowMs, elapsedMs)) return false;
    if (at >= 0) counters![at + COUNT] = current + 1;
    else if (counters) counters.push(windowMs, bucket, 1);
    else {
      counters = [windowMs, bucket, 1];
      this.#counters.set(key, counters);
    }
    return true;
  }

  /** How many counters (key, window length, fixed window) are kept: for tests and diagnostics. */
  get counters(): number {
    let held = 0;
    for (const counters of this.#counters.values()) held += counters.length / STRIDE;
    return held;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** Drops each counter once the window after its own is over (then it can no longer count in any sliding window). */
  #sweep(): void {
    for (const [key, counters] of this.#counters) {
      let kept = 0;
      for (let at = 0; at < counters.length; at += STRIDE) {
        const windowMs = counters[at + WINDOW_MS]!;
        if ((counters[at + BUCKET]! + 2) * windowMs <= this.#latestNow) continue;
        counters[kept + WINDOW_MS] = windowMs;
        counters[kept + BUCKET] = counters[at + BUCKET]!;
        counters[kept + COUNT] = counters[at + COUNT]!;
        kept += STRIDE;
      }
      if (kept === 0) this.#counters.delete(key);
      else counters.length = kept;
    }
  }
}

/** Where the counter of this window length and fixed window starts in a key's array, or -1. */
function counterAt(counters: readonly number[], windowMs: number, bucket: number): number {
  for (let at = 0; at < counters.length; at += STRIDE) {
    if (counters[at + BUCKET] === bucket && counters[at + WINDOW_MS] === windowMs) return at;
  }
  return -1;
}
