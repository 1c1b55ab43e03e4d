// The SQLite writer thread: owns the only writing connection, so commits (and their fsyncs, and WAL checkpoints)
// happen here instead of on the event loop that serves pings. Requests arrive in messages (each an array: the writes
// of one turn of the main thread's loop) and are answered in order; each is a write of SqlWrites
// (src/store/sql/sql-writes.ts), the same code PostgreSQL runs.
import { parentPort, workerData } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { SQLITE_CODEC, withPiiKeys } from "../record-rows.ts";
import { SQLITE, type SqlTx } from "../sql/dialect.ts";
import { addRollup } from "../sql/rollup-writes.ts";
import { SqlWrites } from "../sql/sql-writes.ts";
import { GroupRollups } from "./group-rollups.ts";
import { openSqlite, WAL_CHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from "./open-sqlite.ts";
import { rebuildSqliteRollups } from "./sqlite-rollups.ts";
import { sqliteTx } from "./sqlite-tx.ts";
import type { WriteMessage, WriteReply, WriteRequest } from "./sqlite-writer.ts";

const db = openSqlite(workerData.path as string);
// Statement journals in memory: nearly every write here is a statement that may abort after changing pages the
// transaction already changed (an insert into a table with indexes and constraints, a multi-row insert, an upsert), so
// SQLite keeps those pages' earlier content to undo just that statement, by default in a temporary file once it
// outgrows 64 KiB: a ping batch wrote half as many pages there as to the WAL, two syscalls each. They matter only until
// their statement ends, never to a crash (the WAL is what survives). This connection builds no large temporary
// tables or sorts for which memory could run short (reports and other reads are on the main thread's connection).
db.exec("PRAGMA temp_store = MEMORY");
// WAL checkpoints (they run here, in the COMMIT that takes the WAL past the limit: copy each page changed since the
// last one from the WAL into the database file, then fsync it). A sale rewrites the same ~25 right-edge pages of its
// b-trees (and a ping batch its own few), which a checkpoint copies once however many commits rewrote them: with
// SQLite's default of 1,000 pages a pair's commits wrote ~16 WAL pages and its checkpoints copied ~3.5 pages, every
// ~65 pairs; with 4,000, ~2 pages every ~250 pairs (bench/README.md, "WAL checkpoints"). The WAL stays bounded: it
// grows past the limit only while a read holds the pages a checkpoint would overwrite (the main thread's reads are
// short), and once a checkpoint has copied everything it is written again from its start.
db.exec(`PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
// A WAL that grew past its usual size (a long read meanwhile) is cut back to this when it restarts; one of the usual
// size (4,000 pages and their frame headers, ~16 MB) is left alone: overwriting a file costs less than growing one.
db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
/** The report rollup counts of the group being written, upserted once before its COMMIT. */
const rollups = new GroupRollups();
// A Map of Buffers arrives as a Map of Uint8Arrays; node:crypto takes either.
const writes = new SqlWrites(SQLITE, withPiiKeys(SQLITE_CODEC, workerData.piiKeys as PiiKeyRing), rollups);
const tx = sqliteTx(db);

/**
 * Each write finishes (commits) before the next begins, in arrival order. Nothing a write awaits is I/O (node:sqlite
 * answers at once), so a piece of work runs to its end before the next message is even read from the port.
 */
let queue: Promise<void> = Promise.resolve();
const enqueue = (work: () => Promise<void>) => {
  queue = queue.then(work);
};

// Group commit: every write that arrives in one turn of this thread's event loop shares one transaction and one
// COMMIT: the main thread's messages (each the writes of one of its turns) that came in while the thread was busy
// with the previous group, so the busier the exchange, the larger the groups. Each write runs in a savepoint of its
// own, so one that fails (a duplicate lead) is rolled back alone and answered with its error; every other is
// answered only once the shared COMMIT has returned, and a COMMIT that fails fails them all. The COMMIT syncs to disk
// (synchronous = FULL) when any write in the group needs it: a post attempt's beginning (before every buyer is
// called, DESIGN rule 11), a sale (before the source is answered, rule 9), and every other write but ping analytics.
// A group of ping analytics alone skips the fsync (they may lose their last fraction of a second to a power cut,
// rule 9); with a durable write, they are synced with it, so a ping batch between two posts no longer splits them.
// Everything stays in arrival order: a group is written before the next control request (close, rollups) is handled.
// The writes' report rollup counts are added up over the group and upserted once, last (GroupRollups).
let arrived: WriteMessage[] = [];

/** Writes whose loss to a power cut is allowed (DESIGN rule 9): a group of only these commits without an fsync. */
const MAY_SKIP_FSYNC: ReadonlySet<string> = new Set(["appendAuctionEvents"]);

parentPort!.on("message", (messages: readonly WriteMessage[]) => {
  for (const message of messages) {
    if (isControl(message.request)) {
      writeArrived();
      enqueue(() => handleControl(message));
      continue;
    }
    if (arrived.length === 0) setImmediate(writeArrived);
    arrived.push(message);
  }
});

function isControl(request: WriteRequest): boolean {
  return request.op === "close" || request.op === "rebuildReportRollups";
}

function writeArrived(): void {
  const messages = arrived;
  arrived = [];
  if (messages.length === 0) return;
  enqueue(() => commitGroup(messages));
}

async function commitGroup(messages: readonly WriteMessage[]): Promise<void> {
  reply(await writeGroup(messages));
}

/** The group's replies, in its order: each write's own, or all failed with the transaction's error. */
async function writeGroup(messages: readonly WriteMessage[]): Promise<WriteReply[]> {
  const skipFsync = messages.every(({ request }) => MAY_SKIP_FSYNC.has(request.op));
  const replies: WriteReply[] = [];
  try {
    // The safety level cannot change inside a transaction: it is chosen for the whole group before BEGIN.
    if (skipFsync) db.exec("PRAGMA synchronous = NORMAL");
    db.exec("BEGIN IMMEDIATE");
    for (const { id, request } of messages) {
      db.exec("SAVEPOINT gavel_group_item");
      try {
        const result = await run(request);
        db.exec("RELEASE gavel_group_item");
        rollups.keepWrite();
        replies.push({ id, ok: true, result });
      } catch (error) {
        // A failed statement leaves the transaction open; SQLite ends it by itself only on I/O errors and the like.
        if (!db.isTransaction) throw error;
        db.exec("ROLLBACK TO gavel_group_item");
        db.exec("RELEASE gavel_group_item");
        rollups.dropWrite();
        replies.push({ id, ok: false, message: messageOf(error) });
      }
    }
    await addRollup(tx, SQLITE, rollups.take());
    db.exec("COMMIT");
    return replies;
  } catch (error) {
    rollups.take(); // the group's counts are rolled back with it
    rollBack();
    return messages.map(({ id }) => ({ id, ok: false, message: messageOf(error) }));
  } finally {
    if (skipFsync && db.isOpen) db.exec("PRAGMA synchronous = FULL");
  }
}

/** Ends a failed group's transaction, if one is left; never throws, so its writes are still answered. */
function rollBack(): void {
  try {
    if (db.isOpen && db.isTransaction) db.exec("ROLLBACK");
  } catch {
    // The connection could not roll back (it is failing): nothing of the group was committed either way.
  }
}

async function handleControl({ id, request }: WriteMessage): Promise<void> {
  try {
    if (request.op === "close") db.close();
    else rebuildSqliteRollups(db);
    reply([{ id, ok: true }]);
  } catch (error) {
    reply([{ id, ok: false, message: messageOf(error) }]);
  }
}

/** One write of SqlWrites, inside the caller's transaction. */
function run(request: WriteRequest): Promise<unknown> {
  const { op, args } = request as { op: keyof SqlWrites; args: unknown[] };
  const write = writes[op] as (tx: SqlTx, ...args: unknown[]) => Promise<unknown>;
  return write.call(writes, tx, ...args);
}

/** Replies travel as one message per group (per turn of this thread's loop), like the requests. */
function reply(replies: readonly WriteReply[]): void {
  parentPort!.postMessage(replies);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
