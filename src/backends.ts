// Chooses where state lives, in one place: the system of record (a SQLite file, or PostgreSQL) and the hot state (process
// memory, or Redis shared by every instance). Connecting fails fast with a clear message; nothing here is on the
// request path.
import type { Logger } from "pino";
import { loadPiiKeyRing, type PiiKeyRing } from "./compliance/privacy/pii-cipher.ts";
import type { LiveBoard } from "./console/live-board.ts";
import type { LoginThrottle } from "./console/login-throttle.ts";
import { MemoryLoginThrottle } from "./console/memory-login-throttle.ts";
import { RedisAuthFailureTallies } from "./console/redis-auth-failure-tallies.ts";
import { RedisLiveBoard } from "./console/redis-live-board.ts";
import { RedisLoginThrottle } from "./console/redis-login-throttle.ts";
import { type AuthFailureTallies, MemoryAuthFailureTallies } from "./console/source-auth-failures.ts";
import { CAP_SEED_LOOKBACK_MS } from "./domain/rules/periods.ts";
import { capUsageSeed, fundsUsageSeed } from "./engine/caps.ts";
import type { ConfigSnapshot } from "./engine/config-snapshot.ts";
import { DuplicateChecks } from "./engine/duplicates.ts";
import { seedHotStateFromStore } from "./engine/hot-state-seed.ts";
import type { CapLedger } from "./state/counters/cap-ledger.ts";
import type { FailureStreaks } from "./state/counters/failure-streak.ts";
import { MemoryCapLedger } from "./state/counters/memory-cap-ledger.ts";
import { MemoryFailureStreaks } from "./state/counters/memory-failure-streaks.ts";
import { MemoryThrottle } from "./state/counters/memory-throttle.ts";
import { RedisCapLedger } from "./state/counters/redis-cap-ledger.ts";
import { checkedKeyPrefix, closeCounterRedis } from "./state/counters/redis-counter-connection.ts";
import { RedisFailureStreaks } from "./state/counters/redis-failure-streaks.ts";
import { RedisThrottle } from "./state/counters/redis-throttle.ts";
import type { Throttle } from "./state/counters/throttle.ts";
import type { DuplicateWindows } from "./state/duplicates/duplicate-windows.ts";
import { MemoryDuplicateWindows } from "./state/duplicates/memory-duplicate-windows.ts";
import { RedisDuplicateWindows } from "./state/duplicates/redis-duplicate-windows.ts";
import type { HotState } from "./state/hot-state.ts";
import { MemoryHotState } from "./state/memory-hot-state.ts";
import { connectRedis } from "./state/redis/redis-connection.ts";
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
  /** The backends and where their data lives (no secrets), for the start-up line. */
  description: string;
}

/** Opens and migrates the system of record. The hot state comes after the configuration (openHotState). */
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
  } catch (error) {
    await store.close();
    throw error;
  }
  if (options.databaseUrl && !options.redisUrl) {
    options.log.warn(
      "DATABASE_URL without REDIS_URL: held pings live in this process, so run a single instance",
    );
  }
  return { store, description: describeStorage({ ...options, ignoredVariables: [] }, options.dataDir) };
}

/** Everything the exchange keeps on the request path instead of in the store, each part behind its own interface. */
export interface HotStateParts {
  /** Held pings (the ranked bids awaiting their post) and post claims. */
  hotState: HotState;
  /** Cap counters and prepaid buyers' funds. */
  caps: CapLedger;
  /** Pings-per-minute throttles. */
  throttle: Throttle;
  /** Duplicate windows and the replay guard. */
  duplicates: DuplicateWindows;
  /** Consecutive post failures per buyer. */
  failureStreaks: FailureStreaks;
  /** The console's login guess limit. */
  loginThrottle: LoginThrottle;
  /** Refused source keys per source and minute: shared by every instance with Redis. */
  authFailureTallies: AuthFailureTallies;
  /** Where instances share the console's live numbers; none with one process. */
  liveBoard?: LiveBoard;
  /** With Redis: tells whether Redis still holds the state seeded from the store (see seed-marker.ts). */
  seedMarker?: RedisSeedMarker;
  /** Closes every part, then the connection they share. */
  close(): Promise<void>;
}

export interface HotStateOptions {
  /** Redis shared by every instance; process memory without it. */
  redisUrl?: string;
  redisKeyPrefix?: string;
  /** Without Redis: the duplicate windows' ceiling in keys (MemoryKeyTable's default when absent). */
  duplicateWindowMaxKeys?: number;
  /** What the hot state is rebuilt from: at every start in memory, and whenever Redis comes back without it. */
  store: Store;
  config: () => ConfigSnapshot;
  now: () => number;
  log: Logger;
}

/**
 * Opens the hot state: in process memory, seeded from the store, or in Redis on one connection (none of the parts
 * subscribes or blocks, so they can share it), re-seeded from the store first when Redis lost it.
 */
export function openHotState(options: HotStateOptions): Promise<HotStateParts> {
  return options.redisUrl ? openRedisHotState(options, options.redisUrl) : openMemoryHotState(options);
}

async function openMemoryHotState(options: HotStateOptions): Promise<HotStateParts> {
  const { store, config, now, log } = options;
  const snapshot = config();
  const started = now();
  const hotState = new MemoryHotState(await store.heldPings(started));
  // Period caps need the sales of the current periods; funds need every sale ever (a restart must not refill a balance).
  const caps = new MemoryCapLedger({
    seed: [
      ...capUsageSeed(await store.salesSince(started - CAP_SEED_LOOKBACK_MS), snapshot),
      ...fundsUsageSeed(await store.spendTotals()),
    ],
    now,
  });
  const duplicates = new MemoryDuplicateWindows({
    now,
    ...(options.duplicateWindowMaxKeys ? { maxKeys: options.duplicateWindowMaxKeys } : {}),
    // Loud, never silent: from now on these consumers are sold again without a duplicate check against those sales.
    onEvict: ({ keys, throughS, maxKeys }) =>
      log.warn(
        { evicted_keys: keys, evicted_through: new Date(throughS * 1000).toISOString(), max_keys: maxKeys },
        "duplicate windows full: evicted the keys whose windows end first (their consumers are no longer duplicates); " +
          "raise storage.duplicate_window_max_keys or keep the windows in Redis",
      ),
  });
  // The consumers sold within the longest lookback are duplicates again after a restart.
  await new DuplicateChecks(duplicates).rebuild(store, snapshot, started);
  const parts = {
    hotState,
    caps,
    throttle: new MemoryThrottle(),
    duplicates,
    failureStreaks: new MemoryFailureStreaks(),
    loginThrottle: new MemoryLoginThrottle(),
    authFailureTallies: new MemoryAuthFailureTallies(),
  };
  return {
    ...parts,
    async close() {
      for (const part of Object.values(parts)) await part.close();
    },
  };
}

async function openRedisHotState(options: HotStateOptions, url: string): Promise<HotStateParts> {
  const { store, config, now, log } = options;
  const keyPrefix = checkedKeyPrefix(options.redisKeyPrefix);
  const connection = await connectRedis({
    url,
    commandTimeoutMs: 1_000,
    connectionName: "gavel-hot-state",
    onError: (error) => log.warn({ err: error }, "redis hot state"),
  });
  const seedMarker = RedisSeedMarker.on(connection, {
    keyPrefix,
    onSeeded: (report) => log.warn(report, "Redis had lost the hot state: re-seeded it from the store"),
  });
  const guarded = { keyPrefix, seedGuard: seedMarker };
  const hotState = RedisHotState.on(connection, { ...guarded, now });
  const caps = RedisCapLedger.on(connection, guarded);
  const duplicates = RedisDuplicateWindows.on(connection, guarded);
  const liveBoard = RedisLiveBoard.on(connection, { keyPrefix });
  // The live board first: its close() takes this instance off the board, on the connection still open.
  const parts = {
    liveBoard,
    hotState,
    caps,
    duplicates,
    throttle: RedisThrottle.on(connection, { keyPrefix }),
    failureStreaks: RedisFailureStreaks.on(connection, { keyPrefix }),
    loginThrottle: RedisLoginThrottle.on(connection, { keyPrefix }),
    authFailureTallies: RedisAuthFailureTallies.on(connection, {
      keyPrefix,
      onError: (error) => log.warn({ err: error }, "counting a refused source key in Redis failed"),
    }),
    seedMarker,
  };
  const close = async () => {
    for (const part of Object.values(parts)) await part.close();
    await closeCounterRedis(connection);
  };
  try {
    // Redis may have lost its data (it need not persist): the store's record of held pings puts them back.
    for (const ping of await store.heldPings(now())) await hotState.holdPing(ping);
    // Redis lost its data (or this is its first start): put back what the store can rebuild before the first request.
    // At start nothing of this instance is in flight, so the seed need not wait for it to land in the store.
    let starting = true;
    seedMarker.seedWith(() =>
      seedHotStateFromStore({
        ...(starting ? { settleMs: 0 } : {}),
        store,
        config,
        hotState,
        caps,
        duplicates,
        now,
        onLatePassError: (error) => log.warn({ err: error }, "holding pings the re-seed missed failed"),
      }),
    );
    await seedMarker.ensureSeeded({ waitMs: 60_000 });
    starting = false;
  } catch (error) {
    await close();
    throw error;
  }
  return { ...parts, close };
}
