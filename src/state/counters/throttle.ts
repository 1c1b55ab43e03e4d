// Throttles: pings per minute per source and per campaign. A sliding window approximated with two fixed buckets (the
// current window and the one before it, weighted by how much of it still overlaps the sliding window), as Cloudflare
// and most API gateways do: two counters per key, exact at every window start, smooth in between, and never more
// than `limit` acquisitions in any one fixed window.

export interface Throttle {
  /**
   * Takes one slot when fewer than `limit` were taken in the sliding window of `windowMs` ending at `now` (epoch ms);
   * false (taking nothing) otherwise. Atomic: concurrent callers never get more than `limit` slots between them.
   */
  tryAcquire(key: string, limit: number, windowMs: number, now: number): Promise<boolean>;
  /**
   * `tryAcquire` for several keys at once (one round trip and one script on Redis): each key admits or refuses on
   * its own, as if asked one after another in order. Keys must differ.
   */
  tryAcquireEach(requests: readonly ThrottleRequest[], now: number): Promise<boolean[]>;
  close(): Promise<void>;
}

/** One key of `tryAcquireEach`. */
export interface ThrottleRequest {
  key: string;
  limit: number;
  windowMs: number;
}

/** Which fixed window `now` falls in, and how far into it (ms). */
export function throttleBucket(windowMs: number, now: number): { bucket: number; elapsedMs: number } {
  const bucket = Math.floor(now / windowMs);
  return { bucket, elapsedMs: now - bucket * windowMs };
}

/**
 * The two-bucket estimate of the slots taken in the sliding window; one more is allowed while it stays within the
 * limit. The Redis script computes exactly the same expression, so both implementations admit the same requests.
 */
export function throttleAdmits(
  previous: number,
  current: number,
  limit: number,
  windowMs: number,
  elapsedMs: number,
): boolean {
  return (previous * (windowMs - elapsedMs)) / windowMs + current + 1 <= limit;
}

/** Checks every request of a `tryAcquireEach`, and that no key appears twice (each takes at most one slot). */
export function assertValidThrottles(requests: readonly ThrottleRequest[], now: number): void {
  for (const { key, limit, windowMs } of requests) assertValidThrottle(key, limit, windowMs, now);
  // A handful (a ping's campaigns, a lead's velocity keys) compared pairwise, without a set of "key, window" strings.
  if (requests.length <= PAIRWISE_UP_TO) {
    for (let index = 1; index < requests.length; index++) {
      const { key, windowMs } = requests[index]!;
      for (let other = 0; other < index; other++) {
        if (requests[other]!.key === key && requests[other]!.windowMs === windowMs) throw askedTwice(key);
      }
    }
    return;
  }
  const keys = new Set<string>();
  for (const { key, windowMs } of requests) {
    const id = `${key}\n${windowMs}`;
    if (keys.has(id)) throw askedTwice(key);
    keys.add(id);
  }
}

const PAIRWISE_UP_TO = 16;

function askedTwice(key: string): TypeError {
  return new TypeError(`throttle ${key}: asked twice in one tryAcquireEach`);
}

export function assertValidThrottle(key: string, limit: number, windowMs: number, now: number): void {
  if (!key) throw new TypeError("throttle: key is required");
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError(`throttle ${key}: limit must be a non-negative integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new TypeError(`throttle ${key}: windowMs must be a positive integer, got ${windowMs}`);
  }
  if (!Number.isSafeInteger(now)) throw new TypeError(`throttle ${key}: now must be epoch ms, got ${now}`);
}
