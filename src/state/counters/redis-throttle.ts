// Throttles in Redis, shared by every exchange instance: one script reads both buckets and takes a slot atomically.
//
// Key layout: <prefix>:{t:<key>}:<windowMs>:<fixed window index> → the number of slots taken in that fixed window;
// expires when the window after it ends. Both buckets of one key share the hash tag {t:<key>} (one Cluster slot).
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
import { assertValidThrottle, type Throttle, throttleBucket } from "./throttle.ts";

/**
 * KEYS: current bucket, previous bucket. ARGV: limit, windowMs, elapsedMs, ttlMs of the current bucket.
 * The admission test is throttleAdmits() in throttle.ts, written the same way so both round alike.
 */
const TRY_ACQUIRE_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit, windowMs, elapsedMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if (previous * (windowMs - elapsedMs)) / windowMs + current + 1 > limit then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

interface ThrottleScripts {
  gavelThrottleAcquire(
    currentKey: string,
    previousKey: string,
    limit: number,
    windowMs: number,
    elapsedMs: number,
    ttlMs: number,
  ): Promise<number>;
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
    connection.client.defineCommand("gavelThrottleAcquire", { numberOfKeys: 2, lua: TRY_ACQUIRE_LUA });
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
    const { bucket, elapsedMs } = throttleBucket(windowMs, now);
    const taken = await runCounterCommand(this.#connection, "throttle", "tryAcquire", () =>
      this.#redis.gavelThrottleAcquire(
        this.#bucketKey(key, windowMs, bucket),
        this.#bucketKey(key, windowMs, bucket - 1),
        limit,
        windowMs,
        elapsedMs,
        // Read as the previous bucket through the whole next window.
        2 * windowMs - elapsedMs,
      ),
    );
    return taken === 1;
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
