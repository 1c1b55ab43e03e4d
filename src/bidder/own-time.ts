// The bidder's own time per ping (arrival to answer), kept for the last pings so the status page can show p50/p99
// against the 50 ms target.
const KEPT = 2048;

export class OwnTimeRecorder {
  readonly #samples = new Float64Array(KEPT);
  #count = 0;

  record(ms: number): void {
    this.#samples[this.#count % KEPT] = ms;
    this.#count += 1;
  }

  /** Percentiles over the last pings (at most 2048), in milliseconds; undefined before the first ping. */
  percentiles(): { count: number; p50Ms: number; p99Ms: number; maxMs: number } | undefined {
    const n = Math.min(this.#count, KEPT);
    if (n === 0) return undefined;
    const sorted = Array.from(this.#samples.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!;
    return { count: this.#count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[n - 1]! };
  }
}
