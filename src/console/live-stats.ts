// The operator dashboard's live numbers, sampled once a second: pings/s, bid rate, sold %, leads/s, p50/p99 of the
// seller API's answer time, and per-buyer health. Counts come from the Prometheus registry the exchange already keeps;
// answer times from the server's onResponse hook (a number pushed into a ring, nothing more on the request path).
import type { Registry } from "prom-client";
import type { ConfigSnapshot } from "../domain/snapshot.ts";
import type { Store } from "../store/store.ts";

/** The window the rates and percentiles are computed over. */
const WINDOW_MS = 5_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Today's money is read from the report rollups every few seconds, not every tick. */
const MONEY_EVERY_MS = 5_000;
const MAX_SAMPLES = 20_000;

export interface BuyerHealth {
  buyer_id: string;
  status: string;
  requests: number;
  timeouts: number;
  errors: number;
}

export interface LiveSnapshot {
  at: string;
  /** Auctions (pings and direct posts) per second over the window. */
  pings_per_s: number;
  leads_per_s: number;
  /** Share of auctions (pings and direct posts) that got a bid, over the window, in % (null without auctions). */
  bid_rate_pct: number | null;
  /** Share of posted leads that sold, over the window, in %. */
  sold_pct: number | null;
  /** The seller API's answer time over the window (ms). */
  p50_ms: number | null;
  p99_ms: number | null;
  totals: { auctions: number; bids: number; leads: number; sold: number };
  /** Since 00:00 UTC, live leads only, in dollars: charged to buyers, and that less the sources' payouts. */
  today: { revenue: number; margin: number } | null;
  buyers: BuyerHealth[];
}

interface Counts {
  at: number;
  auctions: number;
  bids: number;
  leads: number;
  sold: number;
}

const ERROR_REASONS = new Set(["buyer_error", "unreachable", "invalid_response", "post_error"]);
const TIMEOUT_REASONS = new Set(["timeout", "post_timeout"]);

export class LiveStats {
  readonly #registry: Registry;
  readonly #config: () => ConfigSnapshot;
  readonly #now: () => number;
  readonly #history: Counts[] = [];
  readonly #latencies: { at: number; ms: number }[] = [];
  #latest: LiveSnapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners = new Set<(snapshot: LiveSnapshot) => void>();
  readonly #store: Store | undefined;
  #today: { at: number; value: LiveSnapshot["today"] } = { at: 0, value: null };

  constructor(options: {
    registry: Registry;
    config: () => ConfigSnapshot;
    store?: Store;
    now?: () => number;
  }) {
    this.#registry = options.registry;
    this.#store = options.store;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
  }

  /** One seller API answer (a ping, post or direct post) and how long it took. */
  observeSellerRequest(ms: number): void {
    this.#latencies.push({ at: this.#now(), ms });
    if (this.#latencies.length > MAX_SAMPLES) this.#latencies.splice(0, this.#latencies.length - MAX_SAMPLES);
  }

  /** Calls `listener` with each new snapshot (once a second while anyone listens); returns how to stop. */
  subscribe(listener: (snapshot: LiveSnapshot) => void): () => void {
    this.#listeners.add(listener);
    this.#timer ??= setInterval(() => void this.#tick(), 1_000);
    if (this.#latest) listener(this.#latest);
    else void this.#tick();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** The numbers now (for a plain GET). */
  async snapshot(): Promise<LiveSnapshot> {
    await this.#tick();
    return this.#latest!;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  async #tick(): Promise<void> {
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
    const seconds = Math.max((now - first.at) / 1000, 1);
    const auctions = counts.auctions - first.auctions;
    const leads = counts.leads - first.leads;
    const recent = this.#latencies
      .filter((sample) => sample.at >= now - WINDOW_MS)
      .map((sample) => sample.ms);
    this.#latencies.splice(0, this.#latencies.length - recent.length);
    recent.sort((a, b) => a - b);
    this.#latest = {
      at: new Date(now).toISOString(),
      pings_per_s: round(auctions / seconds),
      leads_per_s: round(leads / seconds),
      bid_rate_pct: auctions > 0 ? round((100 * (counts.bids - first.bids)) / auctions) : null,
      sold_pct: leads > 0 ? round((100 * (counts.sold - first.sold)) / leads) : null,
      p50_ms: percentile(recent, 0.5),
      p99_ms: percentile(recent, 0.99),
      totals: { auctions: counts.auctions, bids: counts.bids, leads: counts.leads, sold: counts.sold },
      today: await this.#moneyToday(now),
      buyers: this.#buyerHealth(buyerRequests),
    };
    for (const listener of this.#listeners) listener(this.#latest);
  }

  #buyerHealth(values: MetricValue[]): BuyerHealth[] {
    const byBuyer = new Map<string, BuyerHealth>();
    for (const buyer of this.#config().buyers) {
      byBuyer.set(buyer.id, {
        buyer_id: buyer.id,
        status: buyer.status,
        requests: 0,
        timeouts: 0,
        errors: 0,
      });
    }
    for (const { labels, value } of values) {
      const health = byBuyer.get(String(labels.buyer));
      if (!health) continue;
      health.requests += value;
      if (TIMEOUT_REASONS.has(String(labels.outcome))) health.timeouts += value;
      if (ERROR_REASONS.has(String(labels.outcome))) health.errors += value;
    }
    return [...byBuyer.values()];
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

function sum(values: readonly MetricValue[]): number {
  return values.reduce((total, { value }) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}
