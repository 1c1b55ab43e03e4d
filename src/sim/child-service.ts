// Runs a helper server (buyer farm, exchange, reference server) as a child process: waits for the line on stdout
// that says it is ready, and stops it on request or when this process exits, so no run leaves servers behind.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildServiceOptions<T> {
  /** Names the service in error messages. */
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Recognises the ready line and extracts what the caller needs from it; undefined for any other line. */
  readyLine(line: string): T | undefined;
  /** How long to wait for the ready line (default 10 s). */
  timeoutMs?: number;
}

export interface ChildService<T> {
  ready: T;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

const STDERR_TAIL_CHARS = 2000;

/** Starts `node <args>` and resolves once it prints its ready line; rejects with its stderr if it fails first. */
export async function startChildService<T>(options: ChildServiceOptions<T>): Promise<ChildService<T>> {
  const child = spawn(process.execPath, options.args, {
    // stdin stays an open pipe, so a child that watches it (the buyer farm) exits when this process is gone.
    stdio: ["pipe", "pipe", "pipe"],
    env: options.env ?? process.env,
    // Its own process group: a Ctrl-C in the terminal reaches only this process, which then drains its traffic
    // before stopping the child, instead of the child vanishing mid-request.
    detached: true,
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));

  let stderrTail = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
    process.stderr.write(text);
  });

  const ready = await waitForReadyLine(child, options, () => stderrTail);
  return { ready, child, stop: () => stopChild(child) };
}

function waitForReadyLine<T>(
  child: ChildProcess,
  options: ChildServiceOptions<T>,
  stderrTail: () => string,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = (message: string) => {
      cleanUp();
      child.kill("SIGKILL");
      const tail = stderrTail().trim();
      reject(new Error(tail ? `${message}; its stderr:\n${tail}` : message));
    };
    const onLine = (line: string) => {
      const ready = options.readyLine(line);
      if (ready === undefined) return;
      cleanUp();
      // Keep reading stdout so a chatty child never blocks on a full pipe.
      lines.on("line", () => {});
      resolve(ready);
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(`${options.name} exited (${signal ?? `code ${code}`}) before it was ready`);
    const timer = setTimeout(() => fail(`${options.name} not ready after ${timeoutMs} ms`), timeoutMs);
    const cleanUp = () => {
      clearTimeout(timer);
      lines.off("line", onLine);
      child.off("exit", onExit);
    };
    lines.on("line", onLine);
    child.once("exit", onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Where the repository's `gavel` command lives: the entry `startGavelServe` runs unless told another checkout's. */
export const GAVEL_ENTRY = new URL("../cli/gavel.ts", import.meta.url).pathname;

/**
 * Starts `gavel serve` on a free port with a config file and a data dir, as the benchmarks run the exchange under
 * test: its log level `warn`, an admin key of its own, and DATABASE_URL and REDIS_URL removed from its environment so
 * it gets exactly the backends its config file names. Resolves with its base URL once it listens.
 */
export function startGavelServe(options: {
  name: string;
  configPath: string;
  dataDir: string;
  /** Another checkout's `src/cli/gavel.ts` (an A/B of two versions); this one's by default. */
  entry?: string;
  /** Node's own flags, before the entry (a CPU profile, a preload). */
  nodeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Generous by default: a loaded machine takes a while to compile, migrate a fresh database and start. */
  timeoutMs?: number;
}): Promise<ChildService<string>> {
  const { DATABASE_URL: _, REDIS_URL: __, ...inherited } = process.env;
  return startChildService({
    name: options.name,
    args: [
      ...(options.nodeArgs ?? []),
      options.entry ?? GAVEL_ENTRY,
      "serve",
      "--config",
      options.configPath,
      "--port",
      "0",
      "--data-dir",
      options.dataDir,
    ],
    env: {
      ...inherited,
      GAVEL_LOG_LEVEL: "warn",
      GAVEL_ADMIN_KEY: `bench-admin-${process.pid}`,
      ...options.env,
    },
    readyLine: (line) => /listening on (http:\/\/[^\s)]+)/.exec(line)?.[1],
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}
