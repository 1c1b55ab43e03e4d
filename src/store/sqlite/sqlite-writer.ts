// The main thread's side of the SQLite writer thread: each write is resolved when committed. The writes of one turn of
// the event loop travel to the thread as one message, and the thread answers each of its turns with one message.

import { Worker } from "node:worker_threads";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { payloadJsonIfMade } from "../../domain/payload-json.ts";
import type { PingToInsert } from "../sql/auction-log-queries.ts";
import type { WriteArgs, WriteOp, WriteResult } from "../sql/sql-writes.ts";

/** A write of SqlWrites by name and arguments, or the thread's own work. */
export type WriteRequest =
  | { op: WriteOp; args: readonly unknown[] }
  | { op: "rebuildReportRollups" }
  | { op: "close" };

/**
 * The requests of one turn as they travel: flat, three entries each (no object per request): its number (so its reply
 * finds its caller), its op, and its arguments. Structured clone, but for a ping batch's JSON columns (pingBatchArgs):
 * JSON text of whole sales and post attempts was measured no cheaper on the writer thread (JSON.parse there costs what
 * the clone's deserialisation saves; bench/README.md, session 27).
 */
export type WriteMessage = (number | string | readonly unknown[])[];

/**
 * A group's replies as they travel: flat, two entries each: the request's number and its result (undefined for most
 * writes), or, for a write that failed, the number negated and the error's message. Numbers start at 1.
 */
export type WriteReply = unknown[];

/**
 * A ping batch's arguments as sent: each ping with its JSON columns as text. The writer thread stores those texts (it
 * built them itself before), so it is spared the deserialisation of three object graphs a ping and their
 * JSON.stringify; the main thread clones strings instead of the graphs, and the lead's text is usually made already
 * (its auction's native ping body, payload-json.ts), else the thread makes it as before.
 */
function pingBatchArgs([pings, outcomes]: WriteArgs<"appendAuctionEvents">): readonly unknown[] {
  const sent: PingToInsert[] = [];
  for (const ping of pings) {
    const row: PingToInsert = {
      ...ping,
      lead: typeof ping.lead === "string" ? ping.lead : (payloadJsonIfMade(ping.lead) ?? ping.lead),
      bids: jsonText(ping.bids),
    };
    if (ping.quality !== undefined) row.quality = jsonText(ping.quality);
    sent.push(row);
  }
  return [sent, outcomes];
}

const jsonText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** A request's arguments as they travel. */
function payloadOf(request: WriteRequest): readonly unknown[] {
  if (!("args" in request)) return [];
  if (request.op === "appendAuctionEvents") {
    return pingBatchArgs(request.args as WriteArgs<"appendAuctionEvents">);
  }
  return request.args;
}

export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (error: Error) => void }
  >();
  /** Requests not yet posted: sent together once this turn of the event loop has issued its writes. */
  #unsent: { id: number; request: WriteRequest }[] = [];
  #nextId = 1;
  #failure: Error | undefined;

  constructor(path: string, piiKeys: PiiKeyRing) {
    this.#worker = new Worker(new URL("./sqlite-writer-thread.ts", import.meta.url), {
      // The thread seals the leads it writes with the same keys (Buffers are copied to it).
      workerData: { path, piiKeys },
    });
    this.#worker.on("message", (replies: WriteReply) => {
      for (let i = 0; i < replies.length; i += 2) this.#settle(replies[i] as number, replies[i + 1]);
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
    const requests = this.#unsent;
    this.#unsent = [];
    if (this.#failure) return; // #fail has rejected them already.
    const message: WriteMessage = [];
    for (const { id, request } of requests) {
      try {
        message.push(id, request.op, payloadOf(request));
      } catch (error) {
        // A ping batch whose JSON columns have no JSON (a bigint): it fails alone, as the thread's stringify failed it.
        this.#settle(-id, (error as Error).message);
      }
    }
    if (message.length === 0) return;
    try {
      this.#worker.postMessage(message);
    } catch {
      // One request the thread cannot receive (not cloneable): post each alone, so only that one fails.
      for (let i = 0; i < message.length; i += 3) this.#postAlone(message.slice(i, i + 3));
    }
  };

  #postAlone(message: WriteMessage): void {
    try {
      this.#worker.postMessage(message);
    } catch (error) {
      this.#settle(-(message[0] as number), (error as Error).message);
    }
  }

  /** A reply: the request's number and its result, or its number negated and the error's message. */
  #settle(id: number, value: unknown): void {
    const key = Math.abs(id);
    const waiting = this.#pending.get(key);
    this.#pending.delete(key);
    if (id > 0) waiting?.resolve(value);
    else waiting?.reject(new Error(`SQLite write failed: ${value as string}`));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
    this.#pending.clear();
  }
}
