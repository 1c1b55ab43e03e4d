// The long duplicate windows' keys in one flat typed array, outside the JS heap: an open-addressing hash table (linear
// probing) of fixed-size slots, five 32-bit words each: the scope's number, 96 bits of the key's sha256 and the second
// (Unix time) its window ends. 20 bytes a slot, kept between an eighth and three quarters full, so 27–80 bytes a key
// (about 40 on average) against ~92 bytes of heap per key as a Map of strings, plus the Map's own slots; and no object
// per key for the garbage collector to trace.
//
// 96 bits of a sha256: a false "seen" between two different consumers among a billion keys of one scope has a chance
// below 10^-10.
//
// No step of the table's upkeep holds the event loop for long, however large it is (issue 14: growing a table of
// 16 million keys by copying it at once held the event loop ~1 s). Growing or rebuilding is a migration: a new array
// takes every new key while the old one's slots are moved over a few at each insert and a slice at each `maintain`,
// lookups reading both until the old one is empty (then freed). Expired keys are removed (marked, so probe chains
// stay intact) a slice at a time by `maintain` too; a pass that leaves the table sparse or full of removed slots
// starts a migration to a smaller array, so memory comes back when the keys leave their windows.
//
// Ceiling: `maxKeys` keys at most (so at most capacityFor(maxKeys) slots, and while a migration runs the old array
// beside the new). At the ceiling the keys whose windows end first (for one lookback, the oldest sales) are evicted,
// a share of the ceiling at once: from then on they are not found, which shortens the lookback for them, and every
// eviction is counted (`evicted`) and reported (`onEvict`) so that an operator sees it (a metric and a log line),
// never a crash and never a silent gap in the duplicate check.

const WORDS = 5;
const SCOPE = 0;
const H0 = 1;
const H1 = 2;
const H2 = 3;
const END = 4;
/** An `END` of 0 marks an empty slot, 1 a removed one; a real end is a Unix second, far above both. */
const EMPTY = 0;
const REMOVED = 1;
const MIN_CAPACITY = 1024;
/** A migration to a larger array starts when live keys and removed slots fill this share of the slots. */
const MAX_FILL = 0.75;
/** A migration to a smaller array starts after a sweep pass that left live keys under this share of the slots. */
const MIN_FILL = 0.125;
/** The default ceiling: 8 Mi keys (2 Mi sales at four keys each), 320 MiB of table (twice that while migrating). */
export const DEFAULT_MAX_KEYS = 8 * 1024 * 1024;
/** The largest ceiling: 2^29 slots, 10 GiB of table (the schema's limit for storage.duplicate_window_max_keys). */
export const LARGEST_MAX_KEYS = 2 ** 28;
/** Slots a `maintain` call moves or sweeps unless told otherwise: about a millisecond's work. */
export const MAINTAIN_SLICE = 16_384;
/** Keys are counted by the second their window ends, in buckets this long, to find the first ending at the ceiling. */
const END_BUCKET_S = 600;
/** The share of the ceiling evicted at once when it is reached (at least one bucket of ends). */
const EVICT_SHARE = 1 / 64;

export interface KeyTableOptions {
  /** Most keys held (default DEFAULT_MAX_KEYS); past it, the keys whose windows end first are evicted. */
  maxKeys?: number;
  /**
   * Told of each eviction at the ceiling: how many keys not yet expired it evicted, and the last second of the ends
   * evicted (keys set later with an end up to it are evicted as they come: counted in `evicted`, not told again).
   */
  onEvict?: (eviction: { keys: number; throughS: number; maxKeys: number }) => void;
}

export class MemoryKeyTable {
  readonly maxKeys: number;
  readonly #onEvict: KeyTableOptions["onEvict"];
  /** The array that takes new keys. */
  #slots: Uint32Array;
  #mask: number;
  /** The array being emptied into #slots during a migration. */
  #old: Uint32Array | undefined;
  #oldMask = 0;
  /** The next slot of #old to move. */
  #movedTo = 0;
  /** Slots of #old moved at each insert of a new key: enough that #old is empty before #slots needs to grow. */
  #movePerInsert = 0;
  /** Keys held and findable (some may be past their end until swept), in either array. */
  #live = 0;
  /** Evicted keys still in a slot until swept or left behind by a migration. */
  #evictedHeld = 0;
  /** Slots of #slots holding a key (live, expired or evicted), and removed ones: the array's fill. */
  #used = 0;
  #removed = 0;
  /** The next slot of #slots the sweep pass looks at. */
  #sweptTo = 0;
  /** The latest time `maintain` was given, in Unix seconds. */
  #nowS = 0;
  /** Keys ending at or before this second are evicted: not found, not taken. */
  #evictedThroughS = 0;
  #evicted = 0;
  /** The live keys counted by the bucket of their end (second ÷ END_BUCKET_S): the ones ending first, when needed. */
  readonly #ends = new Map<number, number>();

  constructor(options: KeyTableOptions = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1 || this.maxKeys > LARGEST_MAX_KEYS) {
      throw new RangeError(`maxKeys must be an integer from 1 to ${LARGEST_MAX_KEYS}`);
    }
    this.#onEvict = options.onEvict;
    this.#slots = new Uint32Array(MIN_CAPACITY * WORDS);
    this.#mask = MIN_CAPACITY - 1;
  }

  /** Live keys (some may be past their end until the next sweep); evicted keys are not counted. */
  get size(): number {
    return this.#live;
  }

  /** Bytes of the table, both arrays while migrating (ArrayBuffers outside the JS heap). */
  get bytes(): number {
    return this.#slots.byteLength + (this.#old?.byteLength ?? 0);
  }

  /** Keys evicted at the ceiling before their window ended, since the start. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Whether a migration is under way: `maintain` should be called until it is not. */
  get migrating(): boolean {
    return this.#old !== undefined;
  }

  /** The second the key's window ends, or 0 when the table does not hold it (or evicted it). */
  endOf(scope: number, h0: number, h1: number, h2: number): number {
    let at = find(this.#slots, this.#mask, scope, h0, h1, h2);
    let end = at >= 0 ? this.#slots[at + END]! : 0;
    const old = this.#old;
    if (at < 0 && old) {
      at = find(old, this.#oldMask, scope, h0, h1, h2);
      if (at >= 0) end = old[at + END]!;
    }
    return end > this.#evictedThroughS ? end : 0;
  }

  /** Sets the key's end (`endS`, a Unix second ≥ 2), inserting it when absent. */
  set(scope: number, h0: number, h1: number, h2: number, endS: number): void {
    const slots = this.#slots;
    const at = find(slots, this.#mask, scope, h0, h1, h2);
    if (at >= 0) {
      this.#drop(slots[at + END]!);
    } else if (this.#old) {
      // A key is in one array only: one found in the old array leaves it for the new one.
      const old = this.#old;
      const oldAt = find(old, this.#oldMask, scope, h0, h1, h2);
      if (oldAt >= 0) {
        this.#drop(old[oldAt + END]!);
        old[oldAt + END] = REMOVED;
      }
    }
    if (this.#live >= this.maxKeys) this.#evict();
    if (endS <= this.#evictedThroughS) {
      // The ceiling evicted ends up to this one already: the key is evicted as it comes, and counted.
      // (Counted in `evicted`; `onEvict` told of the eviction that moved the bound.)
      if (at >= 0) {
        slots[at + END] = REMOVED;
        this.#used--;
        this.#removed++;
      }
      this.#evicted++;
      return;
    }
    this.#count(endS);
    if (at >= 0) {
      slots[at + END] = endS;
      return;
    }
    this.#insert(scope, h0, h1, h2, endS);
    if (this.#old) this.#move(this.#movePerInsert);
    if (this.#used + this.#removed > this.#capacity * MAX_FILL) {
      // Never during a migration: the moves at each insert empty the old array before the new one is this full.
      // Were it to happen, the migration is finished at once rather than letting the new array fill up.
      if (this.#old) this.#move(Number.MAX_SAFE_INTEGER);
      this.#migrate(capacityFor(this.#live));
    }
  }

  /** Removes the key, if held (as `set` leaves a slot it evicts). */
  delete(scope: number, h0: number, h1: number, h2: number): void {
    const slots = this.#slots;
    const at = find(slots, this.#mask, scope, h0, h1, h2);
    if (at >= 0) {
      this.#drop(slots[at + END]!);
      slots[at + END] = REMOVED;
      this.#used--;
      this.#removed++;
      return;
    }
    const old = this.#old;
    if (!old) return;
    const oldAt = find(old, this.#oldMask, scope, h0, h1, h2);
    if (oldAt < 0) return;
    this.#drop(old[oldAt + END]!);
    old[oldAt + END] = REMOVED;
  }

  /**
   * Does up to `slots` slots of upkeep at time `nowS` (Unix seconds): moves a migration's slots, else sweeps the
   * expired and evicted keys out of the next slots, starting a migration to a smaller array when a pass left the table
   * sparse. True when a sweep pass (or a migration, which leaves expired keys behind) has just completed: until the
   * next pass, nothing is left to do.
   */
  maintain(nowS: number, slots = MAINTAIN_SLICE): boolean {
    this.#nowS = Math.max(this.#nowS, nowS);
    if (this.#old) {
      this.#move(slots);
      return this.#old === undefined;
    }
    const table = this.#slots;
    const cutoff = Math.max(this.#nowS, this.#evictedThroughS);
    const until = Math.min(this.#capacity, this.#sweptTo + slots);
    for (let at = this.#sweptTo * WORDS + END; at < until * WORDS; at += WORDS) {
      const end = table[at]!;
      if (end > REMOVED && end <= cutoff) {
        table[at] = REMOVED;
        this.#used--;
        this.#removed++;
        this.#drop(end);
      }
    }
    this.#sweptTo = until;
    if (until < this.#capacity) return false;
    this.#sweptTo = 0;
    const capacity = this.#capacity;
    const sparse = capacity > MIN_CAPACITY && this.#live < capacity * MIN_FILL;
    if (!sparse && this.#removed <= capacity / 4) return true;
    this.#migrate(capacityFor(this.#live));
    return false;
  }

  /** Removes every key whose window ended at or before `nowS` and finishes any migration, all at once (tests). */
  sweep(nowS: number): void {
    while (this.#old) this.maintain(nowS, Number.MAX_SAFE_INTEGER);
    this.#sweptTo = 0;
    while (!this.maintain(nowS, Number.MAX_SAFE_INTEGER));
  }

  get #capacity(): number {
    return this.#mask + 1;
  }

  /** Starts moving every key into a new array of `capacity` slots. */
  #migrate(capacity: number): void {
    this.#old = this.#slots;
    this.#oldMask = this.#mask;
    this.#movedTo = 0;
    this.#slots = new Uint32Array(capacity * WORDS);
    this.#mask = capacity - 1;
    this.#used = 0;
    this.#removed = 0;
    this.#sweptTo = 0;
    // New keys may take the new array up to MAX_FILL before it must grow: the old one must be empty by then. Twice
    // the rate that needs, for margin; `maintain` moves slices too. (Evicted keys stay behind: not counted.)
    const room = Math.max(1, Math.floor(capacity * MAX_FILL) - this.#live);
    this.#movePerInsert = Math.ceil((2 * (this.#oldMask + 1)) / room);
  }

  /** Moves up to `count` slots of the old array into the new one, leaving expired and evicted keys behind. */
  #move(count: number): void {
    const old = this.#old!;
    const oldCapacity = this.#oldMask + 1;
    const until = Math.min(oldCapacity, this.#movedTo + count);
    const cutoff = Math.max(this.#nowS, this.#evictedThroughS);
    for (let at = this.#movedTo * WORDS; at < until * WORDS; at += WORDS) {
      const end = old[at + END]!;
      if (end <= REMOVED) continue;
      old[at + END] = REMOVED;
      if (end <= cutoff) this.#drop(end);
      else this.#insert(old[at + SCOPE]!, old[at + H0]!, old[at + H1]!, old[at + H2]!, end);
    }
    this.#movedTo = until;
    if (until === oldCapacity) this.#old = undefined;
  }

  /** Writes a key known to be absent into #slots (the first removed slot on its probe chain, else the empty one). */
  #insert(scope: number, h0: number, h1: number, h2: number, endS: number): void {
    const slots = this.#slots;
    let slot = home(scope, h0, this.#mask);
    for (; ; slot = (slot + 1) & this.#mask) {
      const end = slots[slot * WORDS + END]!;
      if (end === EMPTY) break;
      if (end === REMOVED) {
        this.#removed--;
        break;
      }
    }
    this.#used++;
    const at = slot * WORDS;
    slots[at + SCOPE] = scope;
    slots[at + H0] = h0;
    slots[at + H1] = h1;
    slots[at + H2] = h2;
    slots[at + END] = endS;
  }

  /** Counts a key that becomes live with this end. */
  #count(endS: number): void {
    this.#live++;
    const bucket = Math.floor(endS / END_BUCKET_S);
    this.#ends.set(bucket, (this.#ends.get(bucket) ?? 0) + 1);
  }

  /** Uncounts a key with this end that leaves its slot (expired, evicted earlier, or about to get another end). */
  #drop(end: number): void {
    if (end <= this.#evictedThroughS) {
      this.#evictedHeld--;
      return;
    }
    this.#live--;
    const bucket = Math.floor(end / END_BUCKET_S);
    const left = this.#ends.get(bucket)! - 1;
    if (left === 0) this.#ends.delete(bucket);
    else this.#ends.set(bucket, left);
  }

  /**
   * At the ceiling: evicts the keys that end first, whole buckets of ends until a share of the ceiling is gone. Only
   * moves the bound below which keys are not found (the sweep and migrations clear their slots later), so it costs
   * a sort of the buckets (a few thousand for a 30-day lookback), not a pass over the table.
   */
  #evict(): void {
    const target = Math.max(1, Math.ceil(this.maxKeys * EVICT_SHARE));
    const buckets = [...this.#ends.keys()].sort((a, b) => a - b);
    let gone = 0;
    let unexpired = 0;
    for (const bucket of buckets) {
      if (gone >= target) break;
      const keys = this.#ends.get(bucket)!;
      this.#ends.delete(bucket);
      gone += keys;
      this.#evictedThroughS = (bucket + 1) * END_BUCKET_S - 1;
      // Keys already past their end (not yet swept) were no longer duplicates: evicting them loses nothing.
      if (this.#evictedThroughS > this.#nowS) unexpired += keys;
    }
    this.#live -= gone;
    this.#evictedHeld += gone;
    this.#evicted += unexpired;
    if (unexpired > 0)
      this.#onEvict?.({ keys: unexpired, throughS: this.#evictedThroughS, maxKeys: this.maxKeys });
  }
}

/** A power of two with room for twice `live` keys. */
function capacityFor(live: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity < live * 2) capacity *= 2;
  return capacity;
}

function home(scope: number, h0: number, mask: number): number {
  // h0 is uniform already (hash bits); mixing in the scope keeps one consumer's keys of several scopes apart.
  return (h0 ^ Math.imul(scope + 1, 0x9e3779b1)) & mask;
}

/** The word index of the key's slot in `slots`, or -1. */
function find(slots: Uint32Array, mask: number, scope: number, h0: number, h1: number, h2: number): number {
  for (let slot = home(scope, h0, mask); ; slot = (slot + 1) & mask) {
    const at = slot * WORDS;
    const end = slots[at + END]!;
    if (end === EMPTY) return -1;
    if (end !== REMOVED && slots[at + H0] === h0 && slots[at + H1] === h1 && slots[at + H2] === h2) {
      if (slots[at + SCOPE] === scope) return at;
    }
  }
}
