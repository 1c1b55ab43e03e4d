// Chooses where state lives: the embedded default (SQLite file + process memory), or PostgreSQL and/or Redis when
// configured. Connecting fails fast with a clear message; nothing here is on the request path.
import type { Logger } from "pino";
import { loadPiiKeyRing, type PiiKeyRing } from "./compliance/privacy/pii-cipher.ts";
import type { HotState } from "./state/hot-state.ts";
import { MemoryHotState } from "./state/memory-hot-state.ts";
import { RedisSeedMarker } from "./state/redis/seed-marker.ts";
import { RedisHotState } from "./state/redis-hot-state.ts";
import { describeStorage } from "./storage-choice.ts";
import { PostgresStore } from "./store/postgres/postgres-store.ts";
import { SqliteStore } from "./store/sqlite/sqlite-store.ts";
import type { Store } from "./store/store.ts";

export interface BackendOptions {
  /** Folder for the embedded SQLite store (used when no database URL is given). */
  dataDir: string;
  /** PostgreSQL connection string: the system of record for several instances. */
  databaseUrl?: string;
  /** PostgreSQL schema for Gavel's tables (default: the connection's search path). */
  databaseSchema?: string;
  /** Redis URL: the hot state (held pings, caps, duplicate windows, throttles) shared by several instances. */
  redisUrl?: string;
  /** Prefix for every Redis key, so several exchanges can share one Redis. */
  redisKeyPrefix?: string;
  /** The keys leads' PII is sealed with (default: from GAVEL_PII_KEY, GAVEL_PII_KEY_FILE, GAVEL_PII_OLD_KEYS). */
  piiKeys?: PiiKeyRing;
  now: () => number;
  log: Logger;
}

export interface Backends {
  store: Store;
  hotState: HotState;
  /** With Redis: tells whether Redis still holds the state seeded from the store (see seed-marker.ts). */
  seedMarker?: RedisSeedMarker;
  /** The backends and where their data lives (no secrets), for the start-up line. */
  description: string;
}

export async function openBackends(options: BackendOptions): Promise<Backends> {
  const piiKeys = options.piiKeys ?? loadPiiKeyRing();
  const store = options.databaseUrl
    ? await PostgresStore.connect({
        connectionString: options.databaseUrl,
        ...(options.databaseSchema ? { schema: options.databaseSchema } : {}),
        piiKeys,
      })
    : new SqliteStore(options.dataDir, { piiKeys });
  try {
    // Safe with several instances starting at once (PostgreSQL migrations hold an advisory lock).
    await store.migrate();
    const held = await store.heldPings(options.now());
    let hotState: HotState;
    let seedMarker: RedisSeedMarker | undefined;
    if (options.redisUrl) {
      const keyPrefix = options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {};
      seedMarker = await RedisSeedMarker.connect({
        url: options.redisUrl,
        ...keyPrefix,
        onError: (error) => options.log.warn({ err: error }, "redis seed marker"),
        onSeeded: (report) =>
          options.log.warn(report, "Redis had lost the hot state: re-seeded it from the store"),
      });
      hotState = await RedisHotState.connect({
        url: options.redisUrl,
        ...keyPrefix,
        now: options.now,
        onError: (error) => options.log.warn({ err: error }, "redis hot state"),
        seedGuard: seedMarker,
      });
      // Redis may have lost its data (it need not persist): the store's record of held pings puts them back. (When the
      // seed marker is gone, app.ts re-seeds everything else before the first request; see seed-marker.ts.)
      for (const ping of held) await hotState.holdPing(ping);
    } else {
      if (options.databaseUrl) {
        options.log.warn(
          "DATABASE_URL without REDIS_URL: held pings live in this process, so run a single instance",
        );
      }
      hotState = new MemoryHotState(held);
    }
    return {
      store,
      hotState,
      ...(seedMarker ? { seedMarker } : {}),
      description: describeStorage({ ...options, ignoredVariables: [] }, options.dataDir),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
