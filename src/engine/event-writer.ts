// Ping analytics are written in batches off the request path (DESIGN rules 8 and 9): a crash may lose the last
// fraction of a second of ping events, never a lead or a sale (those are written by the post before it answers).
import type { Logger } from "pino";
import type { OutcomeRecord, PingRecord } from "../domain/records.ts";
import type { AuctionLogPort } from "../store/ports.ts";

// Short, so buffered events die young (cheap for the garbage collector); the write itself is on the writer thread.
const FLUSH_INTERVAL_MS = 50;
const FLUSH_AT_ITEMS = 2_000;
/** Beyond this many unwritten events (the store is down), the oldest are dropped rather than exhaust memory. */
const MAX_BUFFERED_ITEMS = 200_000;

export class EventWriter {
  readonly #store: AuctionLogPort;
  readonly #log: Logger;
  #pings: PingRecord[] = [];
  #outcomes: OutcomeRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(store: AuctionLogPort, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  record(ping: PingRecord | undefined, outcomes: readonly OutcomeRecord[]): void {
    if (this.#closed) {
      this.#log.warn(
        { ping: ping?.id, outcomes: outcomes.length },
        "ping events recorded after shutdown were dropped",
      );
      return;
    }
    if (ping) this.#pings.push(ping);
    for (const outcome of outcomes) this.#outcomes.push(outcome);
    if (this.#pings.length + this.#outcomes.length >= FLUSH_AT_ITEMS) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Writes everything buffered so far. Resolves when it is in the store (or the failure is logged). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pings = this.#pings;
    const outcomes = this.#outcomes;
    this.#pings = [];
    this.#outcomes = [];
    this.#flushing = this.#flushing.then(async () => {
      if (pings.length === 0 && outcomes.length === 0) return;
      try {
        await this.#store.appendAuctionEvents(pings, outcomes);
      } catch (error) {
        this.#log.error(
          { err: error, pings: pings.length, outcomes: outcomes.length },
          "writing ping events failed",
        );
        this.#requeue(pings, outcomes);
      }
    });
    return this.#flushing;
  }

  /** Writes what is buffered and stops: the store is about to close. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #requeue(pings: PingRecord[], outcomes: OutcomeRecord[]): void {
    if (this.#closed) return;
    this.#pings = pings.concat(this.#pings).slice(-MAX_BUFFERED_ITEMS);
    this.#outcomes = outcomes.concat(this.#outcomes).slice(-MAX_BUFFERED_ITEMS);
    this.#timer ??= setTimeout(() => void this.flush(), 1_000);
  }
}
