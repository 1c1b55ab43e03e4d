// What the Redis cap ledger and throttle share: their options, how they connect (failing fast, like the hot state), and
// how a failed command becomes a ServiceUnavailableError that names Redis, the operation and the reason.
import { ServiceUnavailableError } from "../../errors.ts";
import { connectRedis, type RedisConnection } from "../redis/redis-connection.ts";

export interface RedisCounterOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Namespace of every key, so several exchanges (or test runs) can share one Redis. Default "gavel". */
  keyPrefix?: string;
  /** How long one command may take before it fails with a clear error. Default 1000. */
  commandTimeoutMs?: number;
  /** CLIENT SETNAME of the connection. */
  connectionName?: string;
  /** Connection errors while running; the client keeps reconnecting. Default: ignored (commands still fail clearly). */
  onError?: (error: Error) => void;
}

/**
 * What a part of the hot state takes on a connection it shares (the hot-state factory's, src/backends.ts): everything
 * but how to connect. Such a part's close() leaves the connection to the factory.
 */
export type OnSharedConnection<Options extends RedisCounterOptions> = Omit<
  Options,
  "url" | "commandTimeoutMs" | "connectionName" | "onError"
>;

/** The key prefix, checked: a brace in it would become the hash tag and put every key in one Cluster slot. */
export function checkedKeyPrefix(keyPrefix: string | undefined): string {
  if (keyPrefix?.match(/[{}]/)) throw new TypeError(`Redis key prefix must not contain { or }: ${keyPrefix}`);
  return keyPrefix ?? "gavel";
}

/** Connects; rejects within ~3 s with `cannot reach Redis at <host:port>: <reason>` when Redis does not answer. */
export async function connectCounterRedis(
  options: RedisCounterOptions,
  defaultConnectionName: string,
): Promise<RedisConnection> {
  checkedKeyPrefix(options.keyPrefix);
  return connectRedis({
    url: options.url,
    commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    connectionName: options.connectionName ?? defaultConnectionName,
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

/** Runs one command; a failure names Redis, the component, the operation and the reason (not ioredis's wording). */
export async function runCounterCommand<T>(
  connection: RedisConnection,
  component: string,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const reason = connection.unavailableReason() ?? (error instanceof Error ? error.message : String(error));
    throw new ServiceUnavailableError(
      `Redis ${component} at ${connection.address}: ${operation} failed: ${reason}`,
      {
        cause: error,
      },
    );
  }
}

/** Closes a connection a part opened for itself (a shared one is closed by whoever opened it). */
export async function closeCounterRedis(connection: RedisConnection, owned = true): Promise<void> {
  if (!owned) return;
  try {
    await connection.client.quit();
  } catch {
    connection.client.disconnect();
  }
}
