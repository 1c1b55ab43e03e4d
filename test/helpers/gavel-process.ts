// The exchange as a real child process, started through the CLI (`gavel serve`): for tests of what survives a restart.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

const CLI = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;
const LISTENING = /gavel listening on (http:\/\/\S+)/;
const OUTPUT_TAIL_CHARS = 4000;
/**
 * How long `gavel serve` may take to listen. It starts in about 2 s on a quiet machine; with files running two at a
 * time beside other work it took over 15 s (load 20 on two cores), and a start that is only slow is not the failure a
 * test looks for. A process that exits, or never listens, still fails clearly.
 */
export const READY_TIMEOUT_MS = 60_000;

export interface GavelProcess {
  url: string;
  pid: number;
  /** Sends the signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few thousand characters of stdout and stderr, for diagnostics. */
  output(): string;
}

/**
 * Starts `gavel serve` on the config file and data folder; the backend is whatever the file's `storage` names (see
 * test-backend.ts): DATABASE_URL and REDIS_URL are kept out of its environment so they cannot override it.
 */
export async function startGavelProcess(options: {
  configPath: string;
  dataDir: string;
  adminKey: string;
  readyTimeoutMs?: number;
}): Promise<GavelProcess> {
  const args = [CLI, "serve", "--config", options.configPath, "--port", "0", "--data-dir", options.dataDir];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...serviceFreeEnv(), GAVEL_ADMIN_KEY: options.adminKey, GAVEL_LOG_LEVEL: "warn" },
  });
  let output = "";
  const keep = (text: string) => {
    output = (output + text).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stderr?.setEncoding("utf8").on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await waitForUrl(child, options.readyTimeoutMs ?? READY_TIMEOUT_MS, keep, () => output);
  return {
    url,
    pid: child.pid!,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const result = await exited;
      clearTimeout(killer);
      return result;
    },
    output: () => output,
  };
}

function serviceFreeEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...env } = process.env;
  return env;
}

/** Resolves with the URL a `gavel serve` child prints once listening; rejects if it exits first or takes too long. */
export function waitForUrl(
  child: ChildProcess,
  timeoutMs: number,
  keep: (text: string) => void,
  output: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let found = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gavel not listening after ${timeoutMs} ms; output:\n${output()}`));
    }, timeoutMs);
    lines.on("line", (line) => {
      keep(`${line}\n`);
      const match = found ? null : LISTENING.exec(line);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!found)
        reject(
          new Error(`gavel exited (${signal ?? `code ${code}`}) before listening; output:\n${output()}`),
        );
    });
  });
}
