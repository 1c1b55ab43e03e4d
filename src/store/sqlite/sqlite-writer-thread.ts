// The SQLite writer thread: owns the only writing connection, so commits (and their fsyncs, and WAL checkpoints)
// happen here instead of on the event loop that serves pings. Requests arrive in messages (each an array: the writes
// of one turn of the main thread's loop) and are answered in order; each is a write of SqlWrites
// (src/store/sql/sql-writes.ts), the same code PostgreSQL runs.
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { SQLITE_CODEC, withPiiKeys } from "../record-rows.ts";
import { SQLITE, type SqlTx } from "../sql/dialect.ts";
import { addRollup } from "../sql/rollup-writes.ts";
import { SqlWrites } from "../sql/sql-writes.ts";
import { GroupRollups } from "./group-rollups.ts";
import { NapWindow } from "./nap-window.ts";
import { openSqlite } from "./open-sqlite.ts";
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
/** The report rollup counts of the group being written, upserted once before its COMMIT. */
const rollups = new GroupRollups();
// A Map of Buffers arrives as a Map of Uint8Arrays; node:crypto takes either.
const writes = new SqlWrites(SQLITE, withPiiKeys(SQLITE_CODEC, workerData.piiKeys as PiiKeyRing), rollups);
const tx = sqliteTx(db);

// Group commit: the writes that have arrived by the time the thread is free (the main thread's messages, each the
// writes of one of its turns, that came in while the previous group was being written) share one transaction and one
// COMMIT, so the busier the exchange, the larger the groups. Each write runs in a savepoint of its own, so one that
// fails (a duplicate lead) is rolled back alone and answered with its error; every other is answered only once the
// shared COMMIT has returned, and a COMMIT that fails fails them all. The COMMIT syncs to disk (synchronous = FULL)
// when any write in the group needs it: a post attempt's beginning (before every buyer is called, DESIGN rule 11), a
// sale (before the source is answered, rule 9), and every other write but ping analytics. A group of ping analytics
// alone skips the fsync (they may lose their last fraction of a second to a power cut, rule 9); with a durable write,
// they are synced with it, so a ping batch between two posts no longer splits them. Everything stays in arrival
// order: a control request (close, rollups) ends the group before it and runs alone. The writes' report rollup counts
// are added up over the group and upserted once, last (GroupRollups).
//
// Waiting for work: a message that finds this thread asleep in its event loop must wake it (eventfd, futex, and on a
// VM an inter-processor interrupt to a halted CPU), at the sender's expense: the main thread's `postMessage` then
// takes ~1 ms of wall time instead of ~0.1 (bench/README.md, session 26). So after each group the thread keeps the
// port to itself for a while (`drain`): it naps in `Atomics.wait` with a timeout nobody notifies (its own timer wakes
// it; the sender's post wakes no one) and takes what has arrived with `receiveMessageOnPort`; only after the nap
// window (NapWindow: long while messages keep coming within it, short when they do not) passes without work does it
// go back to sleeping in its event loop. A write that arrives during a nap waits for the nap's end: at most
// NAP_LONGEST_MS. Idle, the thread naps through one window after its last group and then sleeps.
/** Requests received and not yet written, in arrival order. */
let arrived: WriteMessage[] = [];
/** Whether `drain` is running (it then takes the port's messages itself; the listener only queues them). */
let draining = false;
let closed = false;

const naps = new NapWindow(
  Number(process.env.GAVEL_WRITER_NAP_LONG_MS ?? 20),
  Number(process.env.GAVEL_WRITER_NAP_SHORT_MS ?? 2),
);
/** The first nap after a group, doubled each time one finds nothing, up to NAP_LONGEST_MS. */
const NAP_FIRST_MS = 0.1;
const NAP_LONGEST_MS = 0.4;
/** Never notified: the naps end by their timeout. */
const NAP = new Int32Array(new SharedArrayBuffer(4));

/** Writes whose loss to a power cut is allowed (DESIGN rule 9): a group of only these commits without an fsync. */
const MAY_SKIP_FSYNC: ReadonlySet<string> = new Set(["appendAuctionEvents"]);

parentPort!.on("message", (messages: readonly WriteMessage[]) => {
  for (const message of messages) arrived.push(message);
  if (draining) return;
  naps.woken(performance.now());
  void drain();
});

/**
 * Writes everything that arrives, in order, until nothing has come for the nap window. Nothing a write awaits is I/O
 * (node:sqlite answers at once), so this runs to its end on microtasks before the event loop turns again.
 */
async function drain(): Promise<void> {
  draining = true;
  try {
    let idleSince = performance.now();
    let nap = NAP_FIRST_MS;
    while (!closed) {
      takeArrived();
      if (arrived.length > 0) {
        if (nap > NAP_FIRST_MS) naps.caught();
        await writeArrived();
        idleSince = performance.now();
        nap = NAP_FIRST_MS;
        continue;
      }
      const now = performance.now();
      if (now - idleSince >= naps.ms) {
        naps.sleep(now);
        break;
      }
      Atomics.wait(NAP, 0, 0, nap);
      nap = Math.min(2 * nap, NAP_LONGEST_MS);
    }
  } finally {
    draining = false;
  }
}

/** Moves the messages waiting in the port to `arrived`, without the event loop. */
function takeArrived(): void {
  for (let next = receiveMessageOnPort(parentPort!); next; next = receiveMessageOnPort(parentPort!)) {
    for (const message of next.message as readonly WriteMessage[]) arrived.push(message);
  }
}

/** Writes the arrived requests in order: each run of writes as one group, each control request alone. */
async function writeArrived(): Promise<void> {
  const messages = arrived;
  arrived = [];
  let group: WriteMessage[] = [];
  for (const message of messages) {
    if (!isControl(message.request)) {
      group.push(message);
      continue;
    }
    if (group.length > 0) await commitGroup(group);
    group = [];
    await handleControl(message);
  }
  if (group.length > 0) await commitGroup(group);
}

function isControl(request: WriteRequest): boolean {
  return request.op === "close" || request.op === "rebuildReportRollups";
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
    if (request.op === "close") {
      closed = true;
      db.close();
    } else rebuildSqliteRollups(db);
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
