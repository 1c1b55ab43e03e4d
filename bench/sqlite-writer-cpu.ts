// CPU of the SQLite writer thread's ping batches, in process: `SqlWrites.appendAuctionEvents` in one transaction with
// its `synchronous` switch, as src/store/sqlite/sqlite-writer-thread.ts runs it, on a connection with that thread's
// PRAGMAs (read from the checkout's source), for rules-5-like batches (one ping, five buyers' outcomes each).
//
//   node bench/sqlite-writer-cpu.ts [checkout] [--batches 300] [--warm 600] [--per 30] [--ids v4|v7] [--wal-batches 100]
//
// Prints CPU µs per ping (user and system) of the measured batches, after `warm` batches that grow the file first, and
// the bytes the process wrote per ping meanwhile (`wchar` of /proc/self/io: WAL frames and checkpoints). Then, with
// the WAL emptied and no checkpoint, `wal-batches` more: the WAL pages (frames) one ping adds. Auction ids: random
// (`v4`, `crypto.randomUUID`) or time-ordered (`v7`, src/engine/time-ordered-ids.ts); by default what the checkout's
// exchange issues. Compare checkouts (or `--ids`) by alternating runs (the machine's load moves every figure).
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: "string", default: "300" },
    warm: { type: "string", default: "600" },
    per: { type: "string", default: "30" },
    ids: { type: "string" },
    "wal-batches": { type: "string", default: "100" },
  },
});
const root = resolve(positionals[0] ?? ".");
const [batches, warm, per, walBatches] = [values.batches, values.warm, values.per, values["wal-batches"]].map(
  Number,
) as [number, number, number, number];
const timeOrdered = `${root}/src/engine/time-ordered-ids.ts`;
const ids = values.ids ?? (existsSync(timeOrdered) ? "v7" : "v4");
if (ids !== "v4" && ids !== "v7") throw new Error("--ids is v4 or v7");
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
// The generator from this bench's own checkout when the one measured has none (it depends on nothing else).
const { TimeOrderedIds } = await import(
  existsSync(timeOrdered) ? timeOrdered : "../src/engine/time-ordered-ids.ts"
);
// On the bench's clock: a ping every 2 ms.
const v7 = new TimeOrderedIds({ clock: () => now });
const nextId: () => string = ids === "v7" ? () => v7.next() : randomUUID;

/** Bytes this process has passed to write(2) and its kin so far. */
const bytesWritten = (): number => Number(/^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))![1]);

function batch(): { pings: unknown[]; outcomes: unknown[] } {
  const pings: unknown[] = [];
  const outcomes: unknown[] = [];
  for (let i = 0; i < per; i++) {
    now += 2;
    const id = nextId();
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
const wroteBefore = bytesWritten();
const before = process.cpuUsage();
for (const { pings, outcomes } of measured) await write(pings, outcomes);
const cpu = process.cpuUsage(before);
const wrote = bytesWritten() - wroteBefore;
const count = batches * per;
const perPing = (us: number) => Number((us / count).toFixed(1));

// WAL frames per ping: from an empty WAL, with no checkpoint to reset it, its length counts every frame written.
const walLimit = db.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number };
db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
db.exec("PRAGMA wal_autocheckpoint = 0");
for (let i = 0; i < walBatches; i++) {
  const { pings, outcomes } = batch();
  await write(pings, outcomes);
}
const { page_size: pageSize } = db.prepare("PRAGMA page_size").get() as { page_size: number };
const frames = (statSync(join(dir, "gavel.db-wal")).size - 32) / (pageSize + 24);
db.exec(`PRAGMA wal_autocheckpoint = ${walLimit.wal_autocheckpoint}`);
console.log(
  JSON.stringify({
    root,
    ids,
    usPerPing: perPing(cpu.user + cpu.system),
    user: perPing(cpu.user),
    system: perPing(cpu.system),
    bytesWrittenPerPing: Math.round(wrote / count),
    walPagesPerPing: Number((frames / (walBatches * per)).toFixed(2)),
  }),
);
db.close();
rmSync(dir, { recursive: true });
