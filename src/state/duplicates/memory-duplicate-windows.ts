// Duplicate windows in process memory: the embedded default, rebuilt from the store's sold leads on start. Each call
// runs without awaiting, so firstSeen is atomic within the process.
import { assertValidWindow, type DuplicateWindows } from "./duplicate-windows.ts";

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryDuplicateWindows implements DuplicateWindows {
  /** Key → when it leaves its window (epoch ms). */
  readonly #until = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async remember(keys: readonly string[], ttlMs: number): Promise<void> {
    assertValidWindow(keys, ttlMs);
    const until = this.#now() + ttlMs;
    for (const key of keys) this.#until.set(key, Math.max(until, this.#until.get(key) ?? 0));
  }

  async seen(keys: readonly string[]): Promise<string | undefined> {
    const now = this.#now();
    return keys.find((key) => (this.#until.get(key) ?? 0) > now);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertValidWindow([key], ttlMs);
    const now = this.#now();
    if ((this.#until.get(key) ?? 0) > now) return false;
    this.#until.set(key, now + ttlMs);
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key);
  }
}
