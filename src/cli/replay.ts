// gavel replay: the recorded auctions of a period decided again under a candidate configuration, no buyer called.
//
//   gavel replay --from 2026-11-30 --to 2026-12-07 --config candidate.json [--data-dir ./data] [--json]
//
// The candidate file has the configuration file's shape and is applied on top of the stored configuration, as
// `gavel serve --config` would apply it, but nothing is stored. PostgreSQL when DATABASE_URL is set.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadPiiKeyRing } from "../compliance/privacy/pii-cipher.ts";
import { previewSnapshot } from "../engine/config-service.ts";
import { replayPeriod } from "../replay/replay.ts";
import { formatReplaySummary, replaySummary } from "../replay/replay-report.ts";
import { chooseStorage } from "../storage-choice.ts";
import { postgresAuctionHistory, sqliteAuctionHistory } from "../store/auction-history.ts";
import { PostgresStore } from "../store/postgres/postgres-store.ts";
import { SqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";
import { loadConfigFile } from "./config-file.ts";
import { REPLAY_USAGE } from "./sim-usage.ts";

export async function runReplay(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      config: { type: "string" },
      "data-dir": { type: "string", default: process.env.GAVEL_DATA_DIR ?? "./data" },
      json: { type: "boolean", default: false },
    },
  });
  if (!values.from || !values.to || !values.config) throw new Error(`usage: ${REPLAY_USAGE}`);
  const period = { from: instant(values.from, "--from"), to: instant(values.to, "--to") };
  if (period.to <= period.from) throw new Error("--to must be after --from");
  const candidateFile = loadConfigFile(values.config);
  const choice = chooseStorage({});
  const store: Store = choice.databaseUrl
    ? new PostgresStore({
        connectionString: choice.databaseUrl,
        ...(choice.databaseSchema ? { schema: choice.databaseSchema } : {}),
      })
    : new SqliteStore(values["data-dir"], { piiKeys: loadPiiKeyRing() });
  let stored: Awaited<ReturnType<Store["loadConfig"]>>;
  try {
    stored = await store.loadConfig();
  } finally {
    await store.close();
  }
  const current = previewSnapshot(stored, undefined);
  const candidate = previewSnapshot(stored, candidateFile);
  const started = performance.now();
  const history = choice.databaseUrl
    ? postgresAuctionHistory(
        choice.databaseUrl,
        period,
        choice.databaseSchema ? { schema: choice.databaseSchema } : {},
      )
    : sqliteAuctionHistory(join(values["data-dir"], "gavel.db"), period);
  const summary = replaySummary(await replayPeriod(history, current, candidate));
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ ...summary, seconds }, null, 2));
    return;
  }
  console.log(
    `gavel replay: ${summary.recorded.auctions} auctions from ${new Date(period.from).toISOString()} to ` +
      `${new Date(period.to).toISOString()} in ${seconds.toFixed(1)} s\n`,
  );
  console.log(formatReplaySummary(summary));
}

/** A date (midnight UTC) or a date and time, as epoch ms. */
function instant(text: string, flag: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms))
    throw new Error(`${flag} must be a date (2026-12-01) or a time (2026-12-01T09:00:00Z)`);
  return ms;
}
