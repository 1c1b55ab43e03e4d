// gavel bid: runs the buyer's bidder (src/bidder/) until SIGINT or SIGTERM.
import { parseArgs } from "node:util";
import { loadBidderConfig } from "../bidder/bidder-config.ts";
import { EXCHANGE_PATHS } from "../bidder/bidder-server.ts";
import { startBidder } from "../bidder/start-bidder.ts";

export async function runBidCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", default: process.env.GAVEL_BIDDER_CONFIG ?? "bidder.config.json" },
      port: { type: "string", default: process.env.PORT ?? "8090" },
      host: { type: "string", default: process.env.HOST ?? "127.0.0.1" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./bidder-data" },
    },
  });
  const config = loadBidderConfig(values.config);
  const running = await startBidder({
    config,
    dataDir: values["data-dir"],
    port: Number(values.port),
    host: values.host,
    ...(process.env.GAVEL_BIDDER_ADMIN_KEY ? { adminKey: process.env.GAVEL_BIDDER_ADMIN_KEY } : {}),
  });
  console.log(`gavel bidder listening on ${running.url} (status: ${running.url}/status)`);
  for (const exchange of config.exchanges) {
    const paths = EXCHANGE_PATHS[exchange.protocol];
    console.log(
      `  ${exchange.id} (${exchange.protocol}): ${paths.map((p) => `${running.url}/bid/${exchange.id}/${p}`).join("  ")}`,
    );
  }
  if (running.generatedAdminKey)
    console.log(`admin key for this run (set GAVEL_BIDDER_ADMIN_KEY to choose one): ${running.adminKey}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}
