// Refused source keys counted in Redis, so every instance of the distributed backend reports the same counts and raises
// the same alert (src/console/source-auth-failures.ts). One hash per minute, source id → failures, expiring once the
// hour's window has passed it; one hash of the last failure's time per source.
//
// Key layout: <prefix>:auth-failures:<epoch minute> → {<source id>: count}, <prefix>:auth-failures:last →
// {<source id>: epoch ms}. The unknown source (a key of no source) is the field "".
import type { Redis } from "ioredis";
import {
  checkedKeyPrefix,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "../state/counters/redis-counter-connection.ts";
import type { RedisConnection } from "../state/redis/redis-connection.ts";
import { AUTH_FAILURE_WINDOW_MINUTES, type AuthFailureTallies, MINUTE_MS } from "./source-auth-failures.ts";

/** A minute's hash outlives the window by a minute (clocks of instances differ a little). */
const MINUTE_TTL_MS = (AUTH_FAILURE_WINDOW_MINUTES + 1) * MINUTE_MS;

export class RedisAuthFailureTallies implements AuthFailureTallies {
  readonly #connection: RedisConnection;
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #onError: (error: unknown) => void;

  private constructor(
    connection: RedisConnection,
    options: OnSharedConnection<RedisCounterOptions> & { onError?: (error: unknown) => void },
  ) {
    this.#connection = connection;
    this.#redis = connection.client;
    this.#keyPrefix = checkedKeyPrefix(options.keyPrefix);
    this.#onError = options.onError ?? (() => {});
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(
    connection: RedisConnection,
    options: OnSharedConnection<RedisCounterOptions> & { onError?: (error: unknown) => void },
  ): RedisAuthFailureTallies {
    return new RedisAuthFailureTallies(connection, options);
  }

  add(sourceId: string, at: number): void {
    const minuteKey = this.#minuteKey(Math.floor(at / MINUTE_MS));
    const lastKey = `${this.#keyPrefix}:auth-failures:last`;
    // Not awaited: a refused request is answered at once, whatever Redis does with its count.
    runCounterCommand(this.#connection, "source auth failures", "add", () =>
      this.#redis
        .multi()
        .hincrby(minuteKey, sourceId, 1)
        .pexpire(minuteKey, MINUTE_TTL_MS)
        .hset(lastKey, sourceId, String(at))
        .pexpire(lastKey, MINUTE_TTL_MS)
        .exec(),
    ).catch(this.#onError);
  }

  async sum(
    fromMinute: number,
    toMinute: number,
  ): Promise<Map<string, { failures: number; lastAt: number }>> {
    const minutes: number[] = [];
    for (let minute = fromMinute; minute <= toMinute; minute++) minutes.push(minute);
    const replies = await runCounterCommand(this.#connection, "source auth failures", "sum", async () => {
      const pipeline = this.#redis.pipeline();
      for (const minute of minutes) pipeline.hgetall(this.#minuteKey(minute));
      pipeline.hgetall(`${this.#keyPrefix}:auth-failures:last`);
      return (await pipeline.exec()) ?? [];
    });
    const hashes = replies.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    });
    const last = hashes.pop() ?? {};
    const sums = new Map<string, { failures: number; lastAt: number }>();
    for (const hash of hashes)
      for (const [sourceId, count] of Object.entries(hash)) {
        const sum = sums.get(sourceId) ?? { failures: 0, lastAt: Number(last[sourceId] ?? 0) };
        sum.failures += Number(count);
        sums.set(sourceId, sum);
      }
    return sums;
  }

  async close(): Promise<void> {}

  #minuteKey(minute: number): string {
    return `${this.#keyPrefix}:auth-failures:${minute}`;
  }
}
