// Redis need not persist anything, and may come back from a restart (or a failover to an empty replica, or an eviction)
// without the state the exchange keeps there: cap counters, prepaid buyers' spend, held pings, duplicate windows.
// Trusting it then would refill every cap and balance. So the state carries a marker: one key, written only once the
// state has been seeded from the store, never expiring. The scripts that rely on seeded state (a cap reservation, a
// held ping's read, a duplicate check) look at it in the same round trip; when it is gone they say so, and the caller
// asks `ensureSeeded` before trying once more.
//
// Seeding is done once, by whichever instance takes the seed lock (SET NX): the others wait for the marker, up to a
// bound, then answer 503 GAVEL_SERVICE_UNAVAILABLE. Seeding writes are idempotent (counters are raised to the store's
// figures, never added to), so a second seeder after a lock that expired does no harm; and the marker is written only
// while the lock is still this seeder's own, so a Redis that lost its data again mid-seed is seeded again rather than
// marked as seeded.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { ServiceUnavailableError } from "../../errors.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "../counters/redis-counter-connection.ts";
import type { RedisConnection } from "./redis-connection.ts";

/** What the Redis-backed parts of the hot state need to know about the seed marker. */
export interface SeedGuard {
  /** The key whose absence means the state was lost (or never seeded) and must not be trusted. */
  readonly markerKey: string;
  /**
   * Resolves once the marker shows the state seeded (seeding it now when no other instance is); rejects with a
   * ServiceUnavailableError (503) when that does not happen within the wait.
   */
  ensureSeeded(): Promise<void>;
}

/** What a seed did, for the log line. */
export type SeedReport = Record<string, number>;

export interface SeedMarkerOptions extends RedisCounterOptions {
  /** How long a request waits for another instance's seed before answering 503. Default 3000. */
  waitMs?: number;
  /** The seed lock's lifetime: past it (a seeder that died), another instance seeds. Default 60000. */
  lockTtlMs?: number;
  /** Told when this instance seeded the state (and what it wrote) or found it could not. */
  onSeeded?: (report: SeedReport & { ms: number }) => void;
}

const POLL_MS = 50;

/**
 * KEYS: marker, lock. ARGV: lock token, lock ttl (ms). 'seeded' when the marker is there; 'locked' when this caller
 * took the seed lock; 'busy' when another holds it. One script, so an instance cannot find the marker missing, then
 * take a lock another instance released just after marking the state seeded (and seed it a second time).
 */
const TRY_SEED_LOCK_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'seeded' end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'locked' end
return 'busy'`;

/** KEYS: lock, marker. ARGV: lock token, marker value. Marks seeded only while the lock is still ours. */
const MARK_SEEDED_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1`;

/** KEYS: lock. ARGV: lock token. */
const RELEASE_LOCK_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface SeedMarkerScripts {
  gavelTrySeedLock(markerKey: string, lockKey: string, token: string, ttlMs: number): Promise<string>;
  gavelMarkSeeded(lockKey: string, markerKey: string, token: string, value: string): Promise<number>;
  gavelReleaseSeedLock(lockKey: string, token: string): Promise<number>;
}

export class RedisSeedMarker implements SeedGuard {
  readonly markerKey: string;
  readonly #lockKey: string;
  readonly #connection: RedisConnection;
  readonly #redis: Redis & SeedMarkerScripts;
  readonly #waitMs: number;
  readonly #lockTtlMs: number;
  readonly #onSeeded: SeedMarkerOptions["onSeeded"];
  #seed: (() => Promise<SeedReport>) | undefined;
  /** The check (or seed) under way in this process: concurrent callers share it. */
  #settling: Promise<void> | undefined;
  readonly #ownsConnection: boolean;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<SeedMarkerOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    const keyPrefix = checkedKeyPrefix(options.keyPrefix);
    // Named for the layout of what it vouches for: the cap counters' changed in December 2026 (redis-cap-ledger.ts), so
    // a Redis seeded for the earlier layout (whose marker was `hot-state:seeded`) is seeded again rather than trusted.
    this.markerKey = `${keyPrefix}:hot-state:seeded:v2`;
    this.#lockKey = `${keyPrefix}:hot-state:seed-lock`;
    this.#waitMs = options.waitMs ?? 3_000;
    this.#lockTtlMs = options.lockTtlMs ?? 60_000;
    this.#onSeeded = options.onSeeded;
    connection.client.defineCommand("gavelTrySeedLock", { numberOfKeys: 2, lua: TRY_SEED_LOCK_LUA });
    connection.client.defineCommand("gavelMarkSeeded", { numberOfKeys: 2, lua: MARK_SEEDED_LUA });
    connection.client.defineCommand("gavelReleaseSeedLock", { numberOfKeys: 1, lua: RELEASE_LOCK_LUA });
    this.#redis = connection.client as Redis & SeedMarkerScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: SeedMarkerOptions): Promise<RedisSeedMarker> {
    const connection = await connectCounterRedis(options, "gavel-seed-marker");
    return new RedisSeedMarker(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(connection: RedisConnection, options: OnSharedConnection<SeedMarkerOptions>): RedisSeedMarker {
    return new RedisSeedMarker(connection, false, options);
  }

  /**
   * What seeding writes: everything the store can rebuild, written idempotently. Until it is given, this instance
   * waits for another one to seed (at start the wiring gives it before the first request).
   */
  seedWith(seed: () => Promise<SeedReport>): void {
    this.#seed = seed;
  }

  ensureSeeded(options: { waitMs?: number } = {}): Promise<void> {
    if (this.#settling) return this.#settling;
    const settling = this.#settle(options.waitMs ?? this.#waitMs).finally(() => {
      this.#settling = undefined;
    });
    this.#settling = settling;
    return settling;
  }

  /** Whether the marker is there now (for tests and readiness). */
  async isSeeded(): Promise<boolean> {
    return (await this.#command("check", () => this.#redis.exists(this.markerKey))) === 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  async #settle(waitMs: number): Promise<void> {
    const giveUpAt = Date.now() + waitMs;
    for (;;) {
      if (!this.#seed) {
        if (await this.isSeeded()) return;
      } else {
        const token = randomUUID();
        const state = await this.#command("lock", () =>
          this.#redis.gavelTrySeedLock(this.markerKey, this.#lockKey, token, this.#lockTtlMs),
        );
        if (state === "seeded") return;
        if (state === "locked" && (await this.#seedUnderLock(token))) return;
      }
      if (Date.now() >= giveUpAt) {
        throw new ServiceUnavailableError(
          `Redis at ${this.#connection.address} lost the exchange's state (caps, funds, held pings) and it is being ` +
            "re-seeded from the store; retry shortly",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Seeds, then marks seeded; false when the lock was lost meanwhile (Redis lost its data again): seed again. */
  async #seedUnderLock(token: string): Promise<boolean> {
    const started = performance.now();
    let report: SeedReport;
    try {
      report = await this.#seed!();
    } catch (error) {
      await this.#redis.gavelReleaseSeedLock(this.#lockKey, token).catch(() => {});
      throw new ServiceUnavailableError(
        `re-seeding Redis at ${this.#connection.address} from the store failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const marked = await this.#command("mark", () =>
      this.#redis.gavelMarkSeeded(this.#lockKey, this.markerKey, token, new Date().toISOString()),
    );
    if (marked !== 1) return false;
    this.#onSeeded?.({ ...report, ms: Math.round(performance.now() - started) });
    return true;
  }

  #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return runCounterCommand(this.#connection, "seed marker", operation, run);
  }
}

/**
 * Runs a Redis operation that reports `"unseeded"` when the seed marker is gone: asks the guard to seed (or wait for
 * the seed), then runs it once more. Without a guard the operation never reports it.
 */
export async function withSeededState<T>(
  guard: SeedGuard | undefined,
  run: () => Promise<T | "unseeded">,
): Promise<T> {
  const first = await run();
  if (first !== "unseeded") return first;
  await guard!.ensureSeeded();
  const second = await run();
  if (second !== "unseeded") return second;
  throw new ServiceUnavailableError(
    "Redis lost the exchange's state again while it was re-seeded; retry shortly",
  );
}
