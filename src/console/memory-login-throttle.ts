// The login guess limit in process memory (the embedded backend: one process).
import type { LoginLimit, LoginThrottle } from "./login-throttle.ts";

/** Past this many emails, windows that ended are dropped, so guessing across many emails cannot grow the map forever. */
const PRUNE_ABOVE = 10_000;

export class MemoryLoginThrottle implements LoginThrottle {
  readonly #attempts = new Map<string, { count: number; since: number }>();

  async tryAttempt(email: string, limit: LoginLimit, now: number): Promise<boolean> {
    const current = this.#attempts.get(email);
    if (current && now - current.since < limit.windowMs) {
      if (current.count >= limit.attempts) return false;
      current.count++;
      return true;
    }
    this.#attempts.set(email, { count: 1, since: now });
    if (this.#attempts.size > PRUNE_ABOVE) {
      for (const [key, entry] of this.#attempts) {
        if (now - entry.since >= limit.windowMs) this.#attempts.delete(key);
      }
    }
    return true;
  }

  async clear(email: string): Promise<void> {
    this.#attempts.delete(email);
  }

  async close(): Promise<void> {}
}
