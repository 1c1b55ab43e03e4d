#!/usr/bin/env node
// gavel serve | migrate | user | demo | bench | bid
import { parseArgs } from "node:util";
import { startGavel } from "../app.ts";
import { loadPiiKeyRing } from "../compliance/privacy/pii-cipher.ts";
import { chooseStorage, describeStore } from "../storage-choice.ts";
import { migratePostgres } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import { loadConfigFile, loadConsoleUsers } from "./config-file.ts";
import { KEYS_USAGE } from "./keys-usage.ts";
import { REPLAY_USAGE, SIMULATE_USAGE } from "./sim-usage.ts";
import { USER_USAGE } from "./user-command.ts";

const USAGE = `Usage:
  gavel serve [--config gavel.config.json] [--port 8080] [--host 127.0.0.1] [--data-dir ./data]
  gavel migrate [--config gavel.config.json] [--data-dir ./data]   (PostgreSQL when DATABASE_URL is set and not empty)
  ${USER_USAGE}
  ${KEYS_USAGE}
  gavel demo  [--duration <seconds>]
  ${SIMULATE_USAGE}
  ${REPLAY_USAGE}
  gavel bid   --config bidder.config.json [--port 8090] [--host 127.0.0.1] [--data-dir ./bidder-data]
              (the buyer's side: answers pings from exchanges; see docs/bidder.md)
  gavel bench [--mode embedded|distributed|both] [--market simple|rules] [--duration <seconds>] [--buyers 5]
              [--concurrency 64]
              [--database-url postgres://...] [--redis-url redis://...]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "migrate":
      return migrate(rest);
    case "user": {
      const { runUserCommand } = await import("./user-command.ts");
      return runUserCommand(rest);
    }
    case "keys": {
      const { runKeysCommand } = await import("./keys-command.ts");
      return runKeysCommand(rest);
    }
    case "demo": {
      const { runDemo } = await import("./demo.ts");
      return runDemo(rest);
    }
    case "simulate": {
      const { runSimulate } = await import("./simulate.ts");
      return runSimulate(rest);
    }
    case "replay": {
      const { runReplay } = await import("./replay.ts");
      return runReplay(rest);
    }
    case "bid": {
      const { runBidCommand } = await import("./bid-command.ts");
      return runBidCommand(rest);
    }
    case "bench": {
      const { runBench } = await import("./bench.ts");
      return runBench(rest);
    }
    default:
      console.log(USAGE);
      process.exitCode = command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}

/** After the shutdown grace period, the time left to write buffered events and close the store before exiting anyway. */
const STORE_CLOSE_MARGIN_MS = 15_000;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      port: { type: "string", default: process.env.PORT ?? "8080" },
      host: { type: "string", default: process.env.HOST ?? "127.0.0.1" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./data" },
    },
  });
  const config = values.config ? loadConfigFile(values.config) : undefined;
  const consoleUsers = values.config ? loadConsoleUsers(values.config) : [];
  const gavel = await startGavel({
    consoleUsers,
    dataDir: values["data-dir"],
    port: Number(values.port),
    host: values.host,
    ...(config ? { config } : {}),
  });
  console.log(`gavel listening on ${gavel.url} (console: ${gavel.url}/console, docs: ${gavel.url}/docs)`);
  console.log(`gavel state: ${gavel.backends}`);
  if (gavel.generatedAdminKey) {
    console.log(`admin key for this run (set GAVEL_ADMIN_KEY to choose one): ${gavel.generatedAdminKey}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`gavel: ${signal}, finishing in-flight requests (at most ${gavel.shutdownGraceMs} ms)`);
    // Past the grace period close() drops the connections still open; should writing down what is buffered then
    // hang too (a store that stopped answering), the process still ends.
    setTimeout(() => {
      console.error("gavel: shutdown did not finish in time; exiting");
      process.exit(1);
    }, gavel.shutdownGraceMs + STORE_CLOSE_MARGIN_MS).unref();
    await gavel.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** Brings the database schema up to date and exits: for deployments that migrate before rolling out instances. */
async function migrate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./data" },
    },
  });
  const storage = values.config ? loadConfigFile(values.config).storage : undefined;
  const choice = chooseStorage({ storage });
  for (const name of choice.ignoredVariables)
    console.warn(`gavel migrate: ${name} is set but empty: ignored`);
  const where = describeStore(choice, values["data-dir"]);
  if (choice.databaseUrl) {
    const applied = await migratePostgres(
      choice.databaseUrl,
      choice.databaseSchema ? { schema: choice.databaseSchema } : {},
    );
    console.log(`gavel migrate: ${where} up to date (${applied} migration(s) applied)`);
    return;
  }
  const store = new SqliteStore(values["data-dir"], { piiKeys: loadPiiKeyRing() });
  try {
    await store.migrate();
    console.log(`gavel migrate: ${where} up to date`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`gavel: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
