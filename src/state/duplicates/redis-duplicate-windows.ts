// Duplicate windows in Redis, shared by every exchange instance: one key per hash with a TTL; the replay guard is one
// SET NX PX. Key layout: <prefix>:{d:<key>} (each key its own hash tag). A lookup (seenEach) and a write (remember)
// are one script each over all their keys, so they span slots: Gavel runs on a single Redis, not Cluster (see
// docs/deployment.md).

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
import {
  assertValidWindow,
  type DuplicateWindows,
  type ScopedKeys,
  scopedKeyTexts,
} from "./duplicate-windows.ts";

/**
 * KEYS: every group's keys in turn. ARGV: per group, its size and its ttlMs. Extends each key's window, never shortens
 * it (a key in two groups gets the longer). Most keys are new (a consumer's first sale): one SET NX writes those; only a
 * key already there is looked at.
 */
const REMEMBER_LUA = `
local offset = 0
for g = 1, #ARGV, 2 do
  local size, ttl = tonumber(ARGV[g]), tonumber(ARGV[g + 1])
  for i = 1, size do
    local key = KEYS[offset + i]
    if not redis.call('SET', key, '1', 'NX', 'PX', ttl) and redis.call('PTTL', key) < ttl then
      redis.call('SET', key, '1', 'PX', ttl)
    end
  end
  offset = offset + size
end
return 1`;

/**
 * KEYS: every group's keys in turn, then the seed marker when checked. ARGV: whether the marker is checked (1/0), then
 * each group's size. Returns {-1} when the marker is gone (an empty Redis would call every consumer new), else {1}
 * followed by, per group, the 1-based position of its first key still inside its window, or 0. Most leads are new:
 * one EXISTS over every group's keys answers them all; only when it finds some is each key looked at.
 */
const SEEN_EACH_LUA = `
local checkMarker = ARGV[1] == '1'
local windows = #KEYS
if checkMarker then
  if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return {-1} end
  windows = windows - 1
end
-- In slices: unpack() is bounded by Lua's stack (8000 values).
local anySeen = false
for from = 1, windows, 1000 do
  if redis.call('EXISTS', unpack(KEYS, from, math.min(windows, from + 999))) > 0 then
    anySeen = true
    break
  end
end
local found = {1}
local offset = 0
for g = 2, #ARGV do
  local size = tonumber(ARGV[g])
  local first = 0
  if anySeen then
    for i = 1, size do
      if redis.call('EXISTS', KEYS[offset + i]) == 1 then
        first = i
        break
      end
    end
  end
  found[#found + 1] = first
  offset = offset + size
end
return found`;

interface DuplicateWindowsScripts {
  gavelDuplicateRemember(numKeys: number, ...keysAndTtl: (string | number)[]): Promise<number>;
  gavelDuplicateSeenEach(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

export interface RedisDuplicateWindowsOptions extends RedisCounterOptions {
  /** Checks the seed marker with every read: windows lost with Redis's data are rebuilt from the store first. */
  seedGuard?: SeedGuard;
}

export class RedisDuplicateWindows implements DuplicateWindows {
  readonly #connection: RedisConnection;
  readonly #redis: RedisConnection["client"] & DuplicateWindowsScripts;
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
    connection.client.defineCommand("gavelDuplicateRemember", { lua: REMEMBER_LUA });
    connection.client.defineCommand("gavelDuplicateSeenEach", { lua: SEEN_EACH_LUA });
    this.#redis = connection.client as RedisConnection["client"] & DuplicateWindowsScripts;
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
    await this.rememberEach([{ keys, ttlMs }]);
  }

  async rememberEach(groups: readonly { keys: readonly string[]; ttlMs: number }[]): Promise<void> {
    for (const { keys, ttlMs } of groups) assertValidWindow(keys, ttlMs);
    const written = groups.filter((group) => group.keys.length > 0);
    if (written.length === 0) return;
    const keys = written.flatMap((group) => group.keys.map((key) => this.#key(key)));
    const args = written.flatMap((group) => [group.keys.length, group.ttlMs]);
    await runCounterCommand(this.#connection, "duplicate windows", "remember", () =>
      this.#redis.gavelDuplicateRemember(keys.length, ...keys, ...args),
    );
  }

  async seen(keys: readonly string[]): Promise<string | undefined> {
    return (await this.seenEach([keys]))[0];
  }

  async seenEach(groups: readonly (readonly string[])[]): Promise<(string | undefined)[]> {
    if (groups.every((group) => group.length === 0)) return groups.map(() => undefined);
    const guard = this.#seedGuard;
    const keys = groups.flatMap((group) => group.map((key) => this.#key(key)));
    // The marker in the same script: an empty Redis would call every consumer new.
    if (guard) keys.push(guard.markerKey);
    const args = [guard ? 1 : 0, ...groups.map((group) => group.length)];
    const found = await withSeededState(guard, () =>
      runCounterCommand(this.#connection, "duplicate windows", "seen", async () => {
        const reply = await this.#redis.gavelDuplicateSeenEach(keys.length, ...keys, ...args);
        return reply[0] === -1 ? "unseeded" : reply;
      }),
    );
    return groups.map((group, index) => {
      const position = Number(found[index + 1]);
      return position > 0 ? group[position - 1] : undefined;
    });
  }

  async seenAny(groups: readonly ScopedKeys[]): Promise<boolean[]> {
    const found = await this.seenEach(groups.map(scopedKeyTexts));
    return found.map((key) => key !== undefined);
  }

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    assertValidWindow([key], ttlMs);
    const set = await runCounterCommand(this.#connection, "duplicate windows", "firstSeen", () =>
      this.#connection.client.set(this.#key(key), "1", "PX", ttlMs, "NX"),
    );
    return set === "OK";
  }

  async forget(key: string): Promise<void> {
    await runCounterCommand(this.#connection, "duplicate windows", "forget", () =>
      this.#connection.client.del(this.#key(key)),
    );
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
