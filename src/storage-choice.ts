// Where an exchange keeps its state: the embedded default (a SQLite file and process memory) or PostgreSQL and Redis.
// One reading of the explicit options, the environment and the configuration file's `storage`, for `gavel serve`,
// `gavel migrate` and `gavel user`, and one description of the choice for the start-up line.
import { join, resolve } from "node:path";
import type { ConfigFile } from "./domain/config-schema.ts";
import { redisAddress } from "./state/redis/redis-connection.ts";
import { postgresAddress } from "./store/postgres/postgres-store.ts";

export interface StorageChoice {
  /** PostgreSQL instead of the SQLite file. */
  databaseUrl?: string;
  databaseSchema?: string;
  /** Redis instead of process memory for hot state. */
  redisUrl?: string;
  redisKeyPrefix?: string;
  /** Without Redis: the duplicate windows' ceiling in keys (absent: MemoryKeyTable's default). */
  duplicateWindowMaxKeys?: number;
  /** Variables set but empty (`DATABASE_URL=`), ignored: worth a warning, since they look like a choice. */
  ignoredVariables: string[];
}

/**
 * First set wins: the explicit option, then DATABASE_URL / REDIS_URL, then the configuration file's `storage`. A
 * variable set but empty (or blank) counts as unset: `DATABASE_URL=` left in an environment file must not quietly
 * move the exchange from the file's PostgreSQL to a SQLite file in the working directory.
 */
export function chooseStorage(
  from: {
    databaseUrl?: string | undefined;
    redisUrl?: string | undefined;
    storage?: ConfigFile["storage"] | undefined;
  },
  env: Readonly<Record<string, string | undefined>> = process.env,
): StorageChoice {
  const ignoredVariables = (["DATABASE_URL", "REDIS_URL"] as const).filter(
    (name) => env[name] !== undefined && !present(env[name]),
  );
  const databaseUrl = firstPresent(from.databaseUrl, env.DATABASE_URL, from.storage?.database_url);
  const redisUrl = firstPresent(from.redisUrl, env.REDIS_URL, from.storage?.redis_url);
  return {
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(from.storage?.database_schema ? { databaseSchema: from.storage.database_schema } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    ...(from.storage?.redis_key_prefix ? { redisKeyPrefix: from.storage.redis_key_prefix } : {}),
    ...(from.storage?.duplicate_window_max_keys
      ? { duplicateWindowMaxKeys: from.storage.duplicate_window_max_keys }
      : {}),
    ignoredVariables,
  };
}

/**
 * The backends and where their data lives, without secrets: "SQLite /var/lib/gavel/gavel.db + memory", or
 * "PostgreSQL db.internal:5432/gavel (schema gavel) + Redis redis.internal:6379 (key prefix gavel)".
 */
export function describeStorage(choice: StorageChoice, dataDir: string): string {
  return `${describeStore(choice, dataDir)} + ${describeHotState(choice)}`;
}

/** Where configuration, leads and the ledger live: "SQLite <absolute file>" or "PostgreSQL host:port/db (schema)". */
export function describeStore(
  choice: Pick<StorageChoice, "databaseUrl" | "databaseSchema">,
  dataDir: string,
): string {
  if (!choice.databaseUrl) return `SQLite ${join(resolve(dataDir), "gavel.db")}`;
  const schema = choice.databaseSchema ? ` (schema ${choice.databaseSchema})` : "";
  return `PostgreSQL ${postgresAddress(choice.databaseUrl)}${schema}`;
}

/** Where caps, held bids and other hot state live: "memory" or "Redis host:port (key prefix)". */
function describeHotState(choice: Pick<StorageChoice, "redisUrl" | "redisKeyPrefix">): string {
  if (!choice.redisUrl) return "memory";
  const prefix = choice.redisKeyPrefix ? ` (key prefix ${choice.redisKeyPrefix})` : "";
  return `Redis ${redisAddress(choice.redisUrl)}${prefix}`;
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

function firstPresent(...values: (string | undefined)[]): string | undefined {
  return values.find(present)?.trim();
}
