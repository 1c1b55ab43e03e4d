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
  /** The time the instance runs on, for the tests of expiry (reservations, holds, periods). */
  time?: TestTime;
  /** Removes what the suite left outside the process (Redis keys). */
  cleanup?(): Promise<void>;
}

/**
 * How a contract test lets time pass. A memory instance reads a clock the test moves: no waiting, and no load on the
 * machine can expire a reservation early. Redis expires by its own clock (TIME in the scripts, key TTLs), so there time
 * is real and the short TTL is long enough that two consecutive calls on a loaded machine stay well inside it.
 */
export interface TestTime {
  now(): number;
  /** Lets this much time pass (at once, or by waiting). */
  elapse(ms: number): Promise<void>;
  /** A TTL a test can outlive by elapsing twice as long. */
  shortTtlMs: number;
}

/** A clock that stands still until told to move. */
function frozenTime(): TestTime & { reset(): void } {
  let at = Date.now();
  return {
    now: () => at,
    elapse: async (ms) => {
      at += ms;
    },
    shortTtlMs: 60,
    reset: () => {
      at = Date.now();
    },
  };
}

const realTime: TestTime = {
  now: () => Date.now(),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  shortTtlMs: 200,
};

const memoryLedgerTime = frozenTime();

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
  {
    name: "MemoryCapLedger",
    create: async () => {
      memoryLedgerTime.reset();
      return new MemoryCapLedger({ now: memoryLedgerTime.now });
    },
    time: memoryLedgerTime,
  },
  {
    name: "RedisCapLedger",
    create: () => testRedisCapLedger(`${redisCountersPrefix}:${++namespaces}`),
    cleanup: cleanupRedis,
    time: realTime,
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
