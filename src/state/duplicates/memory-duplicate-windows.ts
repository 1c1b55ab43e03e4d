// Duplicate windows in process memory: the embedded default, rebuilt from the store's sold leads on start. Each call
// runs without awaiting, so firstSeen is atomic within the process.
//
// A window must hold every key for its whole lookback (30 days of sold consumers is common), so its memory is what the
// lookback requires, and each key is kept compactly: the scope (`v:<vertical>:email:`) as a short number shared by all
// its keys, and the sha256 as its first 16 bytes rather than 64 hex characters (128 bits: a collision among even a
// billion keys has a chance below 10^-20), in one flat string; and its window's end as a small integer (V8 keeps it
// unboxed) rather than epoch ms (a boxed double): about half the memory of the key as given.
import { assertValidWindow, type DuplicateWindows } from "./duplicate-windows.ts";

const SWEEP_INTERVAL_MS = 60_000;
/** Windows at least this long end on a whole second (rounded up, so never early): their end fits a small integer. */
const LONG_WINDOW_MS = 60_000;
/**
 * A JS Map holds at most 2^24 (16.7 million) entries and throws past it; 30 days of a busy exchange's sales can pass
 * that (four keys per sale), so keys are spread over several maps by their last character (a hash byte).
 */
const SHARDS = 16;

export class MemoryDuplicateWindows implements DuplicateWindows {
  /**
   * Compact key → when it leaves its window, in the shard its last character picks. The end is relative to #epoch:
   * ms (≥ 0) for a short window, minus whole seconds for a long one (see #encode): small integers for decades.
   */
  readonly #shards = Array.from({ length: SHARDS }, () => new Map<string, number>());
  readonly #epoch: number;
  /** Scope → its compact prefix: "\0", a number, ":" (a key as given never starts with "\0", so the two never meet). */
  readonly #scopes = new Map<string, Buffer>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#epoch = this.#now();
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async remember(keys: readonly string[], ttlMs: number): Promise<void> {
    assertValidWindow(keys, ttlMs);
    const until = this.#now() + ttlMs;
    for (const key of keys) {
      const compact = this.#compact(key);
      const known = this.#shard(compact).get(compact);
      if (known === undefined || this.#decode(known) < until)
        this.#shard(compact).set(compact, this.#encode(until, ttlMs));
    }
  }

  async rememberEach(groups: readonly { keys: readonly string[]; ttlMs: number }[]): Promise<void> {
    for (const { keys, ttlMs } of groups) assertValidWindow(keys, ttlMs);
    for (const { keys, ttlMs } of groups) await this.remember(keys, ttlMs);
  }

  async seen(keys: readonly string[]): Promise<string | undefined> {
    const now = this.#now();
    return keys.find((key) => this.#endOf(this.#compact(key)) > now);
  }

  async seenEach(groups: readonly (readonly string[])[]): Promise<(string | undefined)[]> {
    const now = this.#now();
    return groups.map((keys) => keys.find((key) => this.#endOf(this.#compact(key)) > now));
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertValidWindow([key], ttlMs);
    const now = this.#now();
    const compact = this.#compact(key);
    if (this.#endOf(compact) > now) return false;
    this.#shard(compact).set(compact, this.#encode(now + ttlMs, ttlMs));
    return true;
  }

  /** How many keys are inside a window or not yet swept: for tests and diagnostics. */
  get size(): number {
    return this.#shards.reduce((sum, shard) => sum + shard.size, 0);
  }

  /** Drops every key whose window has passed (also done every minute by a timer). */
  sweep(): void {
    this.#sweep();
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #compact(key: string): string {
    // A scope ending in ":", then a sha256 in lowercase hex (how the engine names every key: duplicate-windows.ts),
    // told apart without a regular expression: this runs for every key of every ping.
    const colon = key.length - 65;
    if (colon < 1 || key.charCodeAt(colon) !== 58 || !isLowerHex(key, colon + 1)) return key;
    const scope = key.slice(0, colon + 1);
    let prefix = this.#scopes.get(scope);
    if (!prefix) {
      prefix = Buffer.from(`\0${this.#scopes.size}:`, "latin1");
      this.#scopes.set(scope, prefix);
    }
    // Built in one buffer and decoded once: a flat one-byte string, not a rope of pieces.
    const compact = Buffer.allocUnsafe(prefix.length + 16);
    prefix.copy(compact);
    compact.write(key.slice(colon + 1, colon + 33), prefix.length, "hex");
    return compact.toString("latin1");
  }

  #shard(compact: string): Map<string, number> {
    return this.#shards[compact.charCodeAt(compact.length - 1) % SHARDS]!;
  }

  #endOf(compact: string): number {
    const encoded = this.#shard(compact).get(compact);
    return encoded === undefined ? 0 : this.#decode(encoded);
  }

  #encode(until: number, ttlMs: number): number {
    const sinceEpoch = until - this.#epoch;
    return ttlMs >= LONG_WINDOW_MS ? -Math.ceil(sinceEpoch / 1000) : sinceEpoch;
  }

  #decode(encoded: number): number {
    return this.#epoch + (encoded < 0 ? -encoded * 1000 : encoded);
  }

  #sweep(): void {
    const now = this.#now();
    for (const shard of this.#shards) {
      for (const [key, encoded] of shard) if (this.#decode(encoded) <= now) shard.delete(key);
    }
  }
}

/** Whether the 64 characters from `from` are lowercase hex. */
function isLowerHex(text: string, from: number): boolean {
  for (let i = from; i < from + 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
