// Throttles in Redis, shared by every exchange instance: one script reads both buckets and takes a slot atomically,
// for one key or (tryAcquireEach: a ping's campaign throttles, a lead's velocity counters) for several in one call.
//
// Key layout: <prefix>:{t:<key>}:<windowMs>:<fixed window index> → the number of slots taken in that fixed window;
// expires when the window after it ends. Both buckets of one key share the hash tag {t:<key>} (one Cluster slot); a
// tryAcquireEach spans several keys' slots, which a single Redis allows (Gavel does not run on Cluster: see
// docs/deployment.md).
import type { Redis } from "ioredis";
import type { RedisConnection } from "../redis/redis-connection.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "./redis-counter-connection.ts";
import {
  assertValidThrottle,
  assertValidThrottles,
  type Throttle,
  type ThrottleRequest,
  throttleBucket,
} from "./throttle.ts";

/**
 * KEYS: per key, its current bucket and its previous bucket. ARGV: per key, limit, windowMs, elapsedMs, ttlMs of the
 * current bucket. Returns per key 1 (a slot taken) or 0 (refused, nothing taken). The admission test is
 * throttleAdmits() in throttle.ts, written the same way so both round alike.
 *
 * Every bucket is read with one MGET (in slices: unpack() is bounded by Lua's stack), before any is counted: the keys
 * of one call are distinct (assertValidThrottles refuses a key asked twice with the same window). A bucket's expiry is
 * set by the INCR that creates it: the ttl asked runs to the end of the window after the bucket's (the same moment for
 * every call in the bucket), so a later INCR need not set it again.
 */
const TRY_ACQUIRE_EACH_LUA = `
local counts = {}
for from = 1, #KEYS, 1000 do
  local slice = redis.call('MGET', unpack(KEYS, from, math.min(#KEYS, from + 999)))
  for i = 1, #slice do counts[from + i - 1] = slice[i] end
end
local admitted = {}
for i = 1, #KEYS / 2 do
  local a = (i - 1) * 4
  local currentKey = KEYS[2 * i - 1]
  local current, previous = tonumber(counts[2 * i - 1] or '0'), tonumber(counts[2 * i] or '0')
  local limit, windowMs, elapsedMs = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if (previous * (windowMs - elapsedMs)) / windowMs + current + 1 > limit then
    admitted[i] = 0
  else
    if redis.call('INCR', currentKey) == 1 then redis.call('PEXPIRE', currentKey, ARGV[a + 4]) end
    admitted[i] = 1
  end
end
return admitted`;

interface ThrottleScripts {
  gavelThrottleAcquireEach(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

export class RedisThrottle implements Throttle {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & ThrottleScripts;
  readonly #keyPrefix: string;
  readonly #ownsConnection: boolean;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<RedisCounterOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    this.#keyPrefix = checkedKeyPrefix(options.keyPrefix);
    connection.client.defineCommand("gavelThrottleAcquireEach", { lua: TRY_ACQUIRE_EACH_LUA });
    this.#redis = connection.client as Redis & ThrottleScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisThrottle> {
    const connection = await connectCounterRedis(options, "gavel-throttle");
    return new RedisThrottle(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(connection: RedisConnection, options: OnSharedConnection<RedisCounterOptions>): RedisThrottle {
    return new RedisThrottle(connection, false, options);
  }

  async tryAcquire(key: string, limit: number, windowMs: number, now: number): Promise<boolean> {
    assertValidThrottle(key, limit, windowMs, now);
    const [taken] = await this.#acquire("tryAcquire", [{ key, limit, windowMs }], now);
    return taken === true;
  }

  async tryAcquireEach(requests: readonly ThrottleRequest[], now: number): Promise<boolean[]> {
    assertValidThrottles(requests, now);
    if (requests.length === 0) return [];
    return await this.#acquire("tryAcquireEach", requests, now);
  }

  async #acquire(operation: string, requests: readonly ThrottleRequest[], now: number): Promise<boolean[]> {
    const keys: string[] = [];
    const args: number[] = [];
    for (const { key, limit, windowMs } of requests) {
      const { bucket, elapsedMs } = throttleBucket(windowMs, now);
      keys.push(this.#bucketKey(key, windowMs, bucket), this.#bucketKey(key, windowMs, bucket - 1));
      // Read as the previous bucket through the whole next window.
      args.push(limit, windowMs, elapsedMs, 2 * windowMs - elapsedMs);
    }
    const taken = await runCounterCommand(this.#connection, "throttle", operation, () =>
      this.#redis.gavelThrottleAcquireEach(keys.length, ...keys, ...args),
    );
    return taken.map((slot) => slot === 1);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #bucketKey(key: string, windowMs: number, bucket: number): string {
    return `${this.#keyPrefix}:{t:${key}}:${windowMs}:${bucket}`;
  }
}
