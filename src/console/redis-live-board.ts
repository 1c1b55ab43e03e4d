// The live board in Redis: one script per second per instance posts its contribution, drops the instances that stopped
// posting, and answers everyone's, in one round trip. Staleness is judged by Redis's clock (TIME), so instances whose
// clocks disagree still agree on who is live.
//
// Key layout (one hash tag, so the script's two keys share a Cluster slot):
//   <prefix>:{console-live}:contributions → hash: instance id → its contribution (JSON)
//   <prefix>:{console-live}:seen          → sorted set: instance id, scored by when it last posted (Redis ms)
// Both expire STALE_MS after the last post by anyone, so a board nobody posts to leaves nothing behind.
import type { Redis } from "ioredis";
import {
  checkedKeyPrefix,
  closeCounterRedis,
  connectCounterRedis,
  type OnSharedConnection,
  type RedisCounterOptions,
  runCounterCommand,
} from "../state/counters/redis-counter-connection.ts";
import type { RedisConnection } from "../state/redis/redis-connection.ts";
import type { LiveBoard, LiveContribution } from "./live-board.ts";

/** An instance that has not posted for this long (it posts every second) is off the board. */
export const STALE_MS = 3_000;

const SHARE_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local staleMs = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
for _, instance in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - staleMs)) do
  redis.call('HDEL', KEYS[1], instance)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - staleMs)
redis.call('PEXPIRE', KEYS[1], staleMs)
redis.call('PEXPIRE', KEYS[2], staleMs)
if ARGV[4] == '1' then return redis.call('HVALS', KEYS[1]) end
return {}`;

interface LiveBoardScripts {
  gavelShareLive(
    contributionsKey: string,
    seenKey: string,
    instance: string,
    json: string,
    staleMs: number,
    read: "1" | "0",
  ): Promise<string[]>;
}

export class RedisLiveBoard implements LiveBoard {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & LiveBoardScripts;
  readonly #contributionsKey: string;
  readonly #seenKey: string;
  readonly #ownsConnection: boolean;
  #instance: string | undefined;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    ownsConnection: boolean,
    options: OnSharedConnection<RedisCounterOptions>,
  ) {
    this.#connection = connection;
    this.#ownsConnection = ownsConnection;
    const keyPrefix = checkedKeyPrefix(options.keyPrefix);
    this.#contributionsKey = `${keyPrefix}:{console-live}:contributions`;
    this.#seenKey = `${keyPrefix}:{console-live}:seen`;
    connection.client.defineCommand("gavelShareLive", { numberOfKeys: 2, lua: SHARE_LUA });
    this.#redis = connection.client as Redis & LiveBoardScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisLiveBoard> {
    const connection = await connectCounterRedis(options, "gavel-live-board");
    return new RedisLiveBoard(connection, true, options);
  }

  /** On a shared connection (the hot-state factory's); close() leaves it open. */
  static on(connection: RedisConnection, options: OnSharedConnection<RedisCounterOptions>): RedisLiveBoard {
    return new RedisLiveBoard(connection, false, options);
  }

  async share(contribution: LiveContribution, read: boolean): Promise<LiveContribution[]> {
    this.#instance = contribution.instance;
    const values = await runCounterCommand(this.#connection, "live board", "share", () =>
      this.#redis.gavelShareLive(
        this.#contributionsKey,
        this.#seenKey,
        contribution.instance,
        JSON.stringify(contribution),
        STALE_MS,
        read ? "1" : "0",
      ),
    );
    return values.flatMap((json) => parseContribution(json) ?? []);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const instance = this.#instance;
    if (instance !== undefined) {
      // A clean shutdown leaves the board at once; if this fails, the instance goes stale within STALE_MS anyway.
      await Promise.all([
        this.#redis.hdel(this.#contributionsKey, instance),
        this.#redis.zrem(this.#seenKey, instance),
      ]).catch(() => {});
    }
    await closeCounterRedis(this.#connection, this.#ownsConnection);
  }
}

/** Another instance's post that is not valid JSON (a bug, or another version) is left out, not fatal to the board. */
function parseContribution(json: string): LiveContribution | undefined {
  try {
    const value = JSON.parse(json) as LiveContribution;
    const complete = value?.window && value.totals && value.buyers && Array.isArray(value.latency);
    return complete ? value : undefined;
  } catch {
    return undefined;
  }
}
