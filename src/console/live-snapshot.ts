// What the operator dashboard receives once a second (GET /v1/console/live, server-sent events): the one definition
// the exchange (live-stats.ts) sends and the console (web/src/screens/dashboard.tsx) reads. Types only, so the browser
// build can import it.

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
  /** With several instances: how many live instances' numbers are summed here (1 while the board is unreachable). */
  instances?: number;
}
