// Failure streaks in Redis, shared by every exchange instance: INCR counts failures seen by any of them.
//
// Key layout: <prefix>:{b:<buyer>}:post-failures → the streak; expires a day after its last failure, so a buyer that
// failed a few times long ago does not start its next bad day half-paused.
import type { RedisConnection } from "../redis/redis-connection.ts";
import type { FailureStreaks } from "./failure-streak.ts";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "./redis-counter-connection.ts";

const STREAK_TTL_MS = 86_400_000;

export class RedisFailureStreaks implements FailureStreaks {
  readonly #connection: RedisConnection;
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
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisFailureStreaks> {
    const connection = await connectCounterRedis(options, "gavel-failure-streaks");
    return new RedisFailureStreaks(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(
    connection: RedisConnection,
    options: OnSharedConnection<RedisCounterOptions>,
  ): RedisFailureStreaks {
    return new RedisFailureStreaks(connection, false, options);
  }

  async recordFailure(buyerId: string): Promise<number> {
    const key = this.#key(buyerId);
    const replies = await runCounterCommand(this.#connection, "failure streaks", "recordFailure", () =>
      this.#connection.client.multi().incr(key).pexpire(key, STREAK_TTL_MS).exec(),
    );
    const [error, streak] = replies?.[0] ?? [new Error("transaction aborted"), 0];
    if (error) throw error;
    return Number(streak);
  }

  async reset(buyerId: string): Promise<void> {
    await runCounterCommand(this.#connection, "failure streaks", "reset", () =>
      this.#connection.client.del(this.#key(buyerId)),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }

  #key(buyerId: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:post-failures`;
  }
}
