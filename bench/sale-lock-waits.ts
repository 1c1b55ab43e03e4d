// Direct posts' durable writes (the post attempt, then the sale: lead, ledger, outcome, rollups, the attempt's end)
// with several in flight, as an exchange under load sends them, for one or more checkouts alternating:
//
//   node bench/sale-lock-waits.ts [--root <checkout>]... [--in-flight 8] [--seconds 4] [--rounds 2]
//
// Each checkout's PostgresStore (a pool of `--in-flight` connections, its own fresh schema) takes `--in-flight` posts
// at a time, one source and campaign, for `--seconds` a round. Prints posts a second, its backends' CPU per post (from
// /proc: PostgreSQL must be on this machine) and what the backends waited on, sampled from pg_stat_activity every
// 5 ms (`Lock:transactionid`: a row another transaction updated and has not committed yet). Measurement only.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true },
    "in-flight": { type: "string", default: "8" },
    seconds: { type: "string", default: "4" },
    rounds: { type: "string", default: "2" },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const roots = (values.root?.length ? values.root : [new URL("..", import.meta.url).pathname]).map((root) =>
  resolve(root),
);
const inFlight = Number(values["in-flight"]);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const databaseUrl = values["database-url"]!;

/** CPU seconds (user + system) of local processes (a gone one counts 0). */
function cpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {}
  }
  return total;
}

interface Contender {
  root: string;
  schema: string;
  // biome-ignore lint/suspicious/noExplicitAny: each checkout's own PostgresStore
  store: any;
  // biome-ignore lint/suspicious/noExplicitAny: each checkout's own saleEntries
  saleEntries: (lead: any) => unknown[];
  lines: string[];
}

const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
const backendPids = async (schema: string): Promise<number[]> =>
  (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [schema])).rows.map(
    (row) => row.pid as number,
  );

async function open(root: string, index: number): Promise<Contender> {
  const { PostgresStore } = await import(`${root}/src/store/postgres/postgres-store.ts`);
  const { saleEntries } = await import(`${root}/src/engine/ledger.ts`);
  const schema = `gavel_salelocks_${process.pid}_${index}`;
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", schema);
  const store = await PostgresStore.connect({ connectionString: url.toString(), schema, poolSize: inFlight });
  await store.migrate();
  return { root, schema, store, saleEntries, lines: [] };
}

async function post(contender: Contender, at: number): Promise<void> {
  const auction = randomUUID();
  await contender.store.beginPostAttempt({
    id: randomUUID(),
    auction_id: auction,
    campaign_id: "camp-1",
    buyer_id: "buyer-1",
    bid_cents: 5_000,
    started_at: at,
    state: "posting",
  });
  const lead = {
    id: randomUUID(),
    auction_id: auction,
    kind: "direct",
    source_id: "src-bench",
    vertical: "personal_injury",
    lead: {
      zip: "10001",
      state: "NY",
      first_name: "Ada",
      email: `ada.${auction}@example.com`,
      phone: "2125550147",
    },
    consent: { tcpa: true, text: "I agree to be contacted", ip: "203.0.113.7" },
    test: false,
    status: "sold",
    price_cents: 4_000,
    buyer_price_cents: 5_000,
    campaign_id: "camp-1",
    buyer_id: "buyer-1",
    created_at: at,
  };
  const outcome = {
    auction_id: auction,
    phase: "post",
    at,
    campaign_id: "camp-1",
    buyer_id: "buyer-1",
    reason: "post_accepted",
    latency_ms: 5,
  };
  await contender.store.saveLead(lead, [outcome], [], contender.saleEntries(lead));
}

async function round(contender: Contender, ms: number, record: boolean): Promise<void> {
  let done = 0;
  let stop = false;
  const waits = new Map<string, number>();
  const sampler = (async () => {
    while (!stop) {
      const { rows } = await admin.query(
        "SELECT coalesce(wait_event_type || ':' || wait_event, state) AS wait FROM pg_stat_activity WHERE application_name = $1",
        [contender.schema],
      );
      for (const row of rows) waits.set(row.wait, (waits.get(row.wait) ?? 0) + 1);
      await sleep(5);
    }
  })();
  const pids = await backendPids(contender.schema);
  const cpuBefore = cpuSeconds(pids);
  const started = Date.now();
  const workers = Array.from({ length: inFlight }, async () => {
    while (!stop) {
      await post(contender, Date.now());
      done++;
    }
  });
  await sleep(ms);
  stop = true;
  await Promise.all(workers);
  await sampler;
  // Backends opened during the round count from zero.
  const spent = cpuSeconds(await backendPids(contender.schema)) - cpuBefore;
  if (!record) return;
  const top = [...waits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([wait, n]) => `${wait} ${n}`)
    .join(", ");
  contender.lines.push(
    `${(done / ((Date.now() - started) / 1000)).toFixed(0)} posts/s, backends ${((spent * 1e6) / done).toFixed(0)} µs per post; waits sampled: ${top}`,
  );
}

const contenders: Contender[] = [];
for (const [index, root] of roots.entries()) contenders.push(await open(root, index));
console.log(
  `sale-lock-waits: ${inFlight} posts in flight, ${seconds} s a round, ${rounds} rounds; load average ${loadavg()[0]!.toFixed(2)}`,
);
try {
  // A short warm-up round each: the pool opens its connections, the statements are prepared.
  for (const contender of contenders) await round(contender, 1000, false);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) await round(contender, seconds * 1000, true);
  }
  for (const contender of contenders) {
    console.log(`\n${contender.root}`);
    for (const line of contender.lines) console.log(`  ${line}`);
  }
  console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
} finally {
  for (const contender of contenders) {
    await contender.store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${contender.schema}" CASCADE`);
  }
  await admin.end();
}
