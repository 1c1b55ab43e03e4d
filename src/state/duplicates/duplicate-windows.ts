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
   * For each group, whether any of its keys is inside its window: `seenEach` for keys named as the engine names them,
   * a scope and a hash (the key is `scopes[i] + hashes[i]`), handed over apart so that an in-memory window reads the
   * scope and the hash without building and parsing the key's text (the duplicate screen asks a dozen per ping).
   */
  seenAny(groups: readonly ScopedKeys[]): Promise<boolean[]>;
  /**
   * Marks `key` for `ttlMs` and answers true when it was not already marked: atomic, so of concurrent callers with
   * the same key exactly one gets true (the replay guard).
   */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Takes back a mark `firstSeen` made (the request it marked was refused for another reason). */
  forget(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keys as scope and hash side by side: key i is `scopes[i] + hashes[i]` (a scope such as `b:<buyer>:email:`, then a
 * sha256 in lowercase hex). Both arrays may be shared between groups and calls; neither is changed.
 */
export interface ScopedKeys {
  scopes: readonly string[];
  hashes: readonly string[];
}

/** The text of each of a group's keys (what a backend that needs the whole key sends). */
export function scopedKeyTexts(group: ScopedKeys): string[] {
  return group.scopes.map((scope, index) => scope + group.hashes[index]);
}

export function assertValidWindow(keys: readonly string[], ttlMs: number): void {
  if (keys.some((key) => !key)) throw new TypeError("duplicate windows: keys must not be empty");
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new TypeError(`duplicate windows: ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
