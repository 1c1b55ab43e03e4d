// What PostgreSQL's indexes cost a direct post, before and after a migration, in one process (issue 14, session 23):
//
//   node bench/postgres-post-indexes.ts [--before 24] [--after 25] [--warm 20000] [--posts 400] [--rounds 4]
//
// Two fresh schemas: one migrated to `--before` migrations, one to `--after` (PostgreSQL's count: migrations for SQLite
// alone take no number; 24 is the schema before migration 27, 25 after it). Each is warmed
// with `--warm` ended post attempts and sold leads (so the indexes have their depth), then, rounds alternating, each
// writes `--posts` posts as a direct post does: the post attempt's beginning (INSERT), the sold lead (INSERT, all its
// indexed columns set) and the attempt's end (UPDATE by auction and campaign). Every statement runs under
// `EXPLAIN (ANALYZE, BUFFERS, WAL)`, which gives its own WAL records and bytes and the buffers it touched and dirtied
// (nothing another session writes counts). Also the backend's CPU (/proc; EXPLAIN's overhead alike in both) and
// post_attempts' HOT updates (pg_stat_user_tables). Needs PostgreSQL on this machine. Measurement only.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { POSTGRES_MIGRATIONS } from "../src/store/postgres/migrations.ts";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: String(POSTGRES_MIGRATIONS.length - 1) },
    after: { type: "string", default: String(POSTGRES_MIGRATIONS.length) },
    warm: { type: "string", default: "20000" },
    posts: { type: "string", default: "400" },
    rounds: { type: "string", default: "4" },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const posts = Number(values.posts);

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Tally {
  walRecords: number;
  walFpi: number;
  walBytes: number;
  hit: number;
  dirtied: number;
  cpu: number;
}

interface Variant {
  label: string;
  schema: string;
  client: pg.Client;
  pid: number;
  rounds: Tally[];
}

async function variant(version: number): Promise<Variant> {
  const schema = `gavel_pgidx_bench_${process.pid}_${version}`;
  const client = new pg.Client({ connectionString: values["database-url"] });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"`);
  for (const migration of POSTGRES_MIGRATIONS.slice(0, version)) await client.query(migration.sql);
  const warm = Number(values.warm);
  await client.query(`INSERT INTO post_attempts (id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state,
      buyer_lead_id, ended_at)
    SELECT gen_random_uuid()::text, 'warm-' || i, 'camp-1', 'buyer-1', 5000, i, 'accepted', 'bl-' || i, i + 100
    FROM generate_series(1, ${warm}) AS i`);
  await client.query(`INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents,
      buyer_price_cents, campaign_id, buyer_id, lead, consent, created_at, email_sha256, phone_sha256)
    SELECT gen_random_uuid()::text, 'warm-' || i, 'post', 'src-bench', 'personal_injury', false, 'sold', 4000, 5000,
      'camp-1', 'buyer-' || (i % 20), '{}'::jsonb, '{}'::jsonb, i, md5('e' || i), md5('p' || i)
    FROM generate_series(1, ${warm}) AS i`);
  await client.query("VACUUM ANALYZE post_attempts");
  await client.query("VACUUM ANALYZE leads");
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return { label: `${version} migrations`, schema, client, pid: rows[0]!.pid, rounds: [] };
}

async function explained(client: pg.Client, text: string, params: unknown[], tally: Tally): Promise<void> {
  const { rows } = await client.query<{ "QUERY PLAN": string }>(
    `EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF, TIMING OFF, SUMMARY OFF) ${text}`,
    params,
  );
  // The top node's lines count everything below it.
  const plan = rows.map((row) => row["QUERY PLAN"]);
  const top = plan.slice(0, plan.findIndex((line, i) => i > 0 && line.includes("->")) >>> 0 || plan.length);
  const head = (top.length > 0 ? top : plan).join("\n");
  const wal = /WAL: (?:records=(\d+))?\s*(?:fpi=(\d+))?\s*(?:bytes=(\d+))?/.exec(head);
  tally.walRecords += Number(wal?.[1] ?? 0);
  tally.walFpi += Number(wal?.[2] ?? 0);
  tally.walBytes += Number(wal?.[3] ?? 0);
  const buffers = /Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?(?: dirtied=(\d+))?/.exec(head);
  tally.hit += Number(buffers?.[1] ?? 0) + Number(buffers?.[2] ?? 0);
  tally.dirtied += Number(buffers?.[3] ?? 0);
}

const BEGIN = `INSERT INTO post_attempts (id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state)
  VALUES ($1, $2, 'camp-1', 'buyer-1', 5000, $3, 'posting') ON CONFLICT (auction_id, campaign_id) DO NOTHING`;
const LEAD = `INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents, buyer_price_cents,
  campaign_id, buyer_id, buyer_lead_id, lead, consent, created_at, email_sha256, phone_sha256, ping_to_post_ms)
  VALUES ($1, $2, 'post', 'src-bench', 'personal_injury', false, 'sold', 4000, 5000, 'camp-1', 'buyer-3', 'bl',
    '{"zip":"10001"}'::jsonb, '{"tcpa":true}'::jsonb, $3, md5($1), md5($2), 40)`;
const END = `UPDATE post_attempts SET state = 'accepted', ended_at = $1, buyer_lead_id = COALESCE($2, buyer_lead_id)
  WHERE auction_id = $3 AND campaign_id = 'camp-1' AND state IN ('posting', 'uncertain')`;

async function round(v: Variant): Promise<void> {
  const tally: Tally = { walRecords: 0, walFpi: 0, walBytes: 0, hit: 0, dirtied: 0, cpu: 0 };
  const cpu = cpuSeconds(v.pid);
  for (let i = 0; i < posts; i++) {
    const auction = randomUUID();
    const at = Date.now();
    await explained(v.client, BEGIN, [randomUUID(), auction, at], tally);
    await explained(v.client, LEAD, [randomUUID(), auction, at], tally);
    await explained(v.client, END, [at + 40, "bl", auction], tally);
  }
  tally.cpu = cpuSeconds(v.pid) - cpu;
  v.rounds.push(tally);
}

const variants = [await variant(Number(values.before)), await variant(Number(values.after))];
const load: number[] = [];
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    load.push(loadavg()[0]!);
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) await round(v);
  }
  for (const v of variants) {
    await v.client.query("SELECT pg_stat_force_next_flush()");
  }
  await new Promise((resolve) => setTimeout(resolve, 1200));
  for (const v of variants) {
    const { rows } = await v.client.query<{ upd: string; hot: string }>(
      "SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'post_attempts'",
      [v.schema],
    );
    const per = (pick: (t: Tally) => number, digits = 2) =>
      v.rounds.map((t) => (pick(t) / posts).toFixed(digits)).join(" ");
    console.log(`${v.label} (${v.schema}), per post, rounds:`);
    console.log(`  WAL records      ${per((t) => t.walRecords)}`);
    console.log(`  WAL bytes        ${per((t) => t.walBytes, 0)}`);
    console.log(`  full-page images ${per((t) => t.walFpi)}`);
    console.log(`  buffers touched  ${per((t) => t.hit)}`);
    console.log(`  buffers dirtied  ${per((t) => t.dirtied)}`);
    console.log(`  backend CPU µs   ${per((t) => t.cpu * 1e6, 0)}`);
    console.log(`  post_attempts updates ${rows[0]?.upd}, of them HOT ${rows[0]?.hot}`);
  }
  console.log(`load average at each round: ${load.map((l) => l.toFixed(1)).join(" ")}`);
} finally {
  for (const v of variants) {
    await v.client.query(`DROP SCHEMA IF EXISTS "${v.schema}" CASCADE`);
    await v.client.end();
  }
}
