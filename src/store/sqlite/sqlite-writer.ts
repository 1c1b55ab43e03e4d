// The main thread's side of the SQLite writer thread: each write is a message, resolved when committed.

import { Worker } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import type { AuditEvent } from "../audit-events.ts";
import type { EndedPostAttempt, PostAttempt, PostAttemptResolution } from "../post-attempts.ts";
import type { LeadRedactionRow, LeadReseal } from "../record-rows.ts";
import type {
  LeadRecord,
  LedgerEntry,
  OutboxItem,
  OutboxSettlement,
  OutcomeRecord,
  PingRecord,
  PrivacyRequestRecord,
  ReturnRecord,
} from "../records.ts";
import type {
  BuyerDeposit,
  ConsoleSession,
  ConsoleUser,
  ConversionRecord,
  SuppressionHash,
} from "../store.ts";

export type WriteRequest =
  | { op: "putEntity"; kind: string; id: string; body: object; audit?: AuditEvent | undefined }
  | { op: "deleteEntity"; kind: string; id: string; audit?: AuditEvent | undefined }
  | { op: "appendAuditEvent"; event: AuditEvent }
  | { op: "appendAuctionEvents"; pings: readonly PingRecord[]; outcomes: readonly OutcomeRecord[] }
  | {
      op: "saveLead";
      lead: LeadRecord;
      outcomes: readonly OutcomeRecord[];
      outbox: readonly OutboxItem[];
      ledger: readonly LedgerEntry[];
    }
  | { op: "appendLedger"; entries: readonly LedgerEntry[] }
  | { op: "beginPostAttempt"; attempt: PostAttempt; ended: readonly EndedPostAttempt[] }
  | { op: "markPostAttemptUncertain"; id: string }
  | { op: "reconcilePostAttempts"; startedBefore: number }
  | { op: "resolvePostAttempt"; id: string; resolution: PostAttemptResolution; at: number }
  | { op: "createReturn"; record: ReturnRecord }
  | { op: "setReturnResale"; id: string; leadId: string | null; claim: boolean }
  | {
      op: "decideReturn";
      id: string;
      decision: { status: string; decided_at: number; decided_by: string };
      effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] };
    }
  | { op: "recordConversion"; record: ConversionRecord }
  | { op: "claimOutbox"; now: number; limit: number; leaseMs: number }
  | { op: "settleOutbox"; id: string; settlement: OutboxSettlement }
  | { op: "replayOutbox"; id: string; now: number }
  | { op: "addSuppressions"; listId: string; hashes: readonly SuppressionHash[]; at: number }
  | { op: "removeSuppressions"; listId: string; hashes: readonly SuppressionHash[] }
  | { op: "addDeposit"; deposit: BuyerDeposit }
  | { op: "rebuildReportRollups" }
  | { op: "putUser"; user: ConsoleUser }
  | { op: "deleteUser"; id: string }
  | { op: "createSession"; session: ConsoleSession }
  | { op: "deleteSession"; tokenSha256: string }
  | { op: "redactLeads"; rows: readonly LeadRedactionRow[]; at: number; cancelDeliveries: boolean }
  | { op: "recordPrivacyRequest"; request: PrivacyRequestRecord }
  | { op: "resealLeads"; rows: readonly LeadReseal[] }
  | { op: "retirePiiKeys"; keep: string }
  | { op: "close" };

/** `result` carries what a write returns (claimed rows, whether a replay found its item). */
export type WriteReply =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; message: string };

export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  #nextId = 1;
  #failure: Error | undefined;

  constructor(path: string, piiKeys: PiiKeyRing) {
    this.#worker = new Worker(new URL("./sqlite-writer-thread.ts", import.meta.url), {
      // The thread seals the leads it writes with the same keys (Buffers are copied to it).
      workerData: { path, piiKeys },
    });
    this.#worker.on("message", (reply: WriteReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.result);
      else waiting?.reject(new Error(`SQLite write failed: ${reply.message}`));
    });
    this.#worker.on("error", (error) =>
      this.#fail(new Error(`SQLite writer thread failed: ${error.message}`)),
    );
    this.#worker.on("exit", () => this.#fail(new Error("SQLite writer thread has stopped")));
  }

  /** Sends one write; resolves (with its result, if any) once it is committed (durable: synchronous = FULL). */
  call(request: WriteRequest): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, request });
    });
  }

  /** Finishes the writes already sent, closes the connection, stops the thread. */
  async close(): Promise<void> {
    if (this.#failure) return;
    await this.call({ op: "close" });
    await this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
    this.#pending.clear();
  }
}
