// A redis-server of the test's own with the exchange's request-path connection to it (connectRedis), started before
// the calling suite's tests and stopped after them: its counters and pauses are only that suite's.
import { after, before } from "node:test";
import { type PrivateRedis, startPrivateRedis } from "../../../src/sim/private-redis.ts";
import { connectRedis, type RedisConnection } from "../../../src/state/redis/redis-connection.ts";

export interface PrivateConnection {
  redis: PrivateRedis;
  /** A plain client of the same server, for INFO, CLIENT PAUSE and the like. */
  admin: Awaited<ReturnType<PrivateRedis["admin"]>>;
  connection: RedisConnection;
}

/** Call inside a `describe`: its hooks start and stop the server; the fields are set once `before` has run. */
export function privateRedisConnection(connectionName: string, commandTimeoutMs: number): PrivateConnection {
  const started = {} as PrivateConnection;
  before(async () => {
    started.redis = await startPrivateRedis();
    started.admin = await started.redis.admin();
    started.connection = await connectRedis({ url: started.redis.url, commandTimeoutMs, connectionName });
  });
  after(async () => {
    started.connection?.client.disconnect();
    await started.redis?.stop();
  });
  return started;
}
