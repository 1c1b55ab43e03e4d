// The login guess limit in Redis, shared by every exchange instance: one script checks every counter of an attempt and
// counts it in all of them (INCR, and PEXPIRE on a key without a TTL) in one round trip, so it is all or nothing.
//
// Key layout: <prefix>:console-login:<sha256 of the counter's key> → the attempts in the window; it expires when the
// window ends. Neither an email nor an address is stored in clear.
import type { Redis } from "ioredis";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "../state/counters/redis-counter-connection.ts";
import type { RedisConnection } from "../state/redis/redis-connection.ts";
import type { LoginCounter, LoginThrottle } from "./login-throttle.ts";

/**
 * KEYS: the counters; ARGV: attempts and window (ms) of each, in turn. 0 when the attempt was counted in every counter;
 * else the (1-based) index of the first counter that already holds its limit, and nothing counted.
 */
const TRY_ATTEMPT_LUA = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[2 * i - 1]) then return i end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
end
return 0`;

/** KEYS: the counters; ARGV: "clear" or "refund" for each. A refund never leaves a count below zero. */
const SUCCEEDED_LUA = `
for i = 1, #KEYS do
  if ARGV[i] == 'clear' then
    redis.call('DEL', KEYS[i])
  elseif redis.call('EXISTS', KEYS[i]) == 1 and redis.call('DECR', KEYS[i]) <= 0 then
    redis.call('DEL', KEYS[i])
  end
end
return 0`;

interface LoginThrottleScripts {
  gavelTryLogin(...keysAndArgs: (string | number)[]): Promise<number>;
  gavelLoginSucceeded(...keysAndArgs: string[]): Promise<number>;
}

export class RedisLoginThrottle implements LoginThrottle {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & LoginThrottleScripts;
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
    // The number of keys varies with the counters: passed first on each call.
    connection.client.defineCommand("gavelTryLogin", { lua: TRY_ATTEMPT_LUA });
    connection.client.defineCommand("gavelLoginSucceeded", { lua: SUCCEEDED_LUA });
    this.#redis = connection.client as Redis & LoginThrottleScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisLoginThrottle> {
    const connection = await connectCounterRedis(options, "gavel-console");
    return new RedisLoginThrottle(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(
    connection: RedisConnection,
    options: OnSharedConnection<RedisCounterOptions>,
  ): RedisLoginThrottle {
    return new RedisLoginThrottle(connection, false, options);
  }

  async tryAttempt(counters: readonly LoginCounter[], _now: number): Promise<LoginCounter | undefined> {
    const keys = counters.map((counter) => this.#key(counter.key));
    const limits = counters.flatMap((counter) => [counter.limit.attempts, counter.limit.windowMs]);
    const refused = await runCounterCommand(this.#connection, "login throttle", "tryAttempt", () =>
      this.#redis.gavelTryLogin(keys.length, ...keys, ...limits),
    );
    return refused === 0 ? undefined : counters[refused - 1];
  }

  async succeeded(counters: readonly LoginCounter[]): Promise<void> {
    const keys = counters.map((counter) => this.#key(counter.key));
    await runCounterCommand(this.#connection, "login throttle", "succeeded", () =>
      this.#redis.gavelLoginSucceeded(
        String(keys.length),
        ...keys,
        ...counters.map((counter) => counter.onSuccess),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #key(counted: string): string {
    return `${this.#keyPrefix}:console-login:${sha256Hex(counted)}`;
  }
}
