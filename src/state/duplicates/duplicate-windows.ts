// Duplicate windows: which consumers were sold recently (per vertical, per buyer) and which ping payloads a source sent
// in the last minute. Keys are hashes prefixed by their scope (`v:<vertical>:email:<sha256>`, `b:<buyer>:phone:…`,
// `r:<source>:…`), never a clear email or phone (DESIGN rule 1).

export interface DuplicateWindows {
  /** Marks every key as seen for `ttlMs` (a key seen before gets the longer of its two windows). */
  remember(keys: readonly string[], ttlMs: number): Promise<void>;
  /** `remember` for several groups of keys, each with its own window, at once (one round trip on Redis). */
  rememberEach(groups: readonly { keys: readonly string[]; ttlMs: number }[]): Promise<void>;
  /** The first of `keys` still inside its window, or undefined when none is. */
  seen(keys: readonly string[]): Promise<string | undefined>;
  /** `seen` for several groups of keys at once (one round trip on Redis): for each group, its first key still inside. */
  seenEach(groups: readonly (readonly string[])[]): Promise<(string | undefined)[]>;
  /**
   * Marks `key` for `ttlMs` and answers true when it was not already marked: atomic, so of concurrent callers with
   * the same key exactly one gets true (the replay guard).
   */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function assertValidWindow(keys: readonly string[], ttlMs: number): void {
  if (keys.some((key) => !key)) throw new TypeError("duplicate windows: keys must not be empty");
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new TypeError(`duplicate windows: ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
