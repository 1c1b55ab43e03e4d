// Failure streaks in Redis, shared by every exchange instance: INCR counts failures seen by any of them.
//
// Key layout: <prefix>:{b:<buyer>}:post-failures → the streak; expires a day after its last failure, so a buyer that
// failed a few times long ago does not start its next bad day half-paused.
import type { RedisConnection } from "../redis/redis-connection.ts";
import type { FailureStreaks } from "./failure-streak.ts";
import {
  closeCounterRedis,
  connectCounterRedis,
  type RedisCounterOptions,
  runCounterCommand,
} from "./redis-counter-connection.ts";

const STREAK_TTL_MS = 86_400_000;

export class RedisFailureStreaks implements FailureStreaks {
  readonly #connection: RedisConnection;
  readonly #keyPrefix: string;
  #closed = false;

  private constructor(connection: RedisConnection, keyPrefix: string) {
    this.#connection = connection;
    this.#keyPrefix = keyPrefix;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisFailureStreaks> {
    const connection = await connectCounterRedis(options, "gavel-failure-streaks");
    return new RedisFailureStreaks(connection, options.keyPrefix ?? "gavel");
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
    await closeCounterRedis(this.#connection);
  }

  #key(buyerId: string): string {
    return `${this.#keyPrefix}:{b:${buyerId}}:post-failures`;
  }
}
