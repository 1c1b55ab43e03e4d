// Every CapLedger and Throttle implementation, for the contract suites that run over all of them (kysely-style), and
// the Redis connections the Redis-only tests share. Redis is GAVEL_TEST_REDIS_URL, a fresh key prefix per test run.
import type { CapLedger } from "../../../src/state/counters/cap-ledger.ts";
import { MemoryCapLedger } from "../../../src/state/counters/memory-cap-ledger.ts";
import { MemoryThrottle } from "../../../src/state/counters/memory-throttle.ts";
import { RedisCapLedger } from "../../../src/state/counters/redis-cap-ledger.ts";
import { RedisThrottle } from "../../../src/state/counters/redis-throttle.ts";
import type { Throttle } from "../../../src/state/counters/throttle.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testRunPrefix } from "../../store/redis-test-helpers.ts";

export interface CounterImplementation<T> {
  name: string;
  /** A fresh, empty instance (its own Redis namespace, as a fresh memory instance is empty). */
  create(): Promise<T>;
  /** Removes what the suite left outside the process (Redis keys). */
  cleanup?(): Promise<void>;
}

export const redisCountersPrefix = testRunPrefix("counters");
let namespaces = 0;
let unreachable: Error | undefined;

/**
 * Connects to the test Redis under `keyPrefix`. When Redis is unreachable the first call fails within seconds with the
 * clear connect error and every later call at once with the same error (tests fail; they neither hang nor skip).
 */
export async function connectTestRedis<T>(connect: (options: { url: string }) => Promise<T>): Promise<T> {
  if (unreachable) throw unreachable;
  try {
    return await connect({ url: TEST_REDIS_URL });
  } catch (error) {
    unreachable = error as Error;
    throw error;
  }
}

export const testRedisCapLedger = (keyPrefix: string): Promise<RedisCapLedger> =>
  connectTestRedis((options) =>
    RedisCapLedger.connect({ ...options, keyPrefix, connectionName: `${redisCountersPrefix}-caps` }),
  );

export const testRedisThrottle = (keyPrefix: string): Promise<RedisThrottle> =>
  connectTestRedis((options) =>
    RedisThrottle.connect({ ...options, keyPrefix, connectionName: `${redisCountersPrefix}-throttle` }),
  );

const cleanupRedis = () => deleteKeysWithPrefix(redisCountersPrefix);

export const CAP_LEDGERS: CounterImplementation<CapLedger>[] = [
  { name: "MemoryCapLedger", create: async () => new MemoryCapLedger() },
  {
    name: "RedisCapLedger",
    create: () => testRedisCapLedger(`${redisCountersPrefix}:${++namespaces}`),
    cleanup: cleanupRedis,
  },
];

export const THROTTLES: CounterImplementation<Throttle>[] = [
  { name: "MemoryThrottle", create: async () => new MemoryThrottle() },
  {
    name: "RedisThrottle",
    create: () => testRedisThrottle(`${redisCountersPrefix}:${++namespaces}`),
    cleanup: cleanupRedis,
  },
];
