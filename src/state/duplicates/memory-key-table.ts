// The long duplicate windows' keys in one flat typed array, outside the JS heap: an open-addressing hash table (linear
// probing) of fixed-size slots, five 32-bit words each: the scope's number, 96 bits of the key's sha256 and the second
// (Unix time) its window ends. 20 bytes a slot, kept between a quarter and three quarters full, so 27–80 bytes a key
// (about 40 on average) against ~92 bytes of heap per key as a Map of strings, plus the Map's own slots; and no object
// per key for the garbage collector to trace.
//
// 96 bits of a sha256: a false "seen" between two different consumers among a billion keys of one scope has a chance
// below 10^-10. Expired keys are marked (tombstones) by `sweep`, and the table is rebuilt, smaller when it emptied,
// once tombstones or emptiness pass a share of it: memory comes back when the keys leave their windows.

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
/** Grown (rebuilt at twice the live keys) when live keys and removed slots fill this share of the slots. */
const MAX_FILL = 0.75;
/** Rebuilt smaller when live keys fill less than this share (and the table is above its minimum). */
const MIN_FILL = 0.125;

export class MemoryKeyTable {
  #slots: Uint32Array;
  #mask: number;
  #live = 0;
  #removed = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.#slots = new Uint32Array(capacity * WORDS);
    this.#mask = capacity - 1;
  }

  /** Live keys (some may be past their end until the next sweep). */
  get size(): number {
    return this.#live;
  }

  /** Bytes of the table (an ArrayBuffer outside the JS heap). */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  /** The second the key's window ends, or 0 when the table does not hold it. */
  endOf(scope: number, h0: number, h1: number, h2: number): number {
    const slots = this.#slots;
    for (let slot = this.#home(scope, h0); ; slot = (slot + 1) & this.#mask) {
      const at = slot * WORDS;
      const end = slots[at + END]!;
      if (end === EMPTY) return 0;
      if (end !== REMOVED && slots[at + H0] === h0 && slots[at + H1] === h1 && slots[at + H2] === h2) {
        if (slots[at + SCOPE] === scope) return end;
      }
    }
  }

  /** Sets the key's end (`endS`, a Unix second ≥ 2), inserting it when absent. */
  set(scope: number, h0: number, h1: number, h2: number, endS: number): void {
    const slots = this.#slots;
    let reusable = -1;
    let slot = this.#home(scope, h0);
    for (; ; slot = (slot + 1) & this.#mask) {
      const at = slot * WORDS;
      const end = slots[at + END]!;
      if (end === EMPTY) break;
      if (end === REMOVED) {
        if (reusable < 0) reusable = slot;
      } else if (
        slots[at + H0] === h0 &&
        slots[at + H1] === h1 &&
        slots[at + H2] === h2 &&
        slots[at + SCOPE] === scope
      ) {
        slots[at + END] = endS;
        return;
      }
    }
    if (reusable >= 0) {
      slot = reusable;
      this.#removed--;
    }
    const at = slot * WORDS;
    slots[at + SCOPE] = scope;
    slots[at + H0] = h0;
    slots[at + H1] = h1;
    slots[at + H2] = h2;
    slots[at + END] = endS;
    this.#live++;
    if (this.#live + this.#removed > this.#capacity * MAX_FILL) this.#rebuild(this.#capacityFor(this.#live));
  }

  /** Removes every key whose window ended at or before `nowS`; rebuilds the table when that left it sparse. */
  sweep(nowS: number): void {
    const slots = this.#slots;
    for (let at = END; at < slots.length; at += WORDS) {
      const end = slots[at]!;
      if (end > REMOVED && end <= nowS) {
        slots[at] = REMOVED;
        this.#live--;
        this.#removed++;
      }
    }
    const capacity = this.#capacity;
    const sparse = capacity > MIN_CAPACITY && this.#live < capacity * MIN_FILL;
    if (sparse || this.#removed > capacity / 4) this.#rebuild(this.#capacityFor(this.#live));
  }

  get #capacity(): number {
    return this.#mask + 1;
  }

  /** A power of two with room for twice `live` keys. */
  #capacityFor(live: number): number {
    let capacity = MIN_CAPACITY;
    while (capacity < live * 2) capacity *= 2;
    return capacity;
  }

  #home(scope: number, h0: number): number {
    // h0 is uniform already (hash bits); mixing in the scope keeps one consumer's keys of several scopes apart.
    return (h0 ^ Math.imul(scope + 1, 0x9e3779b1)) & this.#mask;
  }

  #rebuild(capacity: number): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(capacity * WORDS);
    this.#mask = capacity - 1;
    this.#live = 0;
    this.#removed = 0;
    for (let at = 0; at < old.length; at += WORDS) {
      if (old[at + END]! > REMOVED) {
        this.set(old[at + SCOPE]!, old[at + H0]!, old[at + H1]!, old[at + H2]!, old[at + END]!);
      }
    }
  }
}
