// The main thread's side of the SQLite writer thread: each write is resolved when committed. The writes of one turn of
// the event loop travel to the thread as one message, and the thread answers each of its turns with one message.

import { Worker } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import type { WriteArgs, WriteOp, WriteResult } from "../sql/sql-writes.ts";

/** A write of SqlWrites by name and arguments, or the thread's own work. */
export type WriteRequest =
  | { op: WriteOp; args: readonly unknown[] }
  | { op: "rebuildReportRollups" }
  | { op: "close" };

/** One request as it travels, numbered so its reply finds its caller. */
export type WriteMessage = { id: number; request: WriteRequest };

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
  /** Requests not yet posted: sent together once this turn of the event loop has issued its writes. */
  #unsent: WriteMessage[] = [];
  #nextId = 1;
  #failure: Error | undefined;

  constructor(path: string, piiKeys: PiiKeyRing) {
    this.#worker = new Worker(new URL("./sqlite-writer-thread.ts", import.meta.url), {
      // The thread seals the leads it writes with the same keys (Buffers are copied to it).
      workerData: { path, piiKeys },
    });
    this.#worker.on("message", (replies: readonly WriteReply[]) => {
      for (const reply of replies) this.#settle(reply);
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
      // setImmediate, not a microtask: the writes of one turn come from many callbacks (each request's, each buyer
      // answer's), and a microtask would post after each of them. The check phase follows the poll phase's callbacks,
      // so a write waits at most for the rest of this turn's callbacks (work the thread's answer would queue behind).
      if (this.#unsent.length === 0) setImmediate(this.#post);
      this.#unsent.push({ id, request });
    });
  }

  /** Posts the turn's requests in the order they were issued, as one message. */
  readonly #post = (): void => {
    const messages = this.#unsent;
    this.#unsent = [];
    if (this.#failure) return; // #fail has rejected them already.
    try {
      this.#worker.postMessage(messages);
    } catch {
      // One request the thread cannot receive (not cloneable): post each alone, so only that one fails.
      for (const message of messages) this.#postAlone(message);
    }
  };

  #postAlone(message: WriteMessage): void {
    try {
      this.#worker.postMessage([message]);
    } catch (error) {
      this.#settle({ id: message.id, ok: false, message: (error as Error).message });
    }
  }

  #settle(reply: WriteReply): void {
    const waiting = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (reply.ok) waiting?.resolve(reply.result);
    else waiting?.reject(new Error(`SQLite write failed: ${reply.message}`));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
    this.#pending.clear();
  }
}
