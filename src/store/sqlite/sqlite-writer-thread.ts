// The SQLite writer thread: owns the only writing connection, so commits (and their fsyncs, and WAL checkpoints)
// happen here instead of on the event loop that serves pings. Requests arrive as messages and are answered in order;
// each is a write of SqlWrites (src/store/sql/sql-writes.ts), the same code PostgreSQL runs.
import { parentPort, workerData } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { SQLITE_CODEC, withPiiKeys } from "../record-rows.ts";
import { SQLITE, type SqlTx } from "../sql/dialect.ts";
import { SqlWrites } from "../sql/sql-writes.ts";
import { openSqlite } from "./open-sqlite.ts";
import { rebuildSqliteRollups } from "./sqlite-rollups.ts";
import { inTransactionAsync, sqliteTx } from "./sqlite-tx.ts";
import type { WriteReply, WriteRequest } from "./sqlite-writer.ts";

const db = openSqlite(workerData.path as string);
// A Map of Buffers arrives as a Map of Uint8Arrays; node:crypto takes either.
const writes = new SqlWrites(SQLITE, withPiiKeys(SQLITE_CODEC, workerData.piiKeys as PiiKeyRing));
const tx = sqliteTx(db);

type Message = { id: number; request: WriteRequest };

/** Each write finishes (commits) before the next begins, in arrival order. */
let queue: Promise<void> = Promise.resolve();
const enqueue = (work: () => Promise<void>) => {
  queue = queue.then(work);
};

// Beginnings of post attempts (one before every buyer is called) are committed together: those that arrive while the
// thread is busy share one transaction and one fsync, instead of one each. Everything stays in arrival order: a
// batch is written before the next other write is handled.
let attemptBatch: Message[] = [];

parentPort!.on("message", (message: Message) => {
  if (message.request.op === "beginPostAttempt") {
    if (attemptBatch.length === 0) setImmediate(writeAttemptBatch);
    attemptBatch.push(message);
    return;
  }
  writeAttemptBatch();
  enqueue(() => handle(message));
});

function writeAttemptBatch(): void {
  const batch = attemptBatch;
  attemptBatch = [];
  if (batch.length === 0) return;
  enqueue(async () => {
    try {
      const results = await inTransactionAsync(db, async () => {
        const begun: unknown[] = [];
        for (const { request } of batch) begun.push(await run(request));
        return begun;
      });
      for (const [i, { id }] of batch.entries()) reply({ id, ok: true, result: results[i] });
    } catch (error) {
      for (const { id } of batch) reply({ id, ok: false, message: messageOf(error) });
    }
  });
}

async function handle({ id, request }: Message): Promise<void> {
  try {
    reply({ id, ok: true, result: await perform(request) });
  } catch (error) {
    reply({ id, ok: false, message: messageOf(error) });
  }
}

async function perform(request: WriteRequest): Promise<unknown> {
  if (request.op === "close") {
    db.close();
    return undefined;
  }
  if (request.op === "rebuildReportRollups") {
    rebuildSqliteRollups(db);
    return undefined;
  }
  if (request.op !== "appendAuctionEvents") return inTransactionAsync(db, () => run(request));
  // Ping analytics may lose their last fraction of a second to a power cut (DESIGN rule 9), so their commits skip
  // the fsync; leads and everything else keep synchronous = FULL.
  db.exec("PRAGMA synchronous = NORMAL");
  try {
    return await inTransactionAsync(db, () => run(request));
  } finally {
    db.exec("PRAGMA synchronous = FULL");
  }
}

/** One write of SqlWrites, inside the caller's transaction. */
function run(request: WriteRequest): Promise<unknown> {
  const { op, args } = request as { op: keyof SqlWrites; args: unknown[] };
  const write = writes[op] as (tx: SqlTx, ...args: unknown[]) => Promise<unknown>;
  return write.call(writes, tx, ...args);
}

function reply(message: WriteReply): void {
  parentPort!.postMessage(message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
