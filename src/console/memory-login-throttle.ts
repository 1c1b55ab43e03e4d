// The login guess limit in process memory (the embedded backend: one process).
import type { LoginCounter, LoginThrottle } from "./login-throttle.ts";

/** Past this many counters, windows that ended are dropped, so guessing across many emails cannot grow the map forever. */
const PRUNE_ABOVE = 10_000;

export class MemoryLoginThrottle implements LoginThrottle {
  readonly #counts = new Map<string, { count: number; since: number; windowMs: number }>();

  async tryAttempt(counters: readonly LoginCounter[], now: number): Promise<LoginCounter | undefined> {
    // One synchronous pass: nothing runs between the check and the count, so parallel guesses cannot slip past.
    const full = counters.find((counter) => this.#current(counter.key, now) >= counter.limit.attempts);
    if (full) return full;
    for (const counter of counters) {
      const entry = this.#counts.get(counter.key);
      if (entry && now - entry.since < entry.windowMs) entry.count++;
      else this.#counts.set(counter.key, { count: 1, since: now, windowMs: counter.limit.windowMs });
    }
    if (this.#counts.size > PRUNE_ABOVE) {
      for (const [key, entry] of this.#counts)
        if (now - entry.since >= entry.windowMs) this.#counts.delete(key);
    }
    return undefined;
  }

  async succeeded(counters: readonly LoginCounter[]): Promise<void> {
    for (const counter of counters) {
      const entry = this.#counts.get(counter.key);
      if (!entry) continue;
      if (counter.onSuccess === "clear" || entry.count <= 1) this.#counts.delete(counter.key);
      else entry.count--;
    }
  }

  async close(): Promise<void> {}

  #current(key: string, now: number): number {
    const entry = this.#counts.get(key);
    return entry && now - entry.since < entry.windowMs ? entry.count : 0;
  }
}
