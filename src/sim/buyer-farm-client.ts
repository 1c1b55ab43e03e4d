// Starts the buyer farm as a child process and talks to its control API: what tests, the demo and the benchmark use.
// Tests whose buyers need no process of their own may start it in the caller's process (`inProcess`): the same HTTP
// servers and control API, without a second Node process to start (about 1 s of CPU per test file).
import type { BuyerBehavior } from "./buyer-behavior.ts";
import type { BuyerStats, BuyerUrls, FarmReadyLine, RecordedRequest } from "./buyer-farm-protocol.ts";
import { startChildService } from "./child-service.ts";

export type { BuyerStats, BuyerUrls, RecordedRequest } from "./buyer-farm-protocol.ts";

export interface BuyerFarm {
  /** Base URL of the control API. */
  control: string;
  /** Each buyer's ping and post URLs, by buyer name. */
  buyers: Record<string, BuyerUrls>;
  /** Every request the buyers received (the most recent ones, up to the farm's record limit). */
  requests(): Promise<RecordedRequest[]>;
  clearRequests(): Promise<void>;
  /** Replaces the behaviour of the buyer named `behavior.name`. */
  setBehavior(behavior: BuyerBehavior): Promise<void>;
  /** Counters per buyer name. */
  stats(): Promise<Record<string, BuyerStats>>;
  /** Stops the farm process and waits for it to exit. */
  stop(): Promise<void>;
  /** The process the buyers answer in (this one when `inProcess`), for the benchmark's meters. */
  pid: number | undefined;
}

export interface BuyerFarmOptions {
  /** How long to wait for the farm's ready line (default 10 s). */
  readyTimeoutMs?: number;
  /** How many requests the farm keeps (default 10000; 0 turns recording off, for load tests). */
  recordLimit?: number;
  /**
   * Runs the buyers' servers in this process instead of a child process. The buyers then share this event loop, so
   * leave it off where that would matter: load measurements (the demo, the benchmark), buyers that must answer on time
   * while the caller is busy, hostile buyers streaming large bodies.
   */
  inProcess?: boolean;
}

const FARM_ENTRY = new URL("./buyer-farm.ts", import.meta.url).pathname;

export async function startBuyerFarm(
  behaviors: BuyerBehavior[],
  options: BuyerFarmOptions = {},
): Promise<BuyerFarm> {
  if (options.inProcess) return startInProcessFarm(behaviors, options);
  const env: NodeJS.ProcessEnv = { ...process.env, GAVEL_BUYERS: JSON.stringify(behaviors) };
  if (options.recordLimit !== undefined) env["GAVEL_FARM_RECORD_LIMIT"] = String(options.recordLimit);
  const service = await startChildService({
    name: "buyer farm",
    args: [FARM_ENTRY],
    env,
    readyLine: parseReadyLine,
    ...(options.readyTimeoutMs !== undefined && { timeoutMs: options.readyTimeoutMs }),
  });
  return farmClient(service.ready, service.stop, service.child.pid);
}

async function startInProcessFarm(behaviors: BuyerBehavior[], options: BuyerFarmOptions): Promise<BuyerFarm> {
  // Loaded only here, so that the demo and the benchmark do not load the buyers' modules they run in a child.
  const { parseBehaviors, runBuyerFarm } = await import("./buyer-farm.ts");
  // The same checks (and messages) as the child process applies to GAVEL_BUYERS.
  const checked = parseBehaviors(JSON.stringify(behaviors));
  const farm = await runBuyerFarm(
    checked,
    ...(options.recordLimit !== undefined ? [options.recordLimit] : []),
  );
  let stopped: Promise<void> | undefined;
  return farmClient(
    farm.ready,
    () => {
      stopped ??= farm.close();
      return stopped;
    },
    process.pid,
  );
}

function farmClient(ready: FarmReadyLine, stop: () => Promise<void>, pid: number | undefined): BuyerFarm {
  const { control, buyers } = ready;
  return {
    control,
    buyers,
    requests: async () => (await controlCall(control, "GET", "/requests")) as RecordedRequest[],
    clearRequests: async () => {
      await controlCall(control, "DELETE", "/requests");
    },
    setBehavior: async (behavior) => {
      await controlCall(control, "PUT", `/buyers/${encodeURIComponent(behavior.name)}`, behavior);
    },
    stats: async () => (await controlCall(control, "GET", "/stats")) as Record<string, BuyerStats>,
    stop,
    pid,
  };
}

function parseReadyLine(line: string): FarmReadyLine | undefined {
  try {
    const parsed = JSON.parse(line) as FarmReadyLine;
    return parsed.ready === true ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function controlCall(control: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(control + path, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  });
  const answer: unknown = await response.json();
  if (!response.ok) {
    throw new Error(`buyer farm ${method} ${path}: HTTP ${response.status} ${JSON.stringify(answer)}`);
  }
  return answer;
}
