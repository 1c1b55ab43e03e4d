// How long gavel replay takes over a million recorded leads (issue 15's goal: under a minute). Builds an embedded
// store holding a day of recorded auctions (1M pings by default, four campaigns each answering, 60% posted, some
// fallbacks), then replays it under a candidate with a higher floor and prints the time of the replay alone.
//
//   node bench/replay-million.ts [--auctions 1000000] [--keep /dev/shm/gavel-replay-bench]
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import type { ConfigFile } from "../src/domain/config-schema.ts";
import { REASONS } from "../src/domain/outcomes.ts";
import { previewSnapshot } from "../src/engine/config-service.ts";
import { replayPeriod } from "../src/replay/replay.ts";
import { replaySummary } from "../src/replay/replay-report.ts";
import { generateLead, pingPart } from "../src/sim/lead-generator.ts";
import { seededRandom } from "../src/sim/random.ts";
import { sqliteAuctionHistory } from "../src/store/auction-history.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";

const { values } = parseArgs({
  options: { auctions: { type: "string", default: "1000000" }, keep: { type: "string" } },
});
const auctions = Number(values.auctions);
const dataDir =
  values.keep ?? mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "gavel-replay-bench-"));
const START = Date.UTC(2026, 10, 30);
const BUYERS = ["alpha", "beta", "gamma", "delta"];
const CONFIG: ConfigFile = {
  sources: [
    {
      id: "src",
      name: "src",
      status: "live",
      payout: { model: "revenue_share", percent: 80 },
      api_key_sha256: "0".repeat(64),
    },
  ],
  buyers: BUYERS.map((id) => ({ id, name: id, status: "active" as const })),
  campaigns: BUYERS.map((id) => ({
    id,
    buyer_id: id,
    vertical: "personal_injury",
    name: id,
    status: "active" as const,
    filters: [],
    pricing: { type: "realtime" as const },
    ping: { url: `http://${id}.invalid/ping`, timeout_ms: 300 },
    post: { url: `http://${id}.invalid/post`, timeout_ms: 1000 },
  })),
};

const store = new SqliteStore(dataDir);
await store.migrate();
for (const buyer of CONFIG.buyers!) await store.putConfig("buyer", buyer);
for (const source of CONFIG.sources!) await store.putConfig("source", source);
for (const campaign of CONFIG.campaigns!) await store.putConfig("campaign", campaign);
const stored = await store.loadConfig();
await store.close();

const dbPath = join(dataDir, "gavel.db");
if (!values.keep || !existsSync(join(dataDir, ".filled"))) {
  const built = performance.now();
  const db = new DatabaseSync(dbPath);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
  const random = seededRandom(15);
  const leads = Array.from({ length: 64 }, () =>
    JSON.stringify(pingPart("personal_injury", generateLead("personal_injury", random).lead)),
  );
  const ping = db.prepare(
    "INSERT INTO pings (id, kind, source_id, vertical, test, created_at, expires_at, status, price_cents, lead, bids) VALUES (?, 'ping', 'src', 'personal_injury', 0, ?, ?, ?, ?, ?, '[]')",
  );
  const outcome = db.prepare(
    "INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  // The order written, part of an outcome's key (migration 29).
  let seq = 0;
  const lead = db.prepare(
    "INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents, buyer_price_cents, campaign_id, buyer_id, lead, consent, created_at) VALUES (?, ?, 'ping', 'src', 'personal_injury', 0, ?, ?, ?, ?, ?, '{}', '{}', ?)",
  );
  db.exec("BEGIN");
  for (let i = 0; i < auctions; i++) {
    const id = randomUUID();
    const at = START + Math.floor((i * 86_400_000) / auctions);
    const bids = BUYERS.map((buyer) => ({
      buyer,
      cents: random() < 0.7 ? 1000 + Math.floor(random() * 5000) : undefined,
    }))
      .filter((bid) => bid.cents !== undefined)
      .sort((a, b) => b.cents! - a.cents!);
    const winner = bids[0];
    const quote = winner ? Math.floor((winner.cents! * 80) / 100) : 0;
    ping.run(id, at, at + 120_000, winner ? "bid" : "no_bid", quote, leads[i % leads.length]!);
    for (const buyer of BUYERS) {
      const bid = bids.find((b) => b.buyer === buyer);
      const reason = !bid ? "no_bid" : bid === winner ? "won" : "lost";
      outcome.run(id, "ping", buyer, buyer, reason, REASONS[reason].code, bid?.cents ?? null, at, ++seq);
    }
    if (!winner || random() >= 0.6) continue;
    const accepted = random() >= 0.05;
    outcome.run(
      id,
      "post",
      winner.buyer,
      winner.buyer,
      accepted ? "post_accepted" : "post_rejected",
      accepted ? 3 : 400,
      winner.cents!,
      at + 400,
      ++seq,
    );
    lead.run(
      randomUUID(),
      id,
      accepted ? "sold" : "unsold",
      accepted ? quote : 0,
      accepted ? winner.cents! : null,
      accepted ? winner.buyer : null,
      accepted ? winner.buyer : null,
      at + 400,
    );
    if (i % 100_000 === 0 && i > 0) {
      db.exec("COMMIT");
      db.exec("BEGIN");
    }
  }
  db.exec("COMMIT");
  db.close();
  if (values.keep) (await import("node:fs")).writeFileSync(join(dataDir, ".filled"), "");
  console.log(`built ${auctions} recorded auctions in ${((performance.now() - built) / 1000).toFixed(1)} s`);
}

const candidate = previewSnapshot(stored, { sources: [{ ...CONFIG.sources![0]!, floor: 30 }] });
const started = performance.now();
const cpuBefore = process.cpuUsage();
const summary = replaySummary(
  await replayPeriod(
    sqliteAuctionHistory(dbPath, { from: START, to: START + 86_400_000 }),
    previewSnapshot(stored, undefined),
    candidate,
  ),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `replayed ${summary.recorded.auctions} auctions (${summary.recorded.posted} posted leads) in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s of CPU): ` +
    `${Math.round(summary.recorded.auctions / seconds)} auctions/s; candidate sells ${summary.delta.sold} leads, ` +
    `margin ${summary.delta.margin >= 0 ? "+" : ""}${summary.delta.margin.toFixed(2)}`,
);
if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
