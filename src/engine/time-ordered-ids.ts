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

/** Each byte's two hex digits as character codes, side by side: byte b at 2b and 2b + 1. */
const HEX_DIGITS = Buffer.from(
  Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0")).join(""),
  "latin1",
);
/** An id's length, and where its dashes are. */
const ID_LENGTH = 36;
const DASHES = [8, 13, 18, 23];

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
  /**
   * The id is written here as text, then read out as one string: concatenating its twenty pieces left a tree of string
   * nodes (~680 bytes allocated per id) that V8 had to flatten, where this allocates the 36 characters alone (~75
   * bytes), in a quarter of the time.
   */
  readonly #text = dashedText();
  #lastMs = -1;
  #counter = 0;

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
    const text = this.#text;
    writeHex(text, 0, (high >>> 24) & 0xff);
    writeHex(text, 2, (high >>> 16) & 0xff);
    writeHex(text, 4, (high >>> 8) & 0xff);
    writeHex(text, 6, high & 0xff);
    writeHex(text, 9, (ms >>> 8) & 0xff);
    writeHex(text, 11, ms & 0xff);
    writeHex(text, 14, 0x70 | (counter >>> 8));
    writeHex(text, 16, counter & 0xff);
    writeHex(text, 19, 0x80 | (r[at + 2]! & 0x3f));
    writeHex(text, 21, r[at + 3]!);
    for (let byte = 4; byte < RANDOM_BYTES_PER_ID; byte++) writeHex(text, 24 + 2 * (byte - 4), r[at + byte]!);
    return text.toString("latin1", 0, ID_LENGTH);
  }
}

/** Writes a byte's two hex digits at `offset`. */
function writeHex(text: Buffer, offset: number, byte: number): void {
  text[offset] = HEX_DIGITS[2 * byte]!;
  text[offset + 1] = HEX_DIGITS[2 * byte + 1]!;
}

const processIds = new TimeOrderedIds();

/** The next time-ordered id of this process (auctions and leads). */
export const timeOrderedId = (): string => processIds.next();

/** An id's buffer with its dashes in place (the digits are written over the rest for each id). */
function dashedText(): Buffer {
  const text = Buffer.alloc(ID_LENGTH);
  for (const at of DASHES) text[at] = "-".charCodeAt(0);
  return text;
}
