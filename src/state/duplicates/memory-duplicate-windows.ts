// Duplicate windows in process memory: the embedded default, rebuilt from the store's sold leads on start. Each call
// runs without awaiting, so firstSeen is atomic within the process.
//
// A window must hold every key for its whole lookback (30 days of sold consumers is common), so its memory is what the
// lookback requires. Keys as the engine names them (a scope such as `v:<vertical>:email:`, then a sha256 in hex) in a
// window of a minute or more go into a MemoryKeyTable: the scope as a number, 96 bits of the hash and the end as a
// Unix second, 20 bytes a slot in a typed array outside the JS heap (issue 14's 10-minute soak: ~390 bytes of heap
// per sold lead as a Map of strings, four keys a lead). Any other key, and windows under a minute (whose end needs
// milliseconds), stay in a Map of the key as given: rare, and short-lived.
//
// The table's upkeep (sweeping expired keys, growing and shrinking) runs a slice at a time, one slice per turn of the
// event loop (setImmediate), so that requests are served between slices however large the table is; at its ceiling
// (`maxKeys`) it evicts the keys that end first, and says so (`onEvict`, `evicted`).
import { assertValidWindow, type DuplicateWindows, type ScopedKeys } from "./duplicate-windows.ts";
import { type KeyTableOptions, MemoryKeyTable } from "./memory-key-table.ts";

const SWEEP_INTERVAL_MS = 60_000;
/** Windows at least this long go into the key table, which keeps their end in whole seconds (rounded up: never early). */
const LONG_WINDOW_MS = 60_000;
/** A sha256 in hex, after the scope's ":". */
const HASH_LENGTH = 64;

export class MemoryDuplicateWindows implements DuplicateWindows {
  readonly #table: MemoryKeyTable;
  /** Keys the table does not take (not a scope and a sha256, or a window under a minute) → their end in epoch ms. */
  readonly #other = new Map<string, number>();
  /** Scope (`v:auto:email:`) → its number in the table. */
  readonly #scopes = new Map<string, number>();
  /** The parsed key of the last #parse: reused, so a lookup allocates nothing but the scope's slice. */
  readonly #parsed = new Uint32Array(4);
  /**
   * The last two hashes `seenAny` read, and their first 96 bits (three words each): a ping's keys are its e-mail's
   * and its phone's hash under a dozen scopes, so each hash is read once, not once per scope.
   */
  readonly #hashes: (string | undefined)[] = [undefined, undefined];
  readonly #hashWords = new Uint32Array(6);
  #nextHashSlot = 0;
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;
  /** The next slice of the table's upkeep, when one is scheduled. */
  #upkeep: NodeJS.Immediate | undefined;
  /** Evictions at the ceiling in force: their windows all end by `through` (epoch ms); the first was at `since`. */
  #evictions: { through: number; since: number } | undefined;

  constructor(options: { now?: () => number } & KeyTableOptions = {}) {
    this.#now = options.now ?? Date.now;
    const onEvict = options.onEvict;
    this.#table = new MemoryKeyTable({
      ...options,
      onEvict: (eviction) => {
        this.#evicting(eviction.throughS);
        onEvict?.(eviction);
      },
    });
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  async remember(keys: readonly string[], ttlMs: number): Promise<void> {
    assertValidWindow(keys, ttlMs);
    const until = this.#now() + ttlMs;
    for (const key of keys) this.#extend(key, until, ttlMs);
  }

  async rememberEach(groups: readonly { keys: readonly string[]; ttlMs: number }[]): Promise<void> {
    for (const { keys, ttlMs } of groups) assertValidWindow(keys, ttlMs);
    const now = this.#now();
    for (const { keys, ttlMs } of groups) for (const key of keys) this.#extend(key, now + ttlMs, ttlMs);
  }

  async seen(keys: readonly string[]): Promise<string | undefined> {
    return this.#firstInside(keys, this.#now());
  }

  async seenEach(groups: readonly (readonly string[])[]): Promise<(string | undefined)[]> {
    const now = this.#now();
    const found: (string | undefined)[] = [];
    for (const keys of groups) found.push(this.#firstInside(keys, now));
    return found;
  }

  async seenAny(groups: readonly ScopedKeys[]): Promise<boolean[]> {
    const now = this.#now();
    const found: boolean[] = [];
    for (const group of groups) found.push(this.#anyInside(group, now));
    return found;
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertValidWindow([key], ttlMs);
    const now = this.#now();
    if (this.#endOf(key) > now) return false;
    this.#extend(key, now + ttlMs, ttlMs);
    return true;
  }

  async forget(key: string): Promise<void> {
    this.#other.delete(key);
    if (this.#parse(key)) {
      const parsed = this.#parsed;
      this.#table.delete(parsed[0]!, parsed[1]!, parsed[2]!, parsed[3]!);
    }
  }

  /** How many keys are inside a window or not yet swept: for tests and diagnostics. */
  get size(): number {
    return this.#table.size + this.#other.size;
  }

  /** Bytes of the key table (outside the JS heap): what the lookback holds by design. */
  get tableBytes(): number {
    return this.#table.bytes;
  }

  /** Keys evicted at the table's ceiling before their window ended: each a duplicate check that may now miss. */
  get evicted(): number {
    return this.#table.evicted;
  }

  /**
   * The evictions at the ceiling whose windows have not all ended (an operator's alert): until `through` (epoch ms),
   * consumers sold before are not all found. Undefined when there were none, or their windows have all ended.
   */
  get evictionsInForce(): { evicted: number; maxKeys: number; through: number; since: number } | undefined {
    const evictions = this.#evictions;
    if (!evictions || evictions.through <= this.#now()) return undefined;
    return { evicted: this.#table.evicted, maxKeys: this.#table.maxKeys, ...evictions };
  }

  #evicting(throughS: number): void {
    const now = this.#now();
    // Keys ending at or before the second `throughS` are evicted: all of their windows have ended a second later.
    const through = (throughS + 1) * 1000;
    const since = this.#evictions && this.#evictions.through > now ? this.#evictions.since : now;
    this.#evictions = { through: Math.max(through, this.#evictions?.through ?? 0), since };
  }

  /** The table's ceiling, in keys. */
  get maxKeys(): number {
    return this.#table.maxKeys;
  }

  /** Drops every key whose window has passed, at once (the timer does it a slice at a time every minute). */
  sweep(): void {
    const now = this.#now();
    this.#table.sweep(Math.floor(now / 1000));
    this.#sweepOther(now);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    if (this.#upkeep) clearImmediate(this.#upkeep);
    this.#upkeep = undefined;
  }

  #firstInside(keys: readonly string[], now: number): string | undefined {
    for (const key of keys) if (this.#endOf(key) > now) return key;
    return undefined;
  }

  #anyInside({ scopes, hashes }: ScopedKeys, now: number): boolean {
    for (let index = 0; index < scopes.length; index++) {
      if (this.#scopedEndOf(scopes[index]!, hashes[index]!) > now) return true;
    }
    return false;
  }

  /**
   * #endOf(scope + hash), without the key's text when the scope ends in ":" and the hash is a sha256 in lowercase hex
   * (the engine's keys): the scope's number from its own string, the hash's words from the last two hashes read.
   */
  #scopedEndOf(scope: string, hash: string): number {
    const words =
      scope.length > 1 && scope.charCodeAt(scope.length - 1) === 58 ? this.#hashWordsAt(hash) : -1;
    if (words < 0) return this.#endOf(scope + hash);
    const other = this.#other.size === 0 ? 0 : (this.#other.get(scope + hash) ?? 0);
    const table = this.#hashWords;
    const end = this.#table.endOf(
      this.#scopeNumber(scope),
      table[words]!,
      table[words + 1]!,
      table[words + 2]!,
    );
    return Math.max(other, end * 1000);
  }

  /** Where the hash's three words are in #hashWords (read now when it is not one of the last two), -1 if not a sha256. */
  #hashWordsAt(hash: string): number {
    if (hash === this.#hashes[0]) return 0;
    if (hash === this.#hashes[1]) return 3;
    if (hash.length !== HASH_LENGTH || !isLowerHex(hash, 0)) return -1;
    const slot = this.#nextHashSlot;
    this.#nextHashSlot = 1 - slot;
    this.#hashes[slot] = hash;
    for (let word = 0; word < 3; word++) this.#hashWords[slot * 3 + word] = hexWord(hash, word * 8);
    return slot * 3;
  }

  /** The scope's number in the table, given it one when new. */
  #scopeNumber(scopeText: string): number {
    let scope = this.#scopes.get(scopeText);
    if (scope === undefined) {
      scope = this.#scopes.size;
      this.#scopes.set(scopeText, scope);
    }
    return scope;
  }

  /** Makes the key's window end at `until` unless it already ends later. */
  #extend(key: string, until: number, ttlMs: number): void {
    if (ttlMs >= LONG_WINDOW_MS && this.#parse(key)) {
      // Indexed, not destructured: destructuring a typed array goes through its iterator, an allocation per key.
      const parsed = this.#parsed;
      const endS = Math.max(2, Math.ceil(until / 1000));
      if (this.#table.endOf(parsed[0]!, parsed[1]!, parsed[2]!, parsed[3]!) < endS)
        this.#table.set(parsed[0]!, parsed[1]!, parsed[2]!, parsed[3]!, endS);
      // Growing: the old array is emptied a slice per turn from now on, not only a few slots per insert.
      if (this.#table.migrating) this.#scheduleUpkeep();
      return;
    }
    const known = this.#other.get(key);
    if (known === undefined || known < until) this.#other.set(key, until);
  }

  /** When the key's window ends (epoch ms), 0 when it has none. */
  #endOf(key: string): number {
    const other = this.#other.size === 0 ? 0 : (this.#other.get(key) ?? 0);
    if (!this.#parse(key)) return other;
    const parsed = this.#parsed;
    return Math.max(other, this.#table.endOf(parsed[0]!, parsed[1]!, parsed[2]!, parsed[3]!) * 1000);
  }

  /**
   * Reads a key named as the engine names them (a scope ending in ":", then a sha256 in lowercase hex) into #parsed:
   * the scope's number and the hash's first 96 bits. False for any other key. Without a regular expression or
   * substrings of the hash: this runs for every key of every ping.
   */
  #parse(key: string): boolean {
    const colon = key.length - HASH_LENGTH - 1;
    if (colon < 1 || key.charCodeAt(colon) !== 58 || !isLowerHex(key, colon + 1)) return false;
    this.#parsed[0] = this.#scopeNumber(key.slice(0, colon + 1));
    for (let word = 0; word < 3; word++) this.#parsed[word + 1] = hexWord(key, colon + 1 + word * 8);
    return true;
  }

  #sweep(): void {
    this.#sweepOther(this.#now());
    this.#scheduleUpkeep();
  }

  #sweepOther(now: number): void {
    for (const [key, end] of this.#other) if (end <= now) this.#other.delete(key);
  }

  /** Runs the table's upkeep a slice per turn of the event loop until its pass (or migration) is done. */
  #scheduleUpkeep(): void {
    if (this.#upkeep) return;
    const slice = () => {
      this.#upkeep = undefined;
      if (!this.#table.maintain(Math.floor(this.#now() / 1000))) this.#upkeep = setImmediate(slice).unref();
    };
    this.#upkeep = setImmediate(slice).unref();
  }
}

/** Whether the 64 characters from `from` are lowercase hex. */
function isLowerHex(text: string, from: number): boolean {
  for (let i = from; i < from + HASH_LENGTH; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The 32-bit number of the 8 hex characters from `from` (checked by isLowerHex). */
function hexWord(text: string, from: number): number {
  let word = 0;
  for (let i = from; i < from + 8; i++) {
    const c = text.charCodeAt(i);
    word = (word << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return word >>> 0;
}
