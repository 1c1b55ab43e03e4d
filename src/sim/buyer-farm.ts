// The buyer farm: a separate process running one HTTP server per simulated buyer, plus a control server.
//
//   node src/sim/buyer-farm.ts '[{"name":"fast","bidRate":1,"price":[5,10],"latencyMs":5,"postAcceptRate":1}]'
//   GAVEL_BUYERS='[...]' node src/sim/buyer-farm.ts
//
// When every server listens it prints one line of JSON (FarmReadyLine) to stdout. It runs in its own process so
// that the buyers' work does not share an event loop with the exchange being measured. It exits on SIGTERM or
// SIGINT, when its stdin pipe closes, or when its parent dies, so a crashed test never leaves it behind.
// GAVEL_FARM_RECORD_LIMIT bounds the request log (default 10000; 0 turns recording off, as the benchmark does).
import type { AddressInfo } from "node:net";
import { type BuyerBehavior, behaviorProblem } from "./buyer-behavior.ts";
import type { BuyerUrls, FarmReadyLine } from "./buyer-farm-protocol.ts";
import { exitWithParent } from "./exit-with-parent.ts";
import { createControlServer } from "./farm-control-server.ts";
import { RequestLog } from "./request-log.ts";
import { closeServer, type SimulatedBuyer, startSimulatedBuyer } from "./simulated-buyer.ts";

const DEFAULT_RECORD_LIMIT = 10_000;

export interface RunningFarm {
  ready: FarmReadyLine;
  close(): Promise<void>;
}

/** Starts every buyer server and the control server in this process. */
export async function runBuyerFarm(
  behaviors: readonly BuyerBehavior[],
  recordLimit = DEFAULT_RECORD_LIMIT,
): Promise<RunningFarm> {
  const log = new RequestLog(recordLimit);
  const buyers = new Map<string, SimulatedBuyer>();
  for (const behavior of behaviors) buyers.set(behavior.name, await startSimulatedBuyer(behavior, log));

  const control = createControlServer(buyers, log);
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const { port } = control.address() as AddressInfo;

  const urls: Record<string, BuyerUrls> = {};
  for (const [name, buyer] of buyers) urls[name] = buyer.urls;
  return {
    ready: { ready: true, control: `http://127.0.0.1:${port}`, buyers: urls },
    async close() {
      await Promise.all([closeServer(control), ...[...buyers.values()].map((buyer) => buyer.close())]);
    },
  };
}

/** Reads and checks the behaviours from argv[2] or GAVEL_BUYERS. Throws with a message naming the problem. */
export function parseBehaviors(json: string | undefined): BuyerBehavior[] {
  if (!json) throw new Error("give the buyer behaviours as JSON in argv[2] or GAVEL_BUYERS");
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new Error("buyer behaviours must be a non-empty array");
  const names = new Set<string>();
  for (const behavior of parsed) {
    const problem = behaviorProblem(behavior);
    if (problem) throw new Error(problem);
    const { name } = behavior as BuyerBehavior;
    if (names.has(name)) throw new Error(`two buyers are named ${name}`);
    names.add(name);
  }
  return parsed as BuyerBehavior[];
}

async function main(): Promise<void> {
  const behaviors = parseBehaviors(process.argv[2] ?? process.env["GAVEL_BUYERS"]);
  const recordLimit = Number(process.env["GAVEL_FARM_RECORD_LIMIT"] ?? DEFAULT_RECORD_LIMIT);
  const farm = await runBuyerFarm(behaviors, recordLimit);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    farm.close().then(() => process.exit(0));
    // Never outlive a stop request because a socket refuses to close.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  exitWithParent(stop);

  process.stdout.write(JSON.stringify(farm.ready) + "\n");
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`buyer farm: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
