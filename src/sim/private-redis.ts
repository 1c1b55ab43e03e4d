// A redis-server of the caller's own, on a free port, without persistence: the shared Redis of this machine must never
// be stopped or flushed, but a test about "Redis restarted empty" needs to do exactly that, and a benchmark that reads
// Redis's CPU or counts its commands needs a server no other work uses. `restartEmpty` kills the
// server (SIGKILL: like `shutdown nosave`, nothing is written) and starts a new one on the same port.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { Redis } from "ioredis";

const REDIS_SERVER = process.env.GAVEL_TEST_REDIS_SERVER ?? "/usr/bin/redis-server";
/** How long a fresh server may take to accept connections before the test fails (not hangs). */
const START_LIMIT_MS = 10_000;

export interface PrivateRedis {
  port: number;
  url: string;
  /** The server's process id (a new one after `restartEmpty`): for reading its CPU from /proc. */
  readonly pid: number;
  /** Kills the server (no save) and starts an empty one on the same port; resolves once it answers. */
  restartEmpty(): Promise<void>;
  /** A plain client for looking behind the exchange's back (keys, the seed marker). Closed by `stop`. */
  admin(): Promise<Redis>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is not installed (set GAVEL_TEST_REDIS_SERVER): this test needs its own Redis`,
    );
  }
  const port = await freePort();
  let server = await spawnServer(port);
  const clients: Redis[] = [];
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return server.pid!;
    },
    async restartEmpty() {
      await kill(server);
      server = await spawnServer(port);
    },
    async admin() {
      const client = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, lazyConnect: true });
      client.on("error", () => {});
      await client.connect();
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await kill(server);
    },
  };
}

/** A port the OS says is free now (bound to port 0, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function spawnServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    output = (output + text).slice(-4000);
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    output = (output + text).slice(-4000);
  });
  const giveUpAt = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start:\n${output}`);
    if (await answers(port)) return child;
    if (Date.now() > giveUpAt) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not answer within ${START_LIMIT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function answers(port: number): Promise<boolean> {
  const client = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
