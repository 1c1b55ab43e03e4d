// What each of a ping→post pair's PostgreSQL writes costs the server, in the backend's CPU time (read from /proc), and
// the calling process's, the code of one or more checkouts alternating in one process:
//
//   node bench/pg-statement-cpu.ts [--root <checkout>]... [--pairs 300] [--batch 12] [--rounds 4] [--plans] [--wal]
//
// Each checkout's PostgresStore (pool of one connection, its own fresh schema) writes, per round, `--pairs` pairs as
// the exchange does: the pings' events in batches of `--batch` (a rules-5 ping: 5 outcomes), then for each pair its
// post attempt, then its sale (the lead with PII, ledger, post outcomes, rollups, the attempt's end). Writes run one
// at a time, so the figures are each statement's own cost (the server's parse, plan, execution, WAL, commit), not
// contention. Needs PostgreSQL on this machine (the backend's pid is read from /proc). Measurement only.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true },
    pairs: { type: "string", default: "300" },
    batch: { type: "string", default: "12" },
    rounds: { type: "string", default: "4" },
    plans: { type: "boolean", default: false },
    // WAL bytes per write too (pg_current_wal_lsn before and after: use a server nobody else writes to).
    wal: { type: "boolean", default: false },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const roots = (values.root?.length ? values.root : [new URL("..", import.meta.url).pathname]).map((root) =>
  resolve(root),
);
const pairs = Number(values.pairs);
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const databaseUrl = values["database-url"]!;

/** CPU seconds (user + system) of a local process (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The backends of a schema's connections (their application_name), on this machine. */
async function backendPids(schema: string): Promise<number[]> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [
      schema,
    ]);
    return rows.map((row) => row.pid as number);
  } finally {
    await admin.end();
  }
}

const self = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

interface Contender {
  root: string;
  schema: string;
  // biome-ignore lint/suspicious/noExplicitAny: each checkout's own PostgresStore
  store: any;
  // biome-ignore lint/suspicious/noExplicitAny: each checkout's own saleEntries
  saleEntries: (lead: any) => unknown[];
  totals: Record<string, { backend: number[]; client: number[]; wal: number[] }>;
}

async function open(root: string, index: number): Promise<Contender> {
  const { PostgresStore } = await import(`${root}/src/store/postgres/postgres-store.ts`);
  const { saleEntries } = await import(`${root}/src/engine/ledger.ts`);
  const schema = `gavel_pgcpu_${process.pid}_${index}`;
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", schema);
  const store = await PostgresStore.connect({ connectionString: url.toString(), schema, poolSize: 1 });
  await store.migrate();
  return { root, schema, store, saleEntries, totals: {} };
}

const CAMPAIGNS = ["camp-1", "camp-2", "camp-3", "camp-4", "camp-5"];

function pingOf(id: string, at: number) {
  const bids = CAMPAIGNS.map((campaign, i) => ({
    campaign_id: campaign,
    buyer_id: `buyer-${i + 1}`,
    bid_cents: 5_000 - i * 100,
    source_price_cents: 4_000 - i * 100,
    expires_at: at + 120_000,
  }));
  return {
    id,
    kind: "ping",
    source_id: "src-bench",
    vertical: "personal_injury",
    lead: {
      zip: "10001",
      state: "NY",
      injury_type: "auto",
      incident_date: "2026-11-01",
      has_attorney: false,
    },
    test: false,
    created_at: at,
    expires_at: at + 120_000,
    status: "bid",
    price_cents: 4_000,
    bids,
  };
}

function outcomesOf(auction: string, at: number, phase: "ping" | "post") {
  return CAMPAIGNS.map((campaign, i) => ({
    auction_id: auction,
    phase,
    at,
    campaign_id: campaign,
    buyer_id: `buyer-${i + 1}`,
    reason: phase === "post" ? "post_accepted" : i === 0 ? "won" : "lost",
    ...(phase === "ping" ? { bid_cents: 5_000 - i * 100, latency_ms: 3 + i } : {}),
  })).slice(0, phase === "post" ? 1 : undefined);
}

/** The server's WAL position, in bytes. */
async function walBytes(): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS bytes");
    return Number(rows[0].bytes);
  } finally {
    await admin.end();
  }
}

async function measure(contender: Contender, kind: string, work: () => Promise<void>, count: number) {
  const pids = await backendPids(contender.schema);
  const wal = values.wal ? await walBytes() : 0;
  const backend = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const client = self();
  await work();
  contender.totals[kind] ??= { backend: [], client: [], wal: [] };
  const entry = contender.totals[kind];
  if (values.wal) entry.wal.push(((await walBytes()) - wal) / count);
  // A backend that appeared meanwhile counts from zero.
  const spent = (await backendPids(contender.schema)).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  entry.backend.push(((spent - backend) * 1e6) / count);
  entry.client.push(((self() - client) * 1e6) / count);
}

async function round(contender: Contender): Promise<void> {
  const now = Date.now();
  const ids = Array.from({ length: pairs }, () => randomUUID());
  await measure(
    contender,
    "ping events (per ping)",
    async () => {
      for (let i = 0; i < ids.length; i += batch) {
        const slice = ids.slice(i, i + batch);
        await contender.store.appendAuctionEvents(
          slice.map((id) => pingOf(id, now)),
          slice.flatMap((id) => outcomesOf(id, now, "ping")),
        );
      }
    },
    pairs,
  );
  const attempts = ids.map((id) => ({
    id: randomUUID(),
    auction_id: id,
    campaign_id: "camp-1",
    buyer_id: "buyer-1",
    bid_cents: 5_000,
    started_at: now + 50,
    state: "posting",
  }));
  await measure(
    contender,
    "post attempt",
    async () => {
      for (const attempt of attempts) await contender.store.beginPostAttempt(attempt);
    },
    pairs,
  );
  await measure(
    contender,
    "sale",
    async () => {
      for (const id of ids) {
        const lead = {
          id: randomUUID(),
          auction_id: id,
          kind: "ping",
          source_id: "src-bench",
          vertical: "personal_injury",
          lead: {
            ...pingOf(id, now).lead,
            first_name: "Ada",
            last_name: "Lovelace",
            email: `ada.${id}@example.com`,
            phone: "2125550147",
          },
          consent: { tcpa: true, text: "I agree to be contacted", ip: "203.0.113.7" },
          test: false,
          status: "sold",
          price_cents: 4_000,
          buyer_price_cents: 5_000,
          campaign_id: "camp-1",
          buyer_id: "buyer-1",
          created_at: now + 60,
          ping_to_post_ms: 60,
        };
        await contender.store.saveLead(
          lead,
          outcomesOf(id, now + 60, "post"),
          [],
          contender.saleEntries(lead),
        );
      }
    },
    pairs,
  );
  // What is queued (a checkout that queues rollups) folded now, its share per pair.
  await measure(
    contender,
    "fold (per pair)",
    () => contender.store.foldSaleRollups?.() ?? Promise.resolve(),
    pairs,
  );
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

const contenders: Contender[] = [];
for (const [index, root] of roots.entries()) contenders.push(await open(root, index));
console.log(
  `pg-statement-cpu: ${pairs} pairs a round, ping batches of ${batch}, ${rounds} rounds; load average ${loadavg()[0]!.toFixed(2)}`,
);
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) await round(contender);
  }
  for (const contender of contenders) {
    console.log(`\n${contender.root}`);
    for (const [kind, { backend, client, wal }] of Object.entries(contender.totals)) {
      console.log(
        `  ${kind.padEnd(24)} backend µs: median ${median(backend).toFixed(0)} (${backend.map((v) => v.toFixed(0)).join(", ")})` +
          `   this process µs: median ${median(client).toFixed(0)} (${client.map((v) => v.toFixed(0)).join(", ")})` +
          (values.wal ? `   WAL bytes: median ${median(wal).toFixed(0)}` : ""),
      );
    }
  }
  if (values.plans) {
    // The store's one connection: how often each named statement was planned (a custom plan is planned per call).
    for (const contender of contenders) {
      const rows = await contender.store.read({
        text: "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name",
        values: [],
      });
      console.log(`\n${contender.root} prepared statements (name: generic plans, custom plans)`);
      for (const row of rows) console.log(`  ${row.name}: ${row.generic_plans}, ${row.custom_plans}`);
    }
  }
  console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
} finally {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  for (const contender of contenders) {
    await contender.store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${contender.schema}" CASCADE`);
  }
  await admin.end();
}
