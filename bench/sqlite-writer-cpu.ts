// CPU of the SQLite writer thread's ping batches, in process: `SqlWrites.appendAuctionEvents` in one transaction with
// its `synchronous` switch, as src/store/sqlite/sqlite-writer-thread.ts runs it, on a connection with that thread's
// PRAGMAs (read from the checkout's source), for rules-5-like batches (one ping, five buyers' outcomes each).
//
//   node bench/sqlite-writer-cpu.ts [checkout] [--batches 300] [--warm 600] [--per 30]
//
// Prints CPU µs per ping (user and system) of the measured batches, after `warm` batches that grow the file first.
// Compare checkouts by alternating runs (the machine's load moves every figure).
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: "string", default: "300" },
    warm: { type: "string", default: "600" },
    per: { type: "string", default: "30" },
  },
});
const root = resolve(positionals[0] ?? ".");
const [batches, warm, per] = [values.batches, values.warm, values.per].map(Number) as [
  number,
  number,
  number,
];
const { openSqlite } = await import(`${root}/src/store/sqlite/open-sqlite.ts`);
const { applySqliteMigrations } = await import(`${root}/src/store/sqlite/migrations.ts`);
const { SqlWrites } = await import(`${root}/src/store/sql/sql-writes.ts`);
const { SQLITE } = await import(`${root}/src/store/sql/dialect.ts`);
const { SQLITE_CODEC } = await import(`${root}/src/store/record-rows.ts`);
const { inTransactionAsync, sqliteTx } = await import(`${root}/src/store/sqlite/sqlite-tx.ts`);
const { generateLead, pingPart } = await import(`${root}/src/sim/lead-generator.ts`);

const dir = mkdtempSync(join(tmpdir(), "gavel-writer-cpu-"));
const db = openSqlite(join(dir, "gavel.db"));
applySqliteMigrations(db);
const thread = readFileSync(`${root}/src/store/sqlite/sqlite-writer-thread.ts`, "utf8");
for (const [, pragma] of thread.matchAll(
  /db\.exec\("(PRAGMA (?:temp_store|wal_autocheckpoint|cache_size)[^"]*)"\)/g,
))
  db.exec(pragma!);
const writes = new SqlWrites(SQLITE, SQLITE_CODEC);
const tx = sqliteTx(db);

async function write(pings: unknown[], outcomes: unknown[]): Promise<void> {
  db.exec("PRAGMA synchronous = NORMAL");
  try {
    await inTransactionAsync(db, () => writes.appendAuctionEvents(tx, pings, outcomes));
  } finally {
    db.exec("PRAGMA synchronous = FULL");
  }
}

let now = Date.now();
function batch(): { pings: unknown[]; outcomes: unknown[] } {
  const pings: unknown[] = [];
  const outcomes: unknown[] = [];
  for (let i = 0; i < per; i++) {
    now += 2;
    const id = randomUUID();
    const bids = [];
    for (let b = 1; b <= 5; b++) {
      const cents = 1000 + Math.floor(Math.random() * 4000);
      const campaign = { campaign_id: `bench-buyer-${b}-rt`, buyer_id: `bench-buyer-${b}` };
      bids.push({
        ...campaign,
        bid_cents: cents,
        source_price_cents: Math.floor(cents * 0.8),
        bid_id: randomUUID(),
        expires_at: now + 60_000,
      });
      const reason = b === 1 ? "won" : "lost";
      outcomes.push({
        auction_id: id,
        phase: "ping",
        at: now,
        ...campaign,
        reason,
        bid_cents: cents,
        latency_ms: Math.random() * 3,
      });
    }
    const lead = pingPart("personal_injury", generateLead("personal_injury"));
    pings.push({
      id,
      kind: "ping",
      source_id: "bench-source",
      vertical: "personal_injury",
      lead,
      test: false,
      created_at: now,
      expires_at: now + 60_000,
      status: "bid",
      price_cents: 1200,
      bids,
      quality: { score: 100, issues: [] },
    });
  }
  return { pings, outcomes };
}

for (let i = 0; i < warm; i++) {
  const { pings, outcomes } = batch();
  await write(pings, outcomes);
}
const measured = Array.from({ length: batches }, batch);
const before = process.cpuUsage();
for (const { pings, outcomes } of measured) await write(pings, outcomes);
const cpu = process.cpuUsage(before);
const count = batches * per;
const perPing = (us: number) => Number((us / count).toFixed(1));
console.log(
  JSON.stringify({
    root,
    usPerPing: perPing(cpu.user + cpu.system),
    user: perPing(cpu.user),
    system: perPing(cpu.system),
  }),
);
db.close();
rmSync(dir, { recursive: true });
