// Duplicate windows in Redis, shared by every exchange instance: one key per hash with a TTL; the replay guard is one
// SET NX PX. Key layout: <prefix>:{d:<key>} (each key its own hash tag, so Redis Cluster spreads them).

import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "../counters/redis-counter-connection.ts";
import type { RedisConnection } from "../redis/redis-connection.ts";
import { type SeedGuard, withSeededState } from "../redis/seed-marker.ts";
import { assertValidWindow, type DuplicateWindows } from "./duplicate-windows.ts";

/** KEYS: one key. ARGV: ttlMs. Extends the key's window, never shortens it. */
const REMEMBER_LUA = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

export interface RedisDuplicateWindowsOptions extends RedisCounterOptions {
  /** Checks the seed marker with every read: windows lost with Redis's data are rebuilt from the store first. */
  seedGuard?: SeedGuard;
}

export class RedisDuplicateWindows implements DuplicateWindows {
  readonly #connection: RedisConnection;
  readonly #keyPrefix: string;
  readonly #seedGuard: SeedGuard | undefined;
  readonly #ownsConnection: boolean;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<RedisDuplicateWindowsOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    this.#keyPrefix = checkedKeyPrefix(options.keyPrefix);
    this.#seedGuard = options.seedGuard;
    connection.client.defineCommand("gavelDuplicateRemember", { numberOfKeys: 1, lua: REMEMBER_LUA });
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisDuplicateWindowsOptions): Promise<RedisDuplicateWindows> {
    const connection = await connectCounterRedis(options, "gavel-duplicates");
    return new RedisDuplicateWindows(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(
    connection: RedisConnection,
    options: OnSharedConnection<RedisDuplicateWindowsOptions>,
  ): RedisDuplicateWindows {
    return new RedisDuplicateWindows(connection, false, options);
  }

  async remember(keys: readonly string[], ttlMs: number): Promise<void> {
    assertValidWindow(keys, ttlMs);
    if (keys.length === 0) return;
    await runCounterCommand(this.#connection, "duplicate windows", "remember", async () => {
      const pipeline = this.#connection.client.pipeline();
      for (const key of keys) {
        (
          pipeline as unknown as { gavelDuplicateRemember(key: string, ttlMs: number): void }
        ).gavelDuplicateRemember(this.#key(key), ttlMs);
      }
      throwFirstError(await pipeline.exec());
    });
  }

  async seen(keys: readonly string[]): Promise<string | undefined> {
    return (await this.seenEach([keys]))[0];
  }

  async seenEach(groups: readonly (readonly string[])[]): Promise<(string | undefined)[]> {
    const keys = groups.flat();
    if (keys.length === 0) return groups.map(() => undefined);
    const guard = this.#seedGuard;
    const found = await withSeededState(guard, () =>
      runCounterCommand(this.#connection, "duplicate windows", "seen", async () => {
        const pipeline = this.#connection.client.pipeline();
        for (const key of keys) pipeline.exists(this.#key(key));
        // The marker in the same round trip: an empty Redis would call every consumer new.
        if (guard) pipeline.exists(guard.markerKey);
        const replies = throwFirstError(await pipeline.exec());
        return guard && replies[keys.length] !== 1 ? "unseeded" : replies;
      }),
    );
    let offset = 0;
    return groups.map((group) => {
      const from = offset;
      offset += group.length;
      return group.find((_, index) => found[from + index] === 1);
    });
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertValidWindow([key], ttlMs);
    const set = await runCounterCommand(this.#connection, "duplicate windows", "firstSeen", () =>
      this.#connection.client.set(this.#key(key), "1", "PX", ttlMs, "NX"),
    );
    return set === "OK";
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #key(key: string): string {
    return `${this.#keyPrefix}:{d:${key}}`;
  }
}

function throwFirstError(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error("the pipeline was discarded");
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}
