// The operator's lead table on a million leads: times the first page and a deep page of every order the admin API
// offers (created, source paid, buyer paid; each way), with and without a status filter, as Store.listLeads runs them.
//
//   node bench/leads-sort-bench.ts                         # SQLite, 1,000,000 leads
//   node bench/leads-sort-bench.ts --backend postgres --leads 200000
//
// The leads are bulk-loaded straight into the migrated tables (as bench/reports-bench.ts does: a million durable
// one-sale transactions would measure the disk); only the leads table matters here, so no pings or outcomes. A deep
// page is reached the way the console reaches it: the cursor is the last lead id of the page before, taken here from
// the lead at that depth of the order.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { LEAD_SORTS, type LeadQuery, SORT_DIRECTIONS, type Store } from "../src/store/store.ts";

const { values: options } = parseArgs({
  options: {
    backend: { type: "string", default: "sqlite" },
    leads: { type: "string", default: "1000000" },
    /** Share of leads sold (the rest have no buyer price and a source payout of 0). */
    sold: { type: "string", default: "0.6" },
    "database-url": {
      type: "string",
      default: process.env.GAVEL_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
  },
});
const LEADS = Number(options.leads);
const SOLD = Number(options.sold);
const PAGE = 25;
const END = Date.parse("2026-11-01T00:00:00Z");
const START = END - 30 * 86_400_000;
const SCHEMA = "gavel_leads_sort_bench";

type LeadRow = [string, string, string, number, number | null, string | null, number];

/** Deterministic batches of leads: 20 sources, prices in whole dollars (many ties), a few leads per millisecond. */
function* generate(batchSize: number): Generator<LeadRow[]> {
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let batch: LeadRow[] = [];
  for (let n = 0; n < LEADS; n++) {
    const sold = random() < SOLD;
    const buyerPrice = sold ? (5 + Math.floor(random() * 90)) * 100 : null;
    batch.push([
      `l${n}`,
      `src-${Math.floor(random() * 20)}`,
      sold ? "sold" : "unsold",
      buyerPrice === null ? 0 : Math.floor(buyerPrice * 0.8),
      buyerPrice,
      sold ? `buyer-${Math.floor(random() * 10)}` : null,
      START + Math.floor((n / LEADS) * (END - START)),
    ]);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function loadSqlite(path: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA synchronous = OFF");
  const insert = db.prepare(
    `INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents, buyer_price_cents,
       buyer_id, created_at, lead, consent)
     VALUES (?1, 'a' || ?1, 'direct', ?2, 'personal_injury', 0, ?3, ?4, ?5, ?6, ?7, '{}', '{}')`,
  );
  for (const batch of generate(100_000)) {
    db.exec("BEGIN");
    for (const row of batch) insert.run(...row);
    db.exec("COMMIT");
  }
  db.exec("ANALYZE");
  db.close();
}

async function loadPostgres(client: pg.Client): Promise<void> {
  for (const batch of generate(20_000)) {
    await client.query(
      `INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents, buyer_price_cents,
         buyer_id, created_at, lead, consent)
       SELECT id, 'a' || id, 'direct', s, 'personal_injury', false, st, p, bp, b, at, '{}', '{}'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::bigint[])
         AS l (id, s, st, p, bp, b, at)`,
      [0, 1, 2, 3, 4, 5, 6].map((i) => batch.map((row) => row[i])),
    );
  }
  await client.query("VACUUM ANALYZE leads");
}

const QUERIES: [string, Omit<LeadQuery, "limit">][] = [];
for (const sort of LEAD_SORTS)
  for (const direction of SORT_DIRECTIONS)
    for (const status of [undefined, "sold", "unsold"] as const)
      QUERIES.push([
        `${sort} ${direction}${status ? `, ${status}` : ""}`,
        { sort, direction, ...(status ? { status } : {}) },
      ]);
// One source of 20, as the source portal (newest first) and the operator's source filter ask.
for (const sort of LEAD_SORTS)
  QUERIES.push([`${sort} desc, src-7`, { sort, direction: "desc", source_id: "src-7" }]);

/** Best and median of 5 runs of one page, in ms. */
async function time(store: Store, query: LeadQuery): Promise<[number, number, number]> {
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    rows = (await store.listLeads(query)).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return [times[0]!, times[2]!, rows];
}

async function timeOrders(
  store: Store,
  cursorAt: (query: Omit<LeadQuery, "limit">, depth: number) => Promise<string | undefined>,
  count: (query: Omit<LeadQuery, "limit">) => Promise<number>,
): Promise<void> {
  console.log(
    `  ${"order, filter".padEnd(26)} ${"first page".padStart(26)}   ${"a page half way".padStart(26)}`,
  );
  for (const [name, query] of QUERIES) {
    const [firstBest, firstMedian] = await time(store, { ...query, limit: PAGE });
    // Half way through the leads the filter keeps: 20,000 pages of 25 in, unfiltered.
    const before = await cursorAt(query, Math.floor((await count(query)) / 2) - 1);
    const [deepBest, deepMedian, deepRows] = await time(store, { ...query, limit: PAGE, before: before! });
    console.log(
      `  ${name.padEnd(26)} ${ms(firstBest)} (median ${ms(firstMedian)})   ${ms(deepBest)} (median ${ms(deepMedian)})` +
        `${deepRows === PAGE ? "" : `  [${deepRows} rows]`}`,
    );
  }
}

function filterSql(query: Omit<LeadQuery, "limit">): string {
  const terms = [
    ...(query.status ? [`status = '${query.status}'`] : []),
    ...(query.source_id ? [`source_id = '${query.source_id}'`] : []),
  ];
  return terms.length ? `WHERE ${terms.join(" AND ")}` : "";
}

/** Each order's expression, as the stores spell it: here only to find the lead at a depth with OFFSET. */
const KEYS = {
  created_at: "created_at",
  price: "price_cents",
  buyer_price: "COALESCE(buyer_price_cents, -1)",
};

async function benchSqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gavel-leads-sort-bench-"));
  try {
    const store = new SqliteStore(dir);
    await store.migrate();
    const started = performance.now();
    loadSqlite(join(dir, "gavel.db"));
    const db = new DatabaseSync(join(dir, "gavel.db"));
    console.log(`SQLite: ${LEADS} leads (${SOLD * 100}% sold) loaded and analysed in ${seconds(started)}`);
    await timeOrders(
      store,
      async (query, depth) => {
        const key = KEYS[query.sort ?? "created_at"];
        const direction = query.direction === "asc" ? "ASC" : "DESC";
        const row = db
          .prepare(
            `SELECT id FROM leads ${filterSql(query)}
             ORDER BY ${key} ${direction}, id ${direction} LIMIT 1 OFFSET ?`,
          )
          .get(depth) as { id: string } | undefined;
        return row?.id;
      },
      async (query) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM leads ${filterSql(query)}`).get() as { n: number }).n,
    );
    db.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: options["database-url"] });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  const store = new PostgresStore({ connectionString: options["database-url"]!, schema: SCHEMA });
  try {
    await store.migrate();
    await admin.query(`SET search_path = ${SCHEMA}`);
    const started = performance.now();
    await loadPostgres(admin);
    console.log(
      `PostgreSQL: ${LEADS} leads (${SOLD * 100}% sold) loaded and analysed in ${seconds(started)}`,
    );
    await timeOrders(
      store,
      async (query, depth) => {
        const key = KEYS[query.sort ?? "created_at"];
        const direction = query.direction === "asc" ? "ASC" : "DESC";
        const { rows } = await admin.query(
          `SELECT id FROM leads ${filterSql(query)}
           ORDER BY ${key} ${direction}, id ${direction} LIMIT 1 OFFSET $1`,
          [depth],
        );
        return rows[0]?.id;
      },
      async (query) =>
        Number((await admin.query(`SELECT count(*) AS n FROM leads ${filterSql(query)}`)).rows[0].n),
    );
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.end();
  }
}

const ms = (value: number) => `${value.toFixed(2).padStart(7)} ms`;

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

if (options.backend === "sqlite" || options.backend === "both") await benchSqlite();
if (options.backend === "postgres" || options.backend === "both") await benchPostgres();
