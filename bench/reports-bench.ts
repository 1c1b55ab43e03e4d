// Reports on a million leads: generates a month of traffic (1,000,000 leads with their pings and every campaign's
// outcomes) into each store, builds the report rollups from it, and times the reports an operator asks for.
//
//   npm run bench:reports                                  # both backends, 1,000,000 leads over 30 days
//   npm run bench:reports -- --backend sqlite --leads 200000
//   npm run bench:reports -- --database-url postgres://postgres@127.0.0.1:5432/test
//
// The raw rows are bulk-loaded (a million durable one-sale transactions would take the better part of an hour and
// measure the disk, not the reports); the rollups are then rebuilt from them with Store.rebuildReportRollups, which
// the store contract suite proves equal to the rollups the real writes keep. The reports run as the API runs them:
// parseReportRequest → Store.report → presentReport.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import pg from "pg";
import { parseReportRequest, presentReport, type ReportRequest } from "../src/reports/report.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../src/store/store.ts";

const { values: options } = parseArgs({
  options: {
    backend: { type: "string", default: "both" },
    leads: { type: "string", default: "1000000" },
    days: { type: "string", default: "30" },
    /** Keep the SQLite folder and the PostgreSQL schema (both printed) to explore the data afterwards. */
    keep: { type: "boolean", default: false },
    "database-url": {
      type: "string",
      default: process.env.GAVEL_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
  },
});
const LEADS = Number(options.leads);
const DAYS = Number(options.days);
const END = Date.parse("2026-11-01T00:00:00Z");
const START = END - DAYS * 86_400_000;
const SCHEMA = "gavel_reports_bench";

// The market: 20 sources with up to 3 sub-ids, 2 verticals with 8 campaigns each (10 buyers), 4 campaigns pinged per
// auction; 55% bid, 30% decline, 10% time out, 5% fail; 85% of auctions with a bid are posted; the winner accepts 85%
// of posts, else the runner-up is tried; a tenth of sold leads are shared with the runner-up.
const SOURCES = 20;
const CAMPAIGNS_PER_VERTICAL = 8;
const PINGED_PER_AUCTION = 4;
const VERTICALS = ["personal_injury", "auto_insurance"] as const;

interface Batch {
  pings: unknown[][];
  outcomes: unknown[][];
  leads: unknown[][];
}

/** Deterministic: the same data on every backend and every run. */
function* generate(batchAuctions: number): Generator<Batch> {
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n: number) => Math.floor(random() * n);
  // About 1.23 auctions per lead: spread them evenly over the range.
  const auctionsExpected = Math.ceil(LEADS * 1.23);
  let leads = 0;
  let auction = 0;
  let batch: Batch = { pings: [], outcomes: [], leads: [] };
  while (leads < LEADS) {
    auction++;
    const at = START + Math.floor(((auction % auctionsExpected) / auctionsExpected) * (END - START - 60_000));
    const source = pick(SOURCES);
    const subId = ["", "a", "b", "c"][pick(4)] || null;
    const vertical = VERTICALS[source % 2]!;
    const id = `a${auction}`;
    const first = pick(CAMPAIGNS_PER_VERTICAL);
    const answers: {
      campaign: string;
      buyer: string;
      reason: string;
      bid: number | null;
      latency: number;
    }[] = [];
    for (let k = 0; k < PINGED_PER_AUCTION; k++) {
      const index = (first + k) % CAMPAIGNS_PER_VERTICAL;
      const campaign = `${vertical}-${index}`;
      const buyer = `buyer-${(index + (source % 2) * CAMPAIGNS_PER_VERTICAL) % 10}`;
      const roll = random();
      const latency = Math.round(20 + random() ** 3 * 260);
      if (roll < 0.55) answers.push({ campaign, buyer, reason: "bid", bid: 500 + pick(8500), latency });
      else if (roll < 0.85) answers.push({ campaign, buyer, reason: "no_bid", bid: null, latency });
      else if (roll < 0.95) answers.push({ campaign, buyer, reason: "timeout", bid: null, latency: 300 });
      else answers.push({ campaign, buyer, reason: "buyer_error", bid: null, latency });
    }
    const ranked = answers.filter((a) => a.bid !== null).sort((a, b) => b.bid! - a.bid!);
    for (const [rank, answer] of ranked.entries()) answer.reason = rank === 0 ? "won" : "lost";
    const status = ranked.length > 0 ? "bid" : "no_bid";
    batch.pings.push([
      id,
      source,
      subId,
      vertical,
      at,
      status,
      ranked[0] ? Math.floor(ranked[0].bid! * 0.8) : 0,
    ]);
    for (const a of answers)
      batch.outcomes.push([id, "ping", a.campaign, a.buyer, a.reason, a.bid, a.latency, at]);
    if (ranked.length > 0 && random() < 0.85) {
      leads++;
      const postAt = at + 30_000;
      const [winner, runnerUp] = ranked;
      let buyers: { campaign: string; buyer: string; bid: number }[] = [];
      if (random() < 0.85) {
        buyers = [{ campaign: winner!.campaign, buyer: winner!.buyer, bid: winner!.bid! }];
        batch.outcomes.push([
          id,
          "post",
          winner!.campaign,
          winner!.buyer,
          "post_accepted",
          null,
          150,
          postAt,
        ]);
        if (runnerUp && runnerUp.buyer !== winner!.buyer && random() < 0.1) {
          buyers.push({ campaign: runnerUp.campaign, buyer: runnerUp.buyer, bid: runnerUp.bid! });
          batch.outcomes.push([
            id,
            "post",
            runnerUp.campaign,
            runnerUp.buyer,
            "post_accepted",
            null,
            150,
            postAt,
          ]);
        }
      } else {
        batch.outcomes.push([
          id,
          "post",
          winner!.campaign,
          winner!.buyer,
          "post_rejected",
          null,
          150,
          postAt,
        ]);
        if (runnerUp && random() < 0.6) {
          buyers = [{ campaign: runnerUp.campaign, buyer: runnerUp.buyer, bid: runnerUp.bid! }];
          batch.outcomes.push([
            id,
            "post",
            runnerUp.campaign,
            runnerUp.buyer,
            "post_accepted",
            null,
            150,
            postAt,
          ]);
        }
      }
      const [sale, ...shares] = buyers;
      const revenue = buyers.reduce((sum, b) => sum + b.bid, 0);
      batch.leads.push([
        `l${auction}`,
        id,
        source,
        subId,
        vertical,
        sale ? "sold" : "unsold",
        Math.floor(revenue * 0.8),
        sale?.bid ?? null,
        sale?.campaign ?? null,
        sale?.buyer ?? null,
        shares.length > 0
          ? JSON.stringify(
              shares.map((s) => ({ campaign_id: s.campaign, buyer_id: s.buyer, buyer_price_cents: s.bid })),
            )
          : null,
        postAt,
      ]);
    }
    if (batch.pings.length >= batchAuctions) {
      yield batch;
      batch = { pings: [], outcomes: [], leads: [] };
    }
  }
  yield batch;
}

function loadSqlite(path: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA synchronous = OFF");
  const ping = db.prepare(
    `INSERT INTO pings (id, kind, source_id, sub_id, vertical, test, created_at, expires_at, status, price_cents, lead,
       bids) VALUES (?, 'ping', ?, ?, ?, 0, ?, ?, ?, ?, '{}', '[]')`,
  );
  const outcome = db.prepare(
    `INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, at, seq)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
  );
  // The order written, part of an outcome's key (migration 29).
  let seq = 0;
  const lead = db.prepare(
    `INSERT INTO leads (id, auction_id, kind, source_id, sub_id, vertical, test, status, price_cents,
       buyer_price_cents, campaign_id, buyer_id, shares, created_at, lead, consent)
     VALUES (?, ?, 'ping', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, '{}', '{}')`,
  );
  for (const batch of generate(100_000)) {
    db.exec("BEGIN");
    for (const [id, source, subId, vertical, at, status, price] of batch.pings) {
      ping.run(
        id as string,
        `src-${source}`,
        subId as string,
        vertical as string,
        at as number,
        (at as number) + 60_000,
        status as string,
        price as number,
      );
    }
    for (const row of batch.outcomes) outcome.run(...(row as (string | number | null)[]), ++seq);
    for (const [id, auction, source, ...rest] of batch.leads) {
      lead.run(id as string, auction as string, `src-${source}`, ...(rest as (string | number | null)[]));
    }
    db.exec("COMMIT");
  }
  db.close();
}

async function loadPostgres(client: pg.Client): Promise<void> {
  for (const batch of generate(20_000)) {
    const column = (rows: unknown[][], i: number) => rows.map((row) => row[i]);
    await client.query(
      `INSERT INTO pings (id, kind, source_id, sub_id, vertical, test, created_at, expires_at, status, price_cents,
         lead, bids)
       SELECT id, 'ping', 'src-' || source, sub_id, vertical, false, at, at + 60000, status, price, '{}', '[]'
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::int[])
         AS p (id, source, sub_id, vertical, at, status, price)`,
      [0, 1, 2, 3, 4, 5, 6].map((i) => column(batch.pings, i)),
    );
    await client.query(
      `INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, at)
       SELECT a, ph, c, b, r, 0, bid, lat, at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[], $8::bigint[])
         AS o (a, ph, c, b, r, bid, lat, at)`,
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => column(batch.outcomes, i)),
    );
    await client.query(
      `INSERT INTO leads (id, auction_id, kind, source_id, sub_id, vertical, test, status, price_cents,
         buyer_price_cents, campaign_id, buyer_id, shares, created_at, lead, consent)
       SELECT id, a, 'ping', 'src-' || s, sub, v, false, st, price, bp, c, b, sh::jsonb, at, '{}', '{}'
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[],
         $9::text[], $10::text[], $11::text[], $12::bigint[]) AS l (id, a, s, sub, v, st, price, bp, c, b, sh, at)`,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => column(batch.leads, i)),
    );
  }
}

const day = (offset: number) => new Date(END - offset * 86_400_000).toISOString();
const MONTH = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
const REPORTS: [string, ReportRequest][] = [
  ["month, totals", MONTH],
  ["month by source", { ...MONTH, group_by: "source" }],
  ["month by source, sub-id", { ...MONTH, group_by: "source,sub_id" }],
  ["month by buyer (latency)", { ...MONTH, group_by: "buyer" }],
  [
    "month by campaign, day (New York)",
    { ...MONTH, group_by: "campaign,day", time_zone: "America/New_York" },
  ],
  ["month by source, sub-id, campaign", { ...MONTH, group_by: "source,sub_id,campaign" }],
  ["month by vertical, hour", { ...MONTH, group_by: "vertical,hour" }],
  // The heaviest: every source's hours (local days need them), then with the campaigns, then with sub-ids too (the
  // finest rows there are: every source × sub-id × campaign × hour).
  [
    "month by source, sub-id, day (New York)",
    { ...MONTH, group_by: "source,sub_id,day", time_zone: "America/New_York" },
  ],
  [
    "month by source, campaign, day (New York)",
    { ...MONTH, group_by: "source,campaign,day", time_zone: "America/New_York" },
  ],
  [
    "month by source, sub-id, campaign, day (NY)",
    { ...MONTH, group_by: "source,sub_id,campaign,day", time_zone: "America/New_York" },
  ],
  ["one day by buyer, hour", { from: day(1), to: day(0), group_by: "buyer,hour" }],
];

async function timeReports(store: Store): Promise<void> {
  for (const [name, request] of REPORTS) {
    const times: number[] = [];
    let groups = 0;
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const parsed = parseReportRequest(request);
      groups = presentReport(parsed, await store.report(parsed.query)).groups.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(44)} ${String(groups).padStart(6)} groups   best ${ms(times[0]!)}   median ${ms(times[2]!)}   ` +
        `worst ${ms(times[4]!)}`,
    );
  }
}

async function benchSqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gavel-reports-bench-"));
  try {
    const store = new SqliteStore(dir);
    await store.migrate();
    let started = performance.now();
    loadSqlite(join(dir, "gavel.db"));
    console.log(`SQLite: loaded in ${seconds(started)}; ${counts(new DatabaseSync(join(dir, "gavel.db")))}`);
    started = performance.now();
    await store.rebuildReportRollups();
    console.log(`  rollups rebuilt in ${seconds(started)}`);
    const db = new DatabaseSync(join(dir, "gavel.db"));
    console.log(
      `  ${(db.prepare("SELECT COUNT(*) AS n FROM report_rollup").get() as { n: number }).n} rollup rows`,
    );
    db.close();
    await timeReports(store);
    await store.close();
  } finally {
    if (options.keep) console.log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function counts(db: DatabaseSync): string {
  const count = (table: string) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const text = `${count("leads")} leads, ${count("pings")} pings, ${count("outcomes")} outcomes`;
  db.close();
  return text;
}

async function benchPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: options["database-url"] });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = new PostgresStore({ connectionString: options["database-url"]!, schema: SCHEMA });
  try {
    await store.migrate();
    await admin.query(`SET search_path = ${SCHEMA}`);
    let started = performance.now();
    await loadPostgres(admin);
    await admin.query("ANALYZE");
    const { rows } = await admin.query(
      "SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM pings) AS pings, (SELECT count(*) FROM outcomes) AS outcomes",
    );
    console.log(
      `PostgreSQL: loaded in ${seconds(started)}; ${rows[0].leads} leads, ${rows[0].pings} pings, ${rows[0].outcomes} outcomes`,
    );
    started = performance.now();
    await store.rebuildReportRollups();
    console.log(`  rollups rebuilt in ${seconds(started)}`);
    // What autovacuum does on its own after a large change; done here so the timings do not depend on its timing.
    await admin.query("VACUUM ANALYZE report_rollup");
    const rollups = await admin.query("SELECT count(*) AS n FROM report_rollup");
    console.log(`  ${rollups.rows[0].n} rollup rows`);
    await timeReports(store);
  } finally {
    await store.close();
    if (options.keep) console.log(`  kept schema ${SCHEMA}`);
    else await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.end();
  }
}

const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

console.log(
  `Reports bench: ${LEADS} leads over ${DAYS} days (${new Date(START).toISOString()} to ${new Date(END).toISOString()})`,
);
if (options.backend === "both" || options.backend === "sqlite") await benchSqlite();
if (options.backend === "both" || options.backend === "postgres") await benchPostgres();
