// Prometheus metrics (prom-client): what an operator watches — buyers' answers and latency, bids, pings and posts by
// status, fallbacks, and the exchange's own overhead. Recorded from each auction's outcomes after the fact, so the
// fan-out itself carries no metrics code. A ping updates about 17 series; each is bound to its label set once (see
// BoundSeries), so an update is an addition, not a label check and a label hash in prom-client.
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
  readonly #buyerRequestSeries: SeriesByLabels<BoundCounter>;
  readonly #buyerLatencySeries: SeriesByLabels<BoundHistogram>;
  readonly #bidSeries: SeriesByLabels<BoundHistogram>;
  readonly #pingSeries: SeriesByLabels<BoundCounter>;
  readonly #postSeries: SeriesByLabels<BoundCounter>;
  readonly #fallbackSeries: SeriesByLabels<BoundCounter>;
  readonly #overheadSeries: SeriesByLabels<BoundHistogram>;

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
    this.#buyerRequestSeries = counterSeries(this.#buyerRequests, ["buyer", "phase", "outcome"]);
    this.#buyerLatencySeries = histogramSeries(this.#buyerLatency, ["buyer", "phase"]);
    this.#bidSeries = histogramSeries(this.#bids, ["vertical"]);
    this.#pingSeries = counterSeries(this.#pings, ["vertical", "status"]);
    this.#postSeries = counterSeries(this.#posts, ["kind", "status"]);
    this.#fallbackSeries = counterSeries(this.#fallbacks, ["vertical"]);
    this.#overheadSeries = histogramSeries(this.#overhead, ["step"]);
  }

  recordAuction(vertical: string, status: "bid" | "no_bid", outcomes: readonly BuyerOutcome[]): void {
    this.#pingSeries.of(vertical, status).inc();
    this.recordBuyerOutcomes("ping", outcomes);
    for (const outcome of outcomes) {
      if (
        outcome.bid_cents !== undefined &&
        outcome.reason !== "below_floor" &&
        outcome.reason !== "above_max_price" &&
        outcome.reason !== "above_ceiling"
      ) {
        this.#bidSeries.of(vertical).observe(outcome.bid_cents / 100);
      }
    }
  }

  recordBuyerOutcomes(phase: "ping" | "post", outcomes: readonly BuyerOutcome[]): void {
    for (const outcome of outcomes) {
      this.#buyerRequestSeries.of(outcome.buyer_id, phase, outcome.reason).inc();
      if (outcome.latency_ms !== undefined) {
        this.#buyerLatencySeries.of(outcome.buyer_id, phase).observe(outcome.latency_ms / 1000);
      }
    }
  }

  recordPost(kind: "ping" | "direct", vertical: string, status: "sold" | "unsold", fellBack: boolean): void {
    this.#postSeries.of(kind, status).inc();
    if (fellBack) this.#fallbackSeries.of(vertical).inc();
  }

  /** The exchange's own time for one step of a request (validation, ranking, holding...), in ms. */
  recordOverhead(step: "ping" | "direct_post" | "post", ms: number): void {
    this.#overheadSeries.of(step).observe(ms / 1000);
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

type Labels = Record<string, string>;

/** A metric's bound series by their label values (in the order of its label names), each bound on first use. */
export class SeriesByLabels<Series> {
  readonly #byFirst = new Map<string, Map<string, Map<string, Series>>>();
  readonly #names: readonly string[];
  readonly #bind: (labels: Labels) => Series;

  constructor(names: readonly string[], bind: (labels: Labels) => Series) {
    this.#names = names;
    this.#bind = bind;
  }

  /** Nested maps, not a joined key: finding a series allocates nothing. */
  of(first: string, second = "", third = ""): Series {
    let bySecond = this.#byFirst.get(first);
    if (bySecond === undefined) {
      bySecond = new Map();
      this.#byFirst.set(first, bySecond);
    }
    let byThird = bySecond.get(second);
    if (byThird === undefined) {
      byThird = new Map();
      bySecond.set(second, byThird);
    }
    let series = byThird.get(third);
    if (series === undefined) {
      const values = [first, second, third];
      // The label names in the metric's order, as the labels were passed before (prom-client keeps the object).
      series = this.#bind(Object.fromEntries(this.#names.map((name, index) => [name, values[index]!])));
      byThird.set(third, series);
    }
    return series;
  }
}

export function counterSeries<Name extends string>(
  counter: Counter<Name>,
  names: readonly Name[],
): SeriesByLabels<BoundCounter> {
  return new SeriesByLabels(names, (labels) => new BoundCounter(counter as Counter<string>, labels));
}

export function histogramSeries<Name extends string>(
  histogram: Histogram<Name>,
  names: readonly Name[],
): SeriesByLabels<BoundHistogram> {
  return new SeriesByLabels(names, (labels) => new BoundHistogram(histogram as Histogram<string>, labels));
}

/** What prom-client (15) keeps per label set, in its metric's `hashMap`: read and updated by BoundSeries. */
interface SeriesEntry {
  labels: Labels;
}
interface CounterEntry extends SeriesEntry {
  value: number;
}
interface HistogramEntry extends SeriesEntry {
  sum: number;
  count: number;
  bucketValues: Record<string, number>;
}

/**
 * One label set of a metric, bound once. prom-client's own `labels(...)` children still check and hash the labels on
 * every update; a bound series updates prom-client's entry for its label set directly, as prom-client's update would
 * (the same additions in the same order: the exposition is identical, number for number). The first update, and any
 * after the entry was reset or removed, goes through prom-client's public method, which makes the entry; the entry is
 * then found by its labels object, which prom-client keeps. Should a prom-client version keep its entries otherwise,
 * nothing is found and every update goes through the public method, as before (test/operations/metric-series.test.ts
 * compares the exposition with prom-client's own).
 */
abstract class BoundSeries<Entry extends SeriesEntry> {
  protected readonly labels: Labels;
  readonly #metric: { hashMap?: Record<string, Entry> };
  #key: string | undefined;
  #entry: Entry | undefined;
  #unbindable = false;

  constructor(metric: object, labels: Labels) {
    this.#metric = metric as { hashMap?: Record<string, Entry> };
    this.labels = labels;
  }

  /** prom-client's entry for these labels, if it is still the metric's. */
  protected entry(): Entry | undefined {
    const key = this.#key;
    return key !== undefined && this.#metric.hashMap?.[key] === this.#entry ? this.#entry : undefined;
  }

  /** After a public update: finds the entry it made or changed. */
  protected bind(): void {
    if (this.#unbindable) return;
    const entries = this.#metric.hashMap ?? {};
    for (const key of Object.keys(entries)) {
      if (entries[key]?.labels === this.labels) {
        this.#key = key;
        this.#entry = entries[key];
        return;
      }
    }
    this.#unbindable = true;
  }
}

class BoundCounter extends BoundSeries<CounterEntry> {
  readonly #counter: Counter<string>;

  constructor(counter: Counter<string>, labels: Labels) {
    super(counter, labels);
    this.#counter = counter;
  }

  inc(): void {
    const entry = this.entry();
    if (entry !== undefined) {
      entry.value += 1;
      return;
    }
    this.#counter.inc(this.labels);
    this.bind();
  }
}

class BoundHistogram extends BoundSeries<HistogramEntry> {
  readonly #histogram: Histogram<string>;
  readonly #bounds: readonly number[];
  readonly #bucketKeys: readonly string[];

  constructor(histogram: Histogram<string>, labels: Labels) {
    super(histogram, labels);
    this.#histogram = histogram;
    this.#bounds = (histogram as unknown as { upperBounds?: readonly number[] }).upperBounds ?? [];
    this.#bucketKeys = this.#bounds.map(String);
  }

  observe(value: number): void {
    const entry = this.entry();
    // prom-client refuses a value that is not finite: its own method throws as it did.
    if (entry === undefined || !Number.isFinite(value)) {
      this.#histogram.observe(this.labels, value);
      this.bind();
      return;
    }
    entry.sum += value;
    entry.count += 1;
    // The first bucket whose upper bound holds the value (none above the last: +Inf counts the whole count).
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]!) {
        const key = this.#bucketKeys[index]!;
        if (Object.hasOwn(entry.bucketValues, key)) entry.bucketValues[key]! += 1;
        return;
      }
    }
  }
}
