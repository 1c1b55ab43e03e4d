// The in-memory log of requests the simulated buyers received.
import type { RecordedRequest } from "./buyer-farm-protocol.ts";

/**
 * Keeps the most recent `limit` requests. Bounded because a benchmark sends hundreds of thousands of pings and
 * only tests read the log; a limit of 0 turns recording off.
 */
export class RequestLog {
  readonly limit: number;
  #entries: RecordedRequest[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  record(request: RecordedRequest): void {
    if (this.limit <= 0) return;
    this.#entries.push(request);
    // Trim in batches rather than shifting on every request: amortised O(1).
    if (this.#entries.length > this.limit * 1.5) this.#entries = this.#entries.slice(-this.limit);
  }

  list(): RecordedRequest[] {
    return this.#entries.slice(-this.limit);
  }

  clear(): void {
    this.#entries = [];
  }
}
