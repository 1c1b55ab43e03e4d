// The login guess limit in Redis, shared by every exchange instance: one script counts the attempt and starts the
// window (INCR, and PEXPIRE on a key without a TTL) in one round trip.
//
// Key layout: <prefix>:console-login:<sha256 of the normalised email> → the attempts in the window; it expires when the
// window ends. The email is never stored in clear.
import type { Redis } from "ioredis";
import { sha256Hex } from "../engine/config-service.ts";
import {
  closeCounterRedis,
  connectCounterRedis,
  type RedisCounterOptions,
  runCounterCommand,
} from "../state/counters/redis-counter-connection.ts";
import type { RedisConnection } from "../state/redis/redis-connection.ts";
import type { LoginLimit, LoginThrottle } from "./login-throttle.ts";

/** 1 and one more attempt counted, or 0 (nothing counted) when the window's attempts are used up. */
const TRY_ATTEMPT_LUA = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count < tonumber(ARGV[1]) then redis.call('INCR', KEYS[1]) end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count < tonumber(ARGV[1]) then return 1 end
return 0`;

interface LoginThrottleScripts {
  gavelTryLogin(key: string, attempts: number, windowMs: number): Promise<number>;
}

export class RedisLoginThrottle implements LoginThrottle {
  readonly #connection: RedisConnection;
  readonly #redis: Redis & LoginThrottleScripts;
  readonly #keyPrefix: string;
  #closed = false;

  private constructor(connection: RedisConnection, keyPrefix: string) {
    this.#connection = connection;
    this.#keyPrefix = keyPrefix;
    connection.client.defineCommand("gavelTryLogin", { numberOfKeys: 1, lua: TRY_ATTEMPT_LUA });
    this.#redis = connection.client as Redis & LoginThrottleScripts;
  }

  /** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
  static async connect(options: RedisCounterOptions): Promise<RedisLoginThrottle> {
    const connection = await connectCounterRedis(options, "gavel-console");
    return new RedisLoginThrottle(connection, options.keyPrefix ?? "gavel");
  }

  async tryAttempt(email: string, limit: LoginLimit, _now: number): Promise<boolean> {
    const admitted = await runCounterCommand(this.#connection, "login throttle", "tryAttempt", () =>
      this.#redis.gavelTryLogin(this.#key(email), limit.attempts, limit.windowMs),
    );
    return admitted === 1;
  }

  async clear(email: string): Promise<void> {
    await runCounterCommand(this.#connection, "login throttle", "clear", () =>
      this.#redis.del(this.#key(email)),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeCounterRedis(this.#connection);
  }

  #key(email: string): string {
    return `${this.#keyPrefix}:console-login:${sha256Hex(email)}`;
  }
}
