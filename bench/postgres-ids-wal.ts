// What PostgreSQL writes to its WAL for ping batches whose auction ids are random (v4) or time-ordered (v7): the
// pings' and outcomes' inserts as the store sends them (src/store/sql/auction-log-queries.ts), each run under
// `EXPLAIN (ANALYZE, WAL)`, which counts the WAL records, full-page images and bytes of that statement alone (the
// server is shared: its own WAL counters are not). One schema per kind, grown by `warm` batches, then `rounds` rounds
// of `batches` batches each, the kinds alternating; the backend's CPU per ping from /proc when the server is local.
//
//   node bench/postgres-ids-wal.ts [--database-url postgres://postgres@127.0.0.1:5432/test] [--warm 600]
//     [--batches 100] [--per 30] [--rounds 4]
//
// A full-page image is written for a page's first change after a checkpoint: random keys touch a page per ping
// across the whole index, so how many images a run sees depends on when the server last checkpointed (both kinds
// alike, alternating). The schemas are dropped at the end.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import type { OutcomeRecord, PingRecord } from "../src/domain/records.ts";
import { processCpuSeconds } from "../src/sim/process-cpu.ts";
import { applyPostgresMigrations } from "../src/store/postgres/migrations.ts";
import { insertOutcomes, insertPings } from "../src/store/sql/auction-log-queries.ts";
import { POSTGRES } from "../src/store/sql/dialect.ts";
import { type AuctionIds, auctionBatches } from "./auction-batches.ts";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    warm: { type: "string", default: "600" },
    batches: { type: "string", default: "100" },
    per: { type: "string", default: "30" },
    rounds: { type: "string", default: "4" },
  },
});
const [warm, batches, per, rounds] = [values.warm, values.batches, values.per, values.rounds].map(Number) as [
  number,
  number,
  number,
  number,
];

interface Kind {
  ids: AuctionIds;
  schema: string;
  client: pg.Client;
  pid: number;
  batch: () => { pings: unknown[]; outcomes: unknown[] };
}

interface Wal {
  records: number;
  fpi: number;
  bytes: number;
}

const suffix = randomBytes(4).toString("hex");
const kinds: Kind[] = [];
try {
  for (const ids of ["v4", "v7"] as const) {
    const schema = `gavel_idswal_${ids}_${suffix}`;
    const client = new pg.Client({ connectionString: values["database-url"] });
    await client.connect();
    kinds.push({ ids, schema, client, pid: 0, batch: auctionBatches(per, ids) });
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    await applyPostgresMigrations(client, schema);
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    kinds.at(-1)!.pid = rows[0]!.pid;
  }

  const write = async (kind: Kind, explain: boolean): Promise<Wal> => {
    const { pings, outcomes } = kind.batch();
    const statements = [
      ...insertPings(POSTGRES, pings as PingRecord[]),
      ...insertOutcomes(POSTGRES, outcomes as OutcomeRecord[]),
    ];
    const wal = { records: 0, fpi: 0, bytes: 0 };
    await kind.client.query("BEGIN");
    for (const { text, values } of statements) {
      if (!explain) {
        await kind.client.query(text, [...values]);
        continue;
      }
      const { rows } = await kind.client.query<{ "QUERY PLAN": { Plan: Record<string, number> }[] }>(
        `EXPLAIN (ANALYZE, WAL, TIMING OFF, FORMAT JSON) ${text}`,
        [...values],
      );
      const plan = rows[0]!["QUERY PLAN"][0]!.Plan;
      wal.records += plan["WAL Records"] ?? 0;
      wal.fpi += plan["WAL FPI"] ?? 0;
      wal.bytes += plan["WAL Bytes"] ?? 0;
    }
    await kind.client.query("COMMIT");
    return wal;
  };

  for (const kind of kinds) for (let i = 0; i < warm; i++) await write(kind, false);
  const pings = batches * per;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    const line: string[] = [];
    for (const kind of order) {
      const total = { records: 0, fpi: 0, bytes: 0 };
      const cpuBefore = processCpuSeconds(kind.pid);
      for (let i = 0; i < batches; i++) {
        const wal = await write(kind, true);
        total.records += wal.records;
        total.fpi += wal.fpi;
        total.bytes += wal.bytes;
      }
      const cpuAfter = processCpuSeconds(kind.pid);
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined
          ? ""
          : `, backend ${((1e6 * (cpuAfter - cpuBefore)) / pings).toFixed(0)} µs`;
      line.push(
        `${kind.ids}: ${(total.records / pings).toFixed(1)} WAL records, ${(total.fpi / pings).toFixed(2)} FPI, ${(total.bytes / pings).toFixed(0)} bytes per ping${cpu}`,
      );
    }
    console.log(`round ${round + 1}: ${line.join("  ")}`);
  }
} finally {
  for (const kind of kinds) {
    await kind.client.query(`DROP SCHEMA IF EXISTS "${kind.schema}" CASCADE`).catch(() => {});
    await kind.client.end().catch(() => {});
  }
}
