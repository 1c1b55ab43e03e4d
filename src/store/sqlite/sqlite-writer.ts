// The main thread's side of the SQLite writer thread: each write is a message, resolved when committed.

import { Worker } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import type { WriteArgs, WriteOp, WriteResult } from "../sql/sql-writes.ts";

/** A write of SqlWrites by name and arguments (each runs in a transaction of its own), or the thread's own work. */
export type WriteRequest =
  | { op: WriteOp; args: readonly unknown[] }
  | { op: "rebuildReportRollups" }
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

  /** Sends one write; resolves with its result once it is committed (durable: synchronous = FULL). */
  write<K extends WriteOp>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    return this.#send({ op, args }) as Promise<WriteResult<K>>;
  }

  /** Recomputes the report rollups (see Store.rebuildReportRollups). */
  async rebuildReportRollups(): Promise<void> {
    await this.#send({ op: "rebuildReportRollups" });
  }

  /** Finishes the writes already sent, closes the connection, stops the thread. */
  async close(): Promise<void> {
    if (this.#failure) return;
    await this.#send({ op: "close" });
    await this.#worker.terminate();
  }

  #send(request: WriteRequest): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, request });
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
    this.#pending.clear();
  }
}
