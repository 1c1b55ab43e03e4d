// Time-ordered ids (UUIDv7, RFC 9562 §5.7) for auctions and leads. A random (v4) key puts every new row on a random
// leaf of each index keyed by it (pings' primary key, outcomes_auction, leads' two keys, the ledger's): a batch of
// writes dirties a page per row. Keys that grow with time land on the rightmost leaf, a page per batch. The ids stay
// unguessable: 62 random bits each (RFC 9562 §6.9), besides the owner checks wherever an id is accepted.
import { randomFillSync } from "node:crypto";

/** Bytes of randomness per id: 2 to seed the millisecond's counter, 8 for `rand_b`'s 62 bits. */
const RANDOM_BYTES_PER_ID = 10;
/** Ids' worth of randomness drawn from the CSPRNG at once (as `crypto.randomUUID` caches its entropy). */
const POOLED_IDS = 256;
/** `rand_a`'s 12 bits are a counter (RFC 9562 §6.2, method 1), seeded at random below half so it rarely wraps. */
const COUNTER_MAX = 0xfff;
const COUNTER_SEED_MASK = 0x7ff;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export interface TimeOrderedIdOptions {
  /** Milliseconds since the epoch (the id's timestamp). */
  clock?: () => number;
  /** Fills a buffer with cryptographically strong random bytes. */
  fillRandom?: (buffer: Uint8Array) => void;
}

/**
 * A source of UUIDv7 strings, strictly increasing (as strings and as bytes) for the life of the generator: within one
 * millisecond a counter orders them, and a clock that steps back is held at the last millisecond used.
 */
export class TimeOrderedIds {
  readonly #clock: () => number;
  readonly #fillRandom: (buffer: Uint8Array) => void;
  readonly #pool = Buffer.allocUnsafe(RANDOM_BYTES_PER_ID * POOLED_IDS);
  #pooled = this.#pool.length;
  #lastMs = -1;
  #counter = 0;
  /** Written, never read: see #flattened. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: the write keeps the optimiser from dropping a conversion.
  #lastConversion = 0;

  constructor(options: TimeOrderedIdOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#fillRandom = options.fillRandom ?? randomFillSync;
  }

  /** The next id: `tttttttt-tttt-7ccc-Vrrr-rrrrrrrrrrrr` (t: ms timestamp, c: counter, V: variant 10xx, r: random). */
  next(): string {
    if (this.#pooled === this.#pool.length) {
      this.#fillRandom(this.#pool);
      this.#pooled = 0;
    }
    const r = this.#pool;
    const at = this.#pooled;
    this.#pooled += RANDOM_BYTES_PER_ID;
    const now = this.#clock();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#counter = ((r[at]! << 8) | r[at + 1]!) & COUNTER_SEED_MASK;
    } else if (this.#counter < COUNTER_MAX) {
      this.#counter++;
    } else {
      // 4,096 ids in one millisecond: borrow the next one (RFC 9562 §6.2, counter rollover).
      this.#lastMs++;
      this.#counter = ((r[at]! << 8) | r[at + 1]!) & COUNTER_SEED_MASK;
    }
    const ms = this.#lastMs;
    const high = Math.floor(ms / 0x10000);
    const counter = this.#counter;
    const id =
      HEX[(high >>> 24) & 0xff]! +
      HEX[(high >>> 16) & 0xff]! +
      HEX[(high >>> 8) & 0xff]! +
      HEX[high & 0xff]! +
      "-" +
      HEX[(ms >>> 8) & 0xff]! +
      HEX[ms & 0xff]! +
      "-" +
      HEX[0x70 | (counter >>> 8)]! +
      HEX[counter & 0xff]! +
      "-" +
      HEX[0x80 | (r[at + 2]! & 0x3f)]! +
      HEX[r[at + 3]!]! +
      "-" +
      HEX[r[at + 4]!]! +
      HEX[r[at + 5]!]! +
      HEX[r[at + 6]!]! +
      HEX[r[at + 7]!]! +
      HEX[r[at + 8]!]! +
      HEX[r[at + 9]!]!;
    return this.#flattened(id);
  }

  /**
   * The id as one flat string. Twenty concatenations leave a tree of twenty string nodes (~520 bytes of heap) that V8
   * keeps for as long as the id lives unless something flattens it: a map key kept for minutes (a held ping's cap
   * reservation, a winning ping awaiting its post) kept the whole tree, and hashing it walked the tree. Converting the
   * text to a number makes V8 flatten it in place (the same 36 characters in one string, ~95 bytes kept), which any
   * later use would have done anyway. Measured, 200,000 ids kept in a map: 517 → 95 bytes each, and less CPU, not more.
   */
  #flattened(text: string): string {
    // Kept in a field: an unused result would let the optimiser drop the conversion, and the flattening with it.
    this.#lastConversion = Number(text);
    return text;
  }
}

const processIds = new TimeOrderedIds();

/** The next time-ordered id of this process (auctions and leads). */
export const timeOrderedId = (): string => processIds.next();
