// Exchange processes in distributed mode for the multi-instance and fault tests: a fresh PostgreSQL schema and Redis
// key prefix per test file, `gavel serve` children pointed at them through the config file's `storage`, and a small
// HTTP client that times every call and never waits forever.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { ADMIN_KEY, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { READY_TIMEOUT_MS, waitForUrl } from "../helpers/gavel-process.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "../store/postgres-test-schema.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testRunPrefix } from "../store/redis-test-helpers.ts";

export { TEST_DATABASE_URL, TEST_REDIS_URL };

const CLI = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;
const OUTPUT_TAIL_CHARS = 8000;
/** No test call may take longer than this: a hung request fails the test instead of hanging the suite. */
const CALL_TIMEOUT_MS = 10_000;

/** One PostgreSQL schema and one Redis key prefix, shared by every exchange a test file starts; removed at the end. */
export interface SharedBackends {
  schema: string;
  redisKeyPrefix: string;
  /** A folder for config files and data dirs, removed by `cleanUp`. */
  dir: string;
  cleanUp(): Promise<void>;
}

export async function sharedBackends(label: string): Promise<SharedBackends> {
  await requireTestDatabase();
  const schema = newTestSchema();
  const redisKeyPrefix = testRunPrefix(label);
  const dir = mkdtempSync(join(tmpdir(), `gavel-${label}-`));
  return {
    schema,
    redisKeyPrefix,
    dir,
    async cleanUp() {
      await dropTestSchema(schema);
      await deleteKeysWithPrefix(redisKeyPrefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a config file into the shared folder; returns its path. */
export function writeConfig(backends: SharedBackends, name: string, config: ConfigFile): string {
  const path = join(backends.dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** The `storage` section for the shared schema and prefix, optionally through proxies. */
export function storageFor(
  backends: SharedBackends,
  urls: { databaseUrl?: string; redisUrl?: string } = {},
): NonNullable<ConfigFile["storage"]> {
  return {
    database_url: urls.databaseUrl ?? TEST_DATABASE_URL,
    database_schema: backends.schema,
    redis_url: urls.redisUrl ?? TEST_REDIS_URL,
    redis_key_prefix: backends.redisKeyPrefix,
  };
}

/** The test database's URL with another host port (a proxy, or a port nothing listens on). */
export function databaseUrlOnPort(port: number): string {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

export function redisUrlOnPort(port: number): string {
  const url = new URL(TEST_REDIS_URL);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

export function redisTarget(): { host: string; port: number } {
  const url = new URL(TEST_REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

export function databaseTarget(): { host: string; port: number } {
  const url = new URL(TEST_DATABASE_URL);
  return { host: url.hostname || "127.0.0.1", port: Number(url.port || 5432) };
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
  /** Wall time of the call. */
  ms: number;
}

export interface ExchangeProcess {
  name: string;
  url: string;
  pid: number;
  seller(path: string, body: unknown): Promise<Reply>;
  admin(method: string, path: string, body?: unknown): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** Whether the process has exited (a crash, when the test did not stop it). */
  exited(): boolean;
  /** SIGTERM (then SIGKILL after 10 s); resolves with how it exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few thousand characters of stdout and stderr, for failure messages. */
  output(): string;
}

/** Stops each exchange that was started and asserts it stopped cleanly (exit 0: a crash before fails here). */
export async function stopCleanly(exchanges: readonly (ExchangeProcess | undefined)[]): Promise<void> {
  for (const exchange of exchanges) {
    if (!exchange) continue;
    const exit = await exchange.stop();
    assert.deepEqual(
      exit,
      { code: 0, signal: null },
      `${exchange.name} stops cleanly:\n${exchange.output()}`,
    );
  }
}

/**
 * Starts `gavel serve` on the config file. DATABASE_URL and REDIS_URL are removed from its environment, so the config
 * file's `storage` (the shared schema and prefix, or the proxies) decides where state lives.
 */
export async function startExchangeProcess(
  name: string,
  configPath: string,
  dataDir: string,
  /** How long one call may take before it fails as TRANSPORT: by default CALL_TIMEOUT_MS. */
  callTimeoutMs = CALL_TIMEOUT_MS,
): Promise<ExchangeProcess> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--config", configPath, "--port", "0", "--data-dir", dataDir],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, GAVEL_ADMIN_KEY: ADMIN_KEY, GAVEL_LOG_LEVEL: "error" },
    },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let output = "";
  const keep = (text: string) => {
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stderr?.setEncoding("utf8").on("data", keep);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      process.off("exit", killOnExit);
      resolve({ code, signal });
    }),
  );
  const url = await waitForUrl(child, READY_TIMEOUT_MS, keep, () => output);
  const call = (method: string, path: string, key: string | undefined, body?: unknown) =>
    timedRequest(url + path, method, key, body, callTimeoutMs);
  return {
    name,
    url,
    pid: child.pid!,
    seller: (path, body) => call("POST", path, SOURCE_KEY, body),
    admin: (method, path, body) => call(method, path, ADMIN_KEY, body),
    get: (path) => call("GET", path, undefined),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const result = await exit;
      clearTimeout(killer);
      return result;
    },
    output: () => output,
  };
}

/** One HTTP call with its duration; a transport failure is status 0 with the error's message in `body.error`. */
export async function timedRequest(
  url: string,
  method: string,
  key: string | undefined,
  body?: unknown,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<Reply> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Prometheus text, or a bug: keep the raw text for the assertion message.
    }
    return { status: response.status, body: parsed, ms: performance.now() - started };
  } catch (error) {
    return {
      status: 0,
      body: { error: { code: "TRANSPORT", message: String(error) } },
      ms: performance.now() - started,
    };
  }
}

/** A lead row as PostgreSQL holds it, straight from the shared schema (not through any exchange). */
export interface StoredLead {
  id: string;
  auction_id: string;
  status: string;
  buyer_id: string | null;
  price_cents: number;
}

export async function storedLeads(schema: string): Promise<StoredLead[]> {
  return withAdminClient(async (client) => {
    const { rows } = await client.query<StoredLead>(
      `SELECT id, auction_id, status, buyer_id, price_cents::integer AS price_cents FROM "${schema}".leads`,
    );
    return rows;
  });
}

export async function storedPingIds(schema: string): Promise<Set<string>> {
  return withAdminClient(async (client) => {
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM "${schema}".pings`);
    return new Set(rows.map((row) => row.id));
  });
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; undefined after `withinMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  withinMs: number,
  everyMs = 20,
): Promise<T | undefined> {
  const giveUpAt = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= giveUpAt) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** How a `gavel serve` that was expected to fail at start ended. */
export interface FailedStart {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From spawn to exit (Node's boot and module loading included: seconds on a loaded machine). */
  ms: number;
  /**
   * From the child's first attempt to reach `connectPort` to its exit, on its own clock: how long it tried before
   * giving up. Undefined when it never tried (or no port was given).
   */
  givingUpMs?: number;
  stdout: string;
  stderr: string;
}

const CONNECT_TIMING = new URL("./connect-timing.ts", import.meta.url).pathname;

/**
 * Runs `gavel serve` on the config file until it exits by itself; killed (and reported as SIGKILL) after `limitMs`,
 * a safety net wide enough for a loaded machine's start (the bound a test asserts is `givingUpMs`).
 */
export async function runUntilExit(
  configPath: string,
  dataDir: string,
  options: { connectPort?: number; limitMs?: number } = {},
): Promise<FailedStart> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  const timingDir = mkdtempSync(join(tmpdir(), "gavel-connect-"));
  const timingLog = join(timingDir, "timing.json");
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", CONNECT_TIMING, CLI, "serve", "--config", configPath, "--port", "0", "--data-dir", dataDir],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        GAVEL_ADMIN_KEY: ADMIN_KEY,
        GAVEL_LOG_LEVEL: "warn",
        ...(options.connectPort
          ? { GAVEL_TEST_CONNECT_PORT: String(options.connectPort), GAVEL_TEST_CONNECT_LOG: timingLog }
          : {}),
      },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), options.limitMs ?? 60_000);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) =>
      child.once("exit", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })),
  );
  clearTimeout(killer);
  const ms = performance.now() - started;
  let givingUpMs: number | undefined;
  try {
    const timing = JSON.parse(readFileSync(timingLog, "utf8")) as { firstAttemptAt?: number; exitAt: number };
    if (timing.firstAttemptAt !== undefined) givingUpMs = timing.exitAt - timing.firstAttemptAt;
  } catch {
    // Killed, or no port given: nothing written.
  } finally {
    rmSync(timingDir, { recursive: true, force: true });
  }
  return { code, signal, ms, ...(givingUpMs === undefined ? {} : { givingUpMs }), stdout, stderr };
}
