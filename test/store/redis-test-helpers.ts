// The Redis the tests run against, a key namespace per test run, and clean-up of exactly that namespace.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { RedisHotState, type RedisHotStateOptions } from "../../src/state/redis-hot-state.ts";

export const TEST_REDIS_URL = process.env.GAVEL_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A namespace of keys (and connection names) no other test run uses. */
export function testRunPrefix(label: string): string {
  return `gavel-test-${label}-${randomBytes(4).toString("hex")}`;
}

let unreachable: Error | undefined;

/**
 * A RedisHotState on the test Redis. When Redis is unreachable the first call fails within seconds with the clear
 * connect error, and every later call fails at once with the same error (tests fail; they neither hang nor skip).
 */
export async function connectTestHotState(
  options: Omit<RedisHotStateOptions, "url"> & { keyPrefix: string },
): Promise<RedisHotState> {
  if (unreachable) throw unreachable;
  try {
    return await RedisHotState.connect({ url: TEST_REDIS_URL, ...options });
  } catch (error) {
    unreachable = error as Error;
    throw error;
  }
}

/** A plain client for what the tests do behind the hot state's back (inspect, kill connections, clean up). */
export async function connectAdminClient(): Promise<Redis> {
  const admin = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  admin.on("error", () => {});
  await admin.connect();
  return admin;
}

/** Deletes every key under the prefix (SCAN + UNLINK; never FLUSHALL: the Redis may be shared). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  if (unreachable) return;
  const admin = await connectAdminClient();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      // One key per command: keys of different pings live in different Cluster slots.
      if (keys.length > 0) await Promise.all(keys.map((key) => admin.unlink(key)));
    } while (cursor !== "0");
  } finally {
    admin.disconnect();
  }
}
