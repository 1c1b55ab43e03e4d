// Seller requests refused for their key (401), counted per source over the last hour, in memory on each instance: the
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

const MINUTE_MS = 60_000;
export const AUTH_FAILURE_WINDOW_MINUTES = 60;
/** Keys remembered from earlier configurations, oldest forgotten first: enough for years of rotations. */
const MAX_REMEMBERED_KEYS = 10_000;
/** Sources (and "unknown") with counts: bounded, as a flood of random keys all counts under "unknown". */
const UNKNOWN = "";

interface Tally {
  /** Count per minute (epoch minute → failures), at most the window's minutes. */
  minutes: Map<number, number>;
  lastAt: number;
}

export interface AuthFailureReport {
  window_minutes: number;
  sources: { source_id: string; failures: number; last_at: string }[];
  unknown: { failures: number; last_at: string | null };
}

export class SourceAuthFailures {
  readonly #sourceOfKey = new Map<string, string>();
  readonly #tallies = new Map<string, Tally>();
  #lastSeen: ConfigSnapshot | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
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
    const now = this.#now();
    const minute = Math.floor(now / MINUTE_MS);
    let tally = this.#tallies.get(sourceId);
    if (!tally) {
      tally = { minutes: new Map(), lastAt: now };
      this.#tallies.set(sourceId, tally);
    }
    tally.lastAt = now;
    tally.minutes.set(minute, (tally.minutes.get(minute) ?? 0) + 1);
    for (const old of tally.minutes.keys())
      if (old <= minute - AUTH_FAILURE_WINDOW_MINUTES) tally.minutes.delete(old);
  }

  /** The failures of the last hour: sources with any, most first; then those under unknown keys. */
  report(): AuthFailureReport {
    const firstMinute = Math.floor(this.#now() / MINUTE_MS) - AUTH_FAILURE_WINDOW_MINUTES + 1;
    const sources: AuthFailureReport["sources"] = [];
    let unknown: AuthFailureReport["unknown"] = { failures: 0, last_at: null };
    for (const [sourceId, tally] of this.#tallies) {
      let failures = 0;
      for (const [minute, count] of tally.minutes) if (minute >= firstMinute) failures += count;
      if (failures === 0) {
        this.#tallies.delete(sourceId);
        continue;
      }
      const lastAt = new Date(tally.lastAt).toISOString();
      if (sourceId === UNKNOWN) unknown = { failures, last_at: lastAt };
      else sources.push({ source_id: sourceId, failures, last_at: lastAt });
    }
    sources.sort((a, b) => b.failures - a.failures);
    return { window_minutes: AUTH_FAILURE_WINDOW_MINUTES, sources, unknown };
  }
}
