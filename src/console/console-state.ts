// Where the console's own state lives: the login guess limit (and the live numbers' board) in process memory on the
// embedded backend, or in Redis, shared by every instance, when Redis is configured.
import type { Logger } from "pino";
import type { LiveBoard } from "./live-board.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { MemoryLoginThrottle } from "./memory-login-throttle.ts";
import { RedisLiveBoard } from "./redis-live-board.ts";
import { RedisLoginThrottle } from "./redis-login-throttle.ts";

export interface ConsoleState {
  loginThrottle: LoginThrottle;
  /** Where the instances share their live numbers; none with one process. */
  liveBoard?: LiveBoard;
  close(): Promise<void>;
}

/** Connects to Redis when given its URL (failing fast, like the hot state); process memory otherwise. */
export async function openConsoleState(options: {
  redisUrl?: string;
  redisKeyPrefix?: string;
  log: Logger;
}): Promise<ConsoleState> {
  if (!options.redisUrl) {
    const loginThrottle = new MemoryLoginThrottle();
    return { loginThrottle, close: () => loginThrottle.close() };
  }
  const redis = {
    url: options.redisUrl,
    ...(options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {}),
    onError: (error: Error) => options.log.warn({ err: error }, "redis console state"),
  };
  const loginThrottle = await RedisLoginThrottle.connect(redis);
  let liveBoard: RedisLiveBoard;
  try {
    liveBoard = await RedisLiveBoard.connect(redis);
  } catch (error) {
    await loginThrottle.close();
    throw error;
  }
  return {
    loginThrottle,
    liveBoard,
    async close() {
      await liveBoard.close();
      await loginThrottle.close();
    },
  };
}
