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
// Statement journals in memory: nearly every write here is a statement that may abort after changing pages the
// transaction already changed (an insert into a table with indexes and constraints, a multi-row insert, an upsert), so
// SQLite keeps those pages' earlier content to undo just that statement, by default in a temporary file once it
// outgrows 64 KiB: a ping batch wrote half as many pages there as to the WAL, two syscalls each. They matter only until
// their statement ends, never to a crash (the WAL is what survives). This connection builds no large temporary
// tables or sorts for which memory could run short (reports and other reads are on the main thread's connection).
db.exec("PRAGMA temp_store = MEMORY");
// A Map of Buffers arrives as a Map of Uint8Arrays; node:crypto takes either.
const writes = new SqlWrites(SQLITE, withPiiKeys(SQLITE_CODEC, workerData.piiKeys as PiiKeyRing));
const tx = sqliteTx(db);

type Message = { id: number; request: WriteRequest };

/** Each write finishes (commits) before the next begins, in arrival order. */
let queue: Promise<void> = Promise.resolve();
const enqueue = (work: () => Promise<void>) => {
  queue = queue.then(work);
};

// Group commit: the durable writes of posts (a post attempt's beginning, before every buyer is called; the sale,
// before the source is answered) that arrive while the thread is busy committing share one transaction and one
// fsync, instead of one each. Each runs in a savepoint of its own, so one that fails (a duplicate lead) is rolled
// back alone and answered with its error; every other is answered only once the shared COMMIT has returned. While
// one batch's fsync runs, the next batch's messages queue on the port: the busier the exchange, the larger the
// batches. Everything stays in arrival order: a batch is written before the next other write is handled.
const GROUP_COMMITTED: ReadonlySet<string> = new Set([
  "beginPostAttempt",
  "saveLead",
  "resolvePostAttempt",
  "markPostAttemptUncertain",
]);
let batch: Message[] = [];

parentPort!.on("message", (message: Message) => {
  if (GROUP_COMMITTED.has(message.request.op)) {
    if (batch.length === 0) setImmediate(writeBatch);
    batch.push(message);
    return;
  }
  writeBatch();
  enqueue(() => handle(message));
});

function writeBatch(): void {
  const messages = batch;
  batch = [];
  if (messages.length === 0) return;
  enqueue(() => commitGroup(messages));
}

async function commitGroup(messages: readonly Message[]): Promise<void> {
  const replies: WriteReply[] = [];
  try {
    db.exec("BEGIN IMMEDIATE");
    for (const { id, request } of messages) {
      db.exec("SAVEPOINT gavel_group_item");
      try {
        const result = await run(request);
        db.exec("RELEASE gavel_group_item");
        replies.push({ id, ok: true, result });
      } catch (error) {
        // A failed statement leaves the transaction open; SQLite ends it by itself only on I/O errors and the like.
        if (!db.isTransaction) throw error;
        db.exec("ROLLBACK TO gavel_group_item");
        db.exec("RELEASE gavel_group_item");
        replies.push({ id, ok: false, message: messageOf(error) });
      }
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    for (const { id } of messages) reply({ id, ok: false, message: messageOf(error) });
    return;
  }
  for (const answer of replies) reply(answer);
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
