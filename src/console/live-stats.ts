// The operator dashboard's live numbers, sampled once a second: pings/s, bid rate, sold %, leads/s, p50/p99 of the
// seller API's answer time, and per-buyer health. Counts come from the Prometheus registry the exchange already keeps;
// answer times from the server's onResponse hook (a number pushed into a ring, nothing more on the request path).
// With several instances (a live board in Redis), each posts its own numbers once a second, whether or not anyone
// watches it, and the dashboard read from any instance sums every live instance's.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Registry } from "prom-client";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import type { ReportsPort } from "../store/ports.ts";
import { AnswerTimeRing } from "./answer-time-ring.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import type { LiveBoard, LiveContribution } from "./live-board.ts";
import type { BuyerHealth, LiveSnapshot } from "./live-snapshot.ts";

/** The window the rates and percentiles are computed over. */
const WINDOW_MS = 5_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Today's money is read from the report rollups every few seconds, not every tick. */
const MONEY_EVERY_MS = 5_000;
const MAX_SAMPLES = 20_000;

interface Counts {
  at: number;
  auctions: number;
  bids: number;
  leads: number;
  sold: number;
}

type BuyerCounts = LiveContribution["buyers"];

/** One instance's numbers over its window: what it shows alone, and what it adds to the board. */
interface Sample {
  at: number;
  window: LiveContribution["window"];
  /** The answer times within the window, sorted. */
  latenciesMs: number[];
  totals: LiveContribution["totals"];
  buyers: BuyerCounts;
}

const ERROR_REASONS = new Set(["buyer_error", "unreachable", "invalid_response", "post_error"]);
const TIMEOUT_REASONS = new Set(["timeout", "post_timeout"]);

export class LiveStats {
  readonly #registry: Registry;
  readonly #config: () => ConfigSnapshot;
  readonly #now: () => number;
  readonly #history: Counts[] = [];
  readonly #answerTimes = new AnswerTimeRing(MAX_SAMPLES);
  #latest: LiveSnapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<(snapshot: LiveSnapshot) => void>();
  readonly #store: ReportsPort | undefined;
  #today: { at: number; value: LiveSnapshot["today"] } = { at: 0, value: null };
  readonly #board: LiveBoard | undefined;
  readonly #instance = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** The tick under way: a slow board never stacks ticks up. */
  #ticking: Promise<void> | undefined;

  constructor(options: {
    registry: Registry;
    config: () => ConfigSnapshot;
    store?: ReportsPort;
    now?: () => number;
    /** Several instances: share the numbers through this board (posting once a second from now on). */
    board?: LiveBoard;
  }) {
    this.#registry = options.registry;
    this.#store = options.store;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    this.#board = options.board;
    // The other instances' dashboards need this one's numbers even when nobody watches it.
    if (this.#board) this.#timer = setInterval(() => void this.#tick(), 1_000).unref();
  }

  /** One seller API answer (a ping, post or direct post) and how long it took. */
  observeSellerRequest(ms: number): void {
    this.#answerTimes.record(this.#now(), ms);
  }

  /** Calls `listener` with each new snapshot (once a second while anyone listens); returns how to stop. */
  subscribe(listener: (snapshot: LiveSnapshot) => void): () => void {
    this.#listeners.add(listener);
    this.#timer ??= setInterval(() => void this.#tick(), 1_000);
    if (this.#latest) listener(this.#latest);
    else void this.#tick(true);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer && !this.#board) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** The numbers now (for a plain GET). */
  async snapshot(): Promise<LiveSnapshot> {
    await this.#tick(true);
    return this.#latest!;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  async #tick(wanted = false): Promise<void> {
    while (this.#ticking) {
      await this.#ticking;
      if (!wanted || this.#latest) return;
    }
    this.#ticking = this.#sampleAndShow(wanted || this.#listeners.size > 0);
    try {
      await this.#ticking;
    } finally {
      this.#ticking = undefined;
    }
  }

  async #sampleAndShow(shown: boolean): Promise<void> {
    const sample = await this.#sample();
    let latest: Omit<LiveSnapshot, "today"> | undefined;
    if (this.#board) {
      const contribution = this.#contribution(sample);
      try {
        const all = await this.#board.share(contribution, shown);
        if (shown) latest = this.#shared(sample.at, all.length > 0 ? all : [contribution]);
      } catch {
        // This instance's own numbers, saying so (instances: 1), until the board answers again.
        if (shown) latest = { ...this.#local(sample), instances: 1 };
      }
    } else {
      latest = this.#local(sample);
    }
    // Nobody watches this instance: its numbers went to the board; a later watcher gets a fresh snapshot.
    if (!latest) {
      this.#latest = undefined;
      return;
    }
    this.#latest = { ...latest, today: await this.#moneyToday(sample.at) };
    for (const listener of this.#listeners) listener(this.#latest);
  }

  async #sample(): Promise<Sample> {
    const now = this.#now();
    const [pings, posts, buyerRequests] = await Promise.all([
      this.#values("gavel_pings_total"),
      this.#values("gavel_posts_total"),
      this.#values("gavel_buyer_requests_total"),
    ]);
    const counts: Counts = {
      at: now,
      auctions: sum(pings),
      bids: sum(pings.filter((value) => value.labels.status === "bid")),
      leads: sum(posts),
      sold: sum(posts.filter((value) => value.labels.status === "sold")),
    };
    this.#history.push(counts);
    while (this.#history.length > 1 && this.#history[0]!.at < now - WINDOW_MS) this.#history.shift();
    const first = this.#history[0]!;
    const recent = this.#answerTimes.sortedSince(now - WINDOW_MS);
    return {
      at: now,
      window: {
        seconds: Math.max((now - first.at) / 1000, 1),
        auctions: counts.auctions - first.auctions,
        bids: counts.bids - first.bids,
        leads: counts.leads - first.leads,
        sold: counts.sold - first.sold,
      },
      latenciesMs: recent,
      totals: { auctions: counts.auctions, bids: counts.bids, leads: counts.leads, sold: counts.sold },
      buyers: buyerCounts(buyerRequests),
    };
  }

  /** This instance alone: exact percentiles of its own answer times. */
  #local(sample: Sample): Omit<LiveSnapshot, "today"> {
    const { window } = sample;
    return {
      ...rates(sample.at, window.auctions / window.seconds, window.leads / window.seconds, window),
      p50_ms: percentile(sample.latenciesMs, 0.5),
      p99_ms: percentile(sample.latenciesMs, 0.99),
      totals: sample.totals,
      buyers: this.#buyerHealth([sample.buyers]),
    };
  }

  #contribution(sample: Sample): LiveContribution {
    return {
      instance: this.#instance,
      window: sample.window,
      latency: LatencyHistogram.of(sample.latenciesMs).toBuckets(),
      totals: sample.totals,
      buyers: sample.buyers,
    };
  }

  /** Every live instance's numbers: rates add up, shares and percentiles are those of the summed counts. */
  #shared(at: number, all: readonly LiveContribution[]): Omit<LiveSnapshot, "today"> {
    const window = { auctions: 0, bids: 0, leads: 0, sold: 0 };
    const totals = { auctions: 0, bids: 0, leads: 0, sold: 0 };
    let pingsPerS = 0;
    let leadsPerS = 0;
    for (const contribution of all) {
      for (const key of ["auctions", "bids", "leads", "sold"] as const) {
        window[key] += contribution.window[key];
        totals[key] += contribution.totals[key];
      }
      pingsPerS += contribution.window.auctions / contribution.window.seconds;
      leadsPerS += contribution.window.leads / contribution.window.seconds;
    }
    const latency = LatencyHistogram.merged(all.map((contribution) => contribution.latency));
    return {
      ...rates(at, pingsPerS, leadsPerS, window),
      p50_ms: roundOrNull(latency.percentile(0.5)),
      p99_ms: roundOrNull(latency.percentile(0.99)),
      totals,
      buyers: this.#buyerHealth(all.map((contribution) => contribution.buyers)),
      instances: all.length,
    };
  }

  /** Every buyer of the configuration, with the requests, timeouts and errors counted for it (summed over `counts`). */
  #buyerHealth(counts: readonly BuyerCounts[]): BuyerHealth[] {
    return this.#config().buyers.map((buyer) => {
      const health: BuyerHealth = {
        buyer_id: buyer.id,
        status: buyer.status,
        requests: 0,
        timeouts: 0,
        errors: 0,
      };
      for (const byBuyer of counts) {
        const counted = Object.hasOwn(byBuyer, buyer.id) ? byBuyer[buyer.id] : undefined;
        if (!counted) continue;
        health.requests += counted.requests;
        health.timeouts += counted.timeouts;
        health.errors += counted.errors;
      }
      return health;
    });
  }

  /** Revenue and margin since 00:00 UTC from the hourly report rollups (one small read every few seconds). */
  async #moneyToday(now: number): Promise<LiveSnapshot["today"]> {
    if (!this.#store || now - this.#today.at < MONEY_EVERY_MS) return this.#today.value;
    const from = now - (now % DAY_MS);
    const to = now - (now % HOUR_MS) + HOUR_MS;
    try {
      const [row] = await this.#store.report({ from, to, dimensions: [] });
      const revenue = Number(row?.lead_revenue_cents ?? 0);
      const payout = Number(row?.lead_payout_cents ?? 0);
      this.#today = { at: now, value: { revenue: revenue / 100, margin: (revenue - payout) / 100 } };
    } catch {
      // The dashboard keeps the last figures; the report API says what went wrong.
      this.#today = { ...this.#today, at: now };
    }
    return this.#today.value;
  }

  async #values(name: string): Promise<MetricValue[]> {
    const metric = this.#registry.getSingleMetric(name);
    if (!metric) return [];
    return (await metric.get()).values as MetricValue[];
  }
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number | undefined>;
}

/** Requests, timeouts and errors per buyer id, from gavel_buyer_requests_total (labels buyer and outcome). */
function buyerCounts(values: readonly MetricValue[]): BuyerCounts {
  const byBuyer = new Map<string, BuyerCounts[string]>();
  for (const { labels, value } of values) {
    const buyer = String(labels.buyer);
    const counts = byBuyer.get(buyer) ?? { requests: 0, timeouts: 0, errors: 0 };
    byBuyer.set(buyer, counts);
    counts.requests += value;
    if (TIMEOUT_REASONS.has(String(labels.outcome))) counts.timeouts += value;
    if (ERROR_REASONS.has(String(labels.outcome))) counts.errors += value;
  }
  return Object.fromEntries(byBuyer);
}

/** The snapshot's rates and shares from a window's counts. */
function rates(
  at: number,
  pingsPerS: number,
  leadsPerS: number,
  window: { auctions: number; bids: number; leads: number; sold: number },
): Pick<LiveSnapshot, "at" | "pings_per_s" | "leads_per_s" | "bid_rate_pct" | "sold_pct"> {
  return {
    at: new Date(at).toISOString(),
    pings_per_s: round(pingsPerS),
    leads_per_s: round(leadsPerS),
    bid_rate_pct: window.auctions > 0 ? round((100 * window.bids) / window.auctions) : null,
    sold_pct: window.leads > 0 ? round((100 * window.sold) / window.leads) : null,
  };
}

function sum(values: readonly MetricValue[]): number {
  return values.reduce((total, { value }) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value);
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}
