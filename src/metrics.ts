// Prometheus metrics (prom-client): what an operator watches — buyers' answers and latency, bids, pings and posts by
// status, fallbacks, and the exchange's own overhead. Recorded from each auction's outcomes after the fact, so the
// fan-out itself carries no metrics code.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BuyerOutcome } from "./domain/outcomes.ts";

/** 10 ms – 2 s: where buyers' answers fall; finer below 100 ms where the good ones are. */
const BUYER_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2];
/** The exchange's own work should be sub-millisecond to a few ms. */
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1];
const PRICE_BUCKETS = [1, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500];

export class Metrics {
  readonly registry = new Registry();
  readonly #buyerRequests: Counter<"buyer" | "phase" | "outcome">;
  readonly #buyerLatency: Histogram<"buyer" | "phase">;
  readonly #bids: Histogram<"vertical">;
  readonly #pings: Counter<"vertical" | "status">;
  readonly #posts: Counter<"kind" | "status">;
  readonly #fallbacks: Counter<"vertical">;
  readonly #overhead: Histogram<"step">;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Process metrics, including nodejs_eventloop_lag_seconds.
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "gavel_" });
    this.#buyerRequests = new Counter({
      name: "gavel_buyer_requests_total",
      help: "Buyer outcomes by phase (ping, post) and reason",
      labelNames: ["buyer", "phase", "outcome"],
      registers,
    });
    this.#buyerLatency = new Histogram({
      name: "gavel_buyer_latency_seconds",
      help: "Time buyers took to answer (or to be given up on)",
      labelNames: ["buyer", "phase"],
      buckets: BUYER_LATENCY_BUCKETS,
      registers,
    });
    this.#bids = new Histogram({
      name: "gavel_bid_price_dollars",
      help: "Valid bids received, in dollars",
      labelNames: ["vertical"],
      buckets: PRICE_BUCKETS,
      registers,
    });
    this.#pings = new Counter({
      name: "gavel_pings_total",
      help: "Auctions by vertical and result (bid, no_bid)",
      labelNames: ["vertical", "status"],
      registers,
    });
    this.#posts = new Counter({
      name: "gavel_posts_total",
      help: "Posts and direct posts by result (sold, unsold)",
      labelNames: ["kind", "status"],
      registers,
    });
    this.#fallbacks = new Counter({
      name: "gavel_fallbacks_total",
      help: "Leads sold to a buyer other than the auction's winner",
      labelNames: ["vertical"],
      registers,
    });
    this.#overhead = new Histogram({
      name: "gavel_overhead_seconds",
      help: "The exchange's own time per request step, buyers' time excluded",
      labelNames: ["step"],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
  }

  recordAuction(vertical: string, status: "bid" | "no_bid", outcomes: readonly BuyerOutcome[]): void {
    this.#pings.inc({ vertical, status });
    this.recordBuyerOutcomes("ping", outcomes);
    for (const outcome of outcomes) {
      if (
        outcome.bid_cents !== undefined &&
        outcome.reason !== "below_floor" &&
        outcome.reason !== "above_max_price" &&
        outcome.reason !== "above_ceiling"
      ) {
        this.#bids.observe({ vertical }, outcome.bid_cents / 100);
      }
    }
  }

  recordBuyerOutcomes(phase: "ping" | "post", outcomes: readonly BuyerOutcome[]): void {
    for (const outcome of outcomes) {
      this.#buyerRequests.inc({ buyer: outcome.buyer_id, phase, outcome: outcome.reason });
      if (outcome.latency_ms !== undefined) {
        this.#buyerLatency.observe({ buyer: outcome.buyer_id, phase }, outcome.latency_ms / 1000);
      }
    }
  }

  recordPost(kind: "ping" | "direct", vertical: string, status: "sold" | "unsold", fellBack: boolean): void {
    this.#posts.inc({ kind, status });
    if (fellBack) this.#fallbacks.inc({ vertical });
  }

  /** The exchange's own time for one step of a request (validation, ranking, holding...), in ms. */
  recordOverhead(step: "ping" | "direct_post" | "post", ms: number): void {
    this.#overhead.observe({ step }, ms / 1000);
  }

  /**
   * What the in-process duplicate windows hold, read at each scrape: memory the lookback keeps by design (30 days of
   * sold consumers), outside the JS heap, so an operator can tell it from a leak and size the process for it.
   */
  watchDuplicateWindows(windows: {
    readonly size: number;
    readonly tableBytes: number;
    readonly evicted: number;
    readonly maxKeys: number;
  }): void {
    new Gauge({
      name: "gavel_duplicate_window_keys",
      help: "Keys held by the in-process duplicate windows (sold consumers within their lookback, ping replay guards)",
      registers: [this.registry],
      collect() {
        this.set(windows.size);
      },
    });
    new Gauge({
      name: "gavel_duplicate_window_table_bytes",
      help: "Bytes of the in-process duplicate windows' key table (a typed array outside the JS heap)",
      registers: [this.registry],
      collect() {
        this.set(windows.tableBytes);
      },
    });
    new Gauge({
      name: "gavel_duplicate_window_max_keys",
      help: "The in-process duplicate windows' ceiling (storage.duplicate_window_max_keys): past it keys are evicted",
      registers: [this.registry],
      collect() {
        this.set(windows.maxKeys);
      },
    });
    new Counter({
      name: "gavel_duplicate_window_evicted_total",
      help: "Keys evicted at the duplicate windows' ceiling before their window ended: duplicate checks that may miss",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(windows.evicted);
      },
    });
  }
}
