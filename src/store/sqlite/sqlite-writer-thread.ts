// The SQLite writer thread: owns the only writing connection, so commits (and their fsyncs, and WAL checkpoints)
// happen here instead of on the event loop that serves pings. Requests arrive as messages and are answered in order.
import { parentPort, workerData } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { SQLITE_CODEC, withPiiKeys } from "../record-rows.ts";
import { openSqlite } from "./open-sqlite.ts";
import type { WriteReply, WriteRequest } from "./sqlite-writer.ts";
import { SqliteWrites } from "./sqlite-writes.ts";

const db = openSqlite(workerData.path as string);
// A Map of Buffers arrives as a Map of Uint8Arrays; node:crypto takes either.
const writes = new SqliteWrites(db, withPiiKeys(SQLITE_CODEC, workerData.piiKeys as PiiKeyRing));

type Message = { id: number; request: WriteRequest };

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
  handle(message);
});

function writeAttemptBatch(): void {
  const batch = attemptBatch;
  attemptBatch = [];
  if (batch.length === 0) return;
  try {
    const results = writes.beginPostAttempts(
      batch.map(({ request }) => request as Extract<WriteRequest, { op: "beginPostAttempt" }>),
    );
    for (const [i, { id }] of batch.entries()) {
      parentPort!.postMessage({ id, ok: true, result: results[i] } satisfies WriteReply);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const { id } of batch) parentPort!.postMessage({ id, ok: false, message } satisfies WriteReply);
  }
}

function handle({ id, request }: Message): void {
  let reply: WriteReply;
  let result: unknown;
  try {
    switch (request.op) {
      case "putEntity":
        writes.putEntity(request.kind, request.id, request.body, request.audit);
        break;
      case "deleteEntity":
        result = writes.deleteEntity(request.kind, request.id, request.audit);
        break;
      case "appendAuditEvent":
        writes.appendAuditEvent(request.event);
        break;
      case "appendAuctionEvents":
        writes.appendAuctionEvents(request.pings, request.outcomes);
        break;
      case "saveLead":
        writes.saveLead(request.lead, request.outcomes, request.outbox, request.ledger);
        break;
      case "appendLedger":
        writes.appendLedger(request.entries);
        break;
      case "markPostAttemptUncertain":
        result = writes.markPostAttemptUncertain(request.id);
        break;
      case "reconcilePostAttempts":
        result = writes.reconcilePostAttempts(request.startedBefore);
        break;
      case "resolvePostAttempt":
        result = writes.resolvePostAttempt(request.id, request.resolution, request.at);
        break;
      case "setReturnResale":
        result = writes.setReturnResale(request.id, request.leadId, request.claim);
        break;
      case "createReturn":
        result = writes.createReturn(request.record);
        break;
      case "decideReturn":
        result = writes.decideReturn(request.id, request.decision, request.effects);
        break;
      case "recordConversion":
        result = writes.recordConversion(request.record);
        break;
      case "claimOutbox":
        result = writes.claimOutbox(request.now, request.limit, request.leaseMs);
        break;
      case "settleOutbox":
        writes.settleOutbox(request.id, request.settlement);
        break;
      case "replayOutbox":
        result = writes.replayOutbox(request.id, request.now);
        break;
      case "addSuppressions":
        result = writes.addSuppressions(request.listId, request.hashes, request.at);
        break;
      case "removeSuppressions":
        result = writes.removeSuppressions(request.listId, request.hashes);
        break;
      case "addDeposit":
        result = writes.addDeposit(request.deposit);
        break;
      case "rebuildReportRollups":
        writes.rebuildReportRollups();
        break;
      case "deleteUser":
        result = writes.deleteUser(request.id);
        break;
      case "putUser":
        writes.putUser(request.user);
        break;
      case "createSession":
        writes.createSession(request.session);
        break;
      case "deleteSession":
        writes.deleteSession(request.tokenSha256);
        break;
      case "redactLeads":
        result = writes.redactLeads(request.rows, request.at, request.cancelDeliveries);
        break;
      case "resealLeads":
        result = writes.resealLeads(request.rows);
        break;
      case "retirePiiKeys":
        result = writes.retirePiiKeys(request.keep);
        break;
      case "recordPrivacyRequest":
        writes.recordPrivacyRequest(request.request);
        break;
      case "close":
        db.close();
        break;
    }
    reply = { id, ok: true, result };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
}
