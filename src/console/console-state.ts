// Where the console's own state lives: the login guess limit (and the live numbers' board) in process memory on the
// embedded backend, or in Redis, shared by every instance, when Redis is configured.
import type { Logger } from "pino";
import type { LoginThrottle } from "./login-throttle.ts";
import { MemoryLoginThrottle } from "./memory-login-throttle.ts";
import { RedisLoginThrottle } from "./redis-login-throttle.ts";

export interface ConsoleState {
  loginThrottle: LoginThrottle;
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
  const loginThrottle = await RedisLoginThrottle.connect({
    url: options.redisUrl,
    ...(options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {}),
    onError: (error) => options.log.warn({ err: error }, "redis console state"),
  });
  return { loginThrottle, close: () => loginThrottle.close() };
}
