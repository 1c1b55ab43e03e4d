// PostgreSQL and Redis for the benchmark's distributed exchange: whether they answer, a fresh schema and key prefix
// per run (removed afterwards; never FLUSHALL, the services may be shared), and the CPU they spend on its behalf.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";
import type { ConfigFile } from "../src/domain/config-schema.ts";
import type { WindowMeter } from "../src/sim/load-generator.ts";
import { processesCpuMeter } from "../src/sim/process-cpu.ts";

export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
}

/** Long enough for a service on this machine or the next, short enough not to stall `npm run bench`. */
const CHECK_TIMEOUT_MS = 1500;
const CLEAN_UP_TIMEOUT_MS = 5000;

/** Why the distributed exchange cannot run (one line per service), or undefined when both services answer. */
export async function unreachableReason(urls: ServiceUrls): Promise<string | undefined> {
  const [database, redis] = await Promise.allSettled([
    answersInTime(withPostgres(urls.databaseUrl, 2 * CHECK_TIMEOUT_MS, (client) => client.query("SELECT 1"))),
    answersInTime(withRedis(urls.redisUrl, 2 * CHECK_TIMEOUT_MS, (client) => client.ping())),
  ]);
  const reasons = [
    database.status === "rejected" &&
      `PostgreSQL at ${redactUrl(urls.databaseUrl)}: ${reasonText(database.reason)}`,
    redis.status === "rejected" && `Redis at ${redactUrl(urls.redisUrl)}: ${reasonText(redis.reason)}`,
  ].filter((reason) => typeof reason === "string");
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

/** Rejects with a plain "no answer" once the check's time is up, instead of whatever the driver says then. */
function answersInTime(check: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check, timeUp]).finally(() => clearTimeout(timer));
}

/** One benchmark run's share of PostgreSQL and Redis. */
export class DistributedServices {
  /** The PostgreSQL schema the exchange creates at start; also its connections' application_name. */
  readonly schema = `gavel_bench_${randomBytes(6).toString("hex")}`;
  readonly keyPrefix = `gavel-bench-${randomBytes(6).toString("hex")}`;
  readonly #urls: ServiceUrls;

  constructor(urls: ServiceUrls) {
    this.#urls = urls;
  }

  /** The exchange's `storage` config. The application_name (it wins over the exchange's own) tells its connections apart. */
  storage(): NonNullable<ConfigFile["storage"]> {
    const databaseUrl = new URL(this.#urls.databaseUrl);
    databaseUrl.searchParams.set("application_name", this.schema);
    return {
      database_url: databaseUrl.href,
      database_schema: this.schema,
      redis_url: this.#urls.redisUrl,
      redis_key_prefix: this.keyPrefix,
    };
  }

  /**
   * CPU the services spend for the exchange: its PostgreSQL connections' backend processes (readable when PostgreSQL
   * runs on this machine) and the whole Redis server (Redis cannot tell clients apart, so other users of the same
   * Redis count too).
   */
  meters(): Record<string, WindowMeter> {
    return {
      "PostgreSQL backends": processesCpuMeter(() => this.backendPids()),
      "Redis (whole server)": async () => {
        const before = await this.#redisCpuSeconds();
        return async () => (await this.#redisCpuSeconds()) - before;
      },
    };
  }

  /** Drops the schema and deletes the key prefix. Call after the exchange has stopped, or it may write again. */
  async remove(): Promise<void> {
    await Promise.all([
      withPostgres(this.#urls.databaseUrl, CLEAN_UP_TIMEOUT_MS, (client) =>
        client.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`),
      ),
      withRedis(this.#urls.redisUrl, CLEAN_UP_TIMEOUT_MS, async (client) => {
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", `${this.keyPrefix}:*`, "COUNT", 1000);
          cursor = next;
          // One key per command: keys of different pings live in different Cluster slots.
          await Promise.all(keys.map((key) => client.unlink(key)));
        } while (cursor !== "0");
      }),
    ]);
  }

  /** The pids of its PostgreSQL connections' backend processes on this machine. */
  async backendPids(): Promise<number[]> {
    const { rows } = await withPostgres(this.#urls.databaseUrl, CHECK_TIMEOUT_MS, (client) =>
      client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [
        this.schema,
      ]),
    );
    // A PostgreSQL on another machine has pids that mean nothing here; never count an unrelated local process.
    return rows.map((row) => row.pid).filter(isLocalPostgresProcess);
  }

  async #redisCpuSeconds(): Promise<number> {
    const info = await withRedis(this.#urls.redisUrl, CHECK_TIMEOUT_MS, (client) => client.info("cpu"));
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
    const seconds = field("used_cpu_user") + field("used_cpu_sys");
    if (Number.isNaN(seconds)) throw new Error("Redis INFO cpu without used_cpu_user / used_cpu_sys");
    return seconds;
  }
}

function isLocalPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
  } catch {
    return false;
  }
}

/** Runs `work` on a short-lived connection of its own. */
async function withPostgres<T>(
  url: string,
  timeoutMs: number,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function withRedis<T>(url: string, timeoutMs: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects a refused connection with "Connection is closed"; the socket's own error says why.
  let socketError: Error | undefined;
  client.on("error", (error: Error) => (socketError ??= error));
  try {
    await client.connect().catch((error: unknown) => {
      throw socketError ?? error;
    });
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    return "(an invalid URL)";
  }
}

function reasonText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonText(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (error.message || code || error.name).replace(/\.$/, "");
  }
  return String(error);
}
