// The seller API's recent answer times, for the dashboard's p50/p99: a fixed ring of (time, milliseconds) pairs in two
// typed arrays. Recording one is two stores and an index bump, whatever the traffic; an array trimmed from its front
// (the previous shape) cost a memmove of the whole window on every request once full, ~0.1–0.3 ms a ping.

export class AnswerTimeRing {
  readonly #at: Float64Array;
  readonly #ms: Float64Array;
  /** Where the next answer goes. */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#at = new Float64Array(capacity);
    this.#ms = new Float64Array(capacity);
  }

  /** One answer, at `at` (epoch ms), that took `ms`; the oldest is overwritten when the ring is full. */
  record(at: number, ms: number): void {
    this.#at[this.#next] = at;
    this.#ms[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#at.length;
    if (this.#size < this.#at.length) this.#size++;
  }

  /** The answer times recorded at or after `since`, sorted ascending; older ones are forgotten. */
  sortedSince(since: number): number[] {
    const capacity = this.#at.length;
    const recent: number[] = [];
    // Newest first, stopping at the first one older than the window (answers are recorded in time order).
    for (let seen = 0; seen < this.#size; seen++) {
      const slot = (this.#next - 1 - seen + capacity) % capacity;
      if (this.#at[slot]! < since) {
        this.#size = seen;
        break;
      }
      recent.push(this.#ms[slot]!);
    }
    return recent.sort((a, b) => a - b);
  }
}
