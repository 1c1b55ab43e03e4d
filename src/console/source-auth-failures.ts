// Seller requests refused for their key (401), counted per source over the last hour, in memory (one instance) or in
// Redis (every instance of the distributed backend, so each shows the same counts and raises the same alert): the
// console shows a source that keeps sending a key that was rotated away. A refused key names no source, so the
// counter remembers which source each key it has seen in a configuration belonged to (as sha256 hashes, like the
// configuration): a key that was once a source's is counted against that source, any other key as "unknown".

import type {} from "fastify";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Counts seller requests refused for their key (authenticateSource); decorated by admin-source-auth-routes.ts. */
    sourceAuthFailures?: SourceAuthFailures;
  }
}

export const MINUTE_MS = 60_000;
export const AUTH_FAILURE_WINDOW_MINUTES = 60;
/** Keys remembered from earlier configurations, oldest forgotten first: enough for years of rotations. */
const MAX_REMEMBERED_KEYS = 10_000;
/** Sources (and "unknown") with counts: bounded, as a flood of random keys all counts under "unknown". */
const UNKNOWN = "";

/** Failures per source (UNKNOWN: "" for keys of no known source), per minute: in memory, or in Redis. */
export interface AuthFailureTallies {
  /** Counts one failure of this source at `at` (epoch ms). Never throws: a count lost is better than a 500. */
  add(sourceId: string, at: number): void;
  /** Per source, the failures in [fromMinute, toMinute] (epoch minutes) and the last one's time (epoch ms). */
  sum(fromMinute: number, toMinute: number): Promise<Map<string, { failures: number; lastAt: number }>>;
  close(): Promise<void>;
}

export interface AuthFailureReport {
  window_minutes: number;
  sources: { source_id: string; failures: number; last_at: string }[];
  unknown: { failures: number; last_at: string | null };
}

/** The tallies of one process: what an instance of the embedded backend counts. */
export class MemoryAuthFailureTallies implements AuthFailureTallies {
  readonly #tallies = new Map<string, { minutes: Map<number, number>; lastAt: number }>();

  add(sourceId: string, at: number): void {
    const minute = Math.floor(at / MINUTE_MS);
    let tally = this.#tallies.get(sourceId);
    if (!tally) {
      tally = { minutes: new Map(), lastAt: at };
      this.#tallies.set(sourceId, tally);
    }
    tally.lastAt = Math.max(tally.lastAt, at);
    tally.minutes.set(minute, (tally.minutes.get(minute) ?? 0) + 1);
    for (const old of tally.minutes.keys())
      if (old <= minute - AUTH_FAILURE_WINDOW_MINUTES) tally.minutes.delete(old);
  }

  async sum(
    fromMinute: number,
    toMinute: number,
  ): Promise<Map<string, { failures: number; lastAt: number }>> {
    const sums = new Map<string, { failures: number; lastAt: number }>();
    for (const [sourceId, tally] of this.#tallies) {
      let failures = 0;
      for (const [minute, count] of tally.minutes)
        if (minute >= fromMinute && minute <= toMinute) failures += count;
      if (failures === 0 && Math.max(...tally.minutes.keys()) < fromMinute) this.#tallies.delete(sourceId);
      else if (failures > 0) sums.set(sourceId, { failures, lastAt: tally.lastAt });
    }
    return sums;
  }

  async close(): Promise<void> {}
}

export class SourceAuthFailures {
  readonly #sourceOfKey = new Map<string, string>();
  readonly #tallies: AuthFailureTallies;
  #lastSeen: ConfigSnapshot | undefined;
  readonly #now: () => number;

  /** Counts in `tallies`: this process's memory by default, Redis to count across instances. */
  constructor(now: () => number = Date.now, tallies: AuthFailureTallies = new MemoryAuthFailureTallies()) {
    this.#now = now;
    this.#tallies = tallies;
  }

  /** Learns the keys of a configuration; a pointer comparison when it is the one seen last (almost always). */
  observe(config: ConfigSnapshot): void {
    if (config === this.#lastSeen) return;
    this.#lastSeen = config;
    const learn = (hash: string, sourceId: string) => {
      this.#sourceOfKey.delete(hash);
      this.#sourceOfKey.set(hash, sourceId);
    };
    // A key in its rotation's grace period is learnt too: another instance may have rotated it away unseen here.
    for (const source of config.sources)
      if (source.previous_api_key_sha256) learn(source.previous_api_key_sha256, source.id);
    for (const [hash, source] of config.sourceByKeyHash) learn(hash, source.id);
    while (this.#sourceOfKey.size > MAX_REMEMBERED_KEYS) {
      const oldest = this.#sourceOfKey.keys().next().value as string;
      this.#sourceOfKey.delete(oldest);
    }
  }

  /** A request refused with this key hash (undefined: no key at all, counted as unknown). */
  record(keyHash: string | undefined): void {
    const sourceId = (keyHash && this.#sourceOfKey.get(keyHash)) || UNKNOWN;
    this.#tallies.add(sourceId, this.#now());
  }

  /** The failures of the last hour: sources with any, most first; then those under unknown keys. */
  async report(): Promise<AuthFailureReport> {
    const lastMinute = Math.floor(this.#now() / MINUTE_MS);
    const sums = await this.#tallies.sum(lastMinute - AUTH_FAILURE_WINDOW_MINUTES + 1, lastMinute);
    const sources: AuthFailureReport["sources"] = [];
    let unknown: AuthFailureReport["unknown"] = { failures: 0, last_at: null };
    for (const [sourceId, { failures, lastAt }] of sums) {
      const last_at = new Date(lastAt).toISOString();
      if (sourceId === UNKNOWN) unknown = { failures, last_at };
      else sources.push({ source_id: sourceId, failures, last_at });
    }
    sources.sort((a, b) => b.failures - a.failures || (a.source_id < b.source_id ? -1 : 1));
    return { window_minutes: AUTH_FAILURE_WINDOW_MINUTES, sources, unknown };
  }
}
