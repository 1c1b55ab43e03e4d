// gavel simulate's engine room: one scenario is one real exchange (startGavel: the SQLite store, the memory hot state,
// the engine's auction, caps, holds, fallback and ledger) fed the same leads in virtual time by simulated sources, its
// buyers answered by the simulated firms (market-buyer-client.ts). Leads are sent one after another, each at its own
// instant of a virtual clock, so a run depends on its seed and nothing else.
// The figures are then read back from what the exchange recorded (store/auction-history.ts), as an operator would.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGavel } from "../app.ts";
import { sha256Hex } from "../compliance/sha256-hex.ts";
import type { Campaign, ConfigFile, FallbackMargin } from "../domain/config-schema.ts";
import type { LeadValues } from "../domain/vertical.ts";
import { DEFAULT_CAP_HOLD_OVERBOOK } from "../engine/gates.ts";
import { type RecordedAuction, sqliteAuctionHistory } from "../store/auction-history.ts";
import { generateLead, pingPart } from "./lead-generator.ts";
import { MarketBuyerClient, simBuyerUrls } from "./market-buyer-client.ts";
import {
  DRAW,
  fixedPriceCents,
  hiddenIntent,
  keyedDraw,
  keyedLatencyMs,
  keyedStream,
  MARKET_BUYERS,
  MARKET_SOURCES,
  type MarketBuyer,
  type MarketSource,
  trueConversion,
} from "./market-model.ts";
import { seededRandom } from "./random.ts";

export interface Scenario {
  id: string;
  title: string;
  /** fixed: each firm pays its fixed price, leads come whole by direct post; realtime: firms bid on each ping. */
  pricing: "fixed" | "realtime";
  fallbackMargin: FallbackMargin;
  /**
   * new: a ping's hold lasts as long as its bid and may overbook a cap twice; learned: as new, overbooking by each
   * source's learned post rate; old: bid + post deadline + 60 s, no overbooking.
   */
  holds: "new" | "learned" | "old";
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "fixed-direct",
    title: "Fixed price, direct post",
    pricing: "fixed",
    fallbackMargin: "strict",
    holds: "new",
  },
  {
    id: "ping-post-old-holds",
    title: "Ping-post, strict, old cap holds",
    pricing: "realtime",
    fallbackMargin: "strict",
    holds: "old",
  },
  {
    id: "ping-post",
    title: "Ping-post, strict",
    pricing: "realtime",
    fallbackMargin: "strict",
    holds: "new",
  },
  {
    id: "ping-post-honour",
    title: "Ping-post, honour_quote",
    pricing: "realtime",
    fallbackMargin: "honour_quote",
    holds: "new",
  },
  {
    id: "ping-post-learned",
    title: "Ping-post, honour_quote, learned overbook",
    pricing: "realtime",
    fallbackMargin: "honour_quote",
    holds: "learned",
  },
];

export interface SimulationOptions {
  seed: number;
  /** Leads sent per scenario (every scenario gets the same ones). */
  leads: number;
  /** Virtual time between two leads. */
  gapMs: number;
}

export const DEFAULT_SIMULATION: SimulationOptions = { seed: 42, leads: 600, gapMs: 4_000 };

/** What one scenario did, in totals (cents, ms); the report derives rates and averages. */
export interface ScenarioTotals {
  scenario: Scenario;
  /** Leads the sources meant to sell here (a ping source: those it would post, whatever the answer). */
  offered: number;
  /** Of those, leads with a bid (a ping quoted, or a direct post's auction with a winner). */
  withBid: number;
  sold: number;
  /** Sold to the auction's winner at the first post. */
  firstBuyer: number;
  /** Sold to a later bidder after the winner refused or failed. */
  fallbackSold: number;
  /** Sold on a bid that did not cover the quote under the payout model (honour_quote). */
  honouredSold: number;
  /** Leads whose winner refused or failed the post while another bid was at least the quote... */
  rescuable: number;
  /** ...and of those, the leads sold all the same. */
  rescued: number;
  sourceCents: number;
  buyerCents: number;
  /** Expected cases signed (sum of the buyers' true conversion probabilities over the leads they bought). */
  expectedCases: number;
  /** Ping-to-post time of each posted lead (ms). */
  pingToPostMs: number[];
  /** Ping-phase outcomes that read capped or held: buyers the caps kept out of an auction. */
  cappedOutcomes: number;
  heldOutcomes: number;
  /** Per firm: leads bought, and its daily lead cap when it has one. */
  buyers: { id: string; bought: number; cap?: number }[];
}

const START = Date.UTC(2026, 11, 1, 3, 0, 0);

/** Runs every scenario on the same leads; resolves to their totals, in scenario order. */
export async function simulateMarket(
  options: SimulationOptions,
  scenarios: readonly Scenario[] = SCENARIOS,
  onScenario?: (totals: ScenarioTotals) => void,
): Promise<ScenarioTotals[]> {
  // At once: each scenario is its own exchange with its own virtual clock, sending its leads one after another, so
  // running them side by side changes nothing but the wall time (most of which is waiting on each store's writer).
  return Promise.all(
    scenarios.map(async (scenario) => {
      const totals = await runScenario(scenario, options);
      onScenario?.(totals);
      return totals;
    }),
  );
}

/**
 * Exchanges start one after another, then run side by side: a dozen starting at once in one process (three runs of
 * five scenarios in the test) can keep a plugin past fastify's start timeout on a loaded machine.
 */
let starting: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(start: () => Promise<T>): Promise<T> {
  const started = starting.then(start, start);
  starting = started.catch(() => {});
  return started;
}

interface SentLead {
  index: number;
  source: MarketSource;
  offered: boolean;
  pingToPostMs?: number;
  /** The lead's part no ping shows, for the firms' true conversion. */
  intent: number;
}

async function runScenario(scenario: Scenario, options: SimulationOptions): Promise<ScenarioTotals> {
  // tmpfs when there is one: the store syncs every sale to disk, which is not what is being measured here.
  const dataDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "gavel-simulate-"));
  let clock = START;
  const client = new MarketBuyerClient(options.seed, MARKET_BUYERS);
  const sent: SentLead[] = [];
  try {
    const gavel = await oneAtATime(() =>
      startGavel({
        config: scenarioConfig(scenario, options),
        dataDir,
        port: 0,
        adminKey: randomBytes(16).toString("hex"),
        logLevel: "silent",
        now: () => clock,
        buyerClient: client,
      }),
    );
    try {
      for (let index = 0; index < options.leads; index++) {
        clock = START + index * options.gapMs;
        sent.push(
          await sendLead(gavel.exchange, client, scenario, options.seed, index, (ms) => (clock += ms)),
        );
      }
    } finally {
      await gavel.close();
    }
    return totalsFromHistory(
      scenario,
      options,
      sent,
      sqliteAuctionHistory(join(dataDir, "gavel.db"), {
        from: START,
        to: START + options.leads * options.gapMs,
      }),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type RunningExchange = Awaited<ReturnType<typeof startGavel>>["exchange"];

async function sendLead(
  exchange: RunningExchange,
  client: MarketBuyerClient,
  scenario: Scenario,
  seed: number,
  index: number,
  advance: (ms: number) => void,
): Promise<SentLead> {
  const source = sourceOf(seed, index);
  const generated = generateLead(
    "personal_injury",
    seededRandom(Math.floor(keyedDraw(seed, index, 0, DRAW.lead) * 2 ** 32)),
  );
  const intent = hiddenIntent(seed, index);
  // Whether the source means to sell this lead here (a source pinging several exchanges posts to one of them): the
  // same leads in every scenario, so they compare.
  const offered = keyedDraw(seed, index, 0, DRAW.posts) < source.postRate;
  const exchangeSource = exchange.config.sourceById.get(source.id)!;
  client.startLead(index);
  const postDelayMs = keyedLatencyMs(source.postDelayMs, keyedStream(seed, index, 0, DRAW.postDelay));
  if (scenario.pricing === "fixed") {
    if (!offered) return { index, source, offered, intent };
    await exchange.directPost(exchangeSource, {
      vertical: generated.vertical,
      lead: generated.lead,
      consent: generated.consent,
    });
    return { index, source, offered, intent, pingToPostMs: client.timeline.postMs };
  }
  const answer = await exchange.ping(exchangeSource, {
    vertical: generated.vertical,
    lead: pingPart(generated.vertical, generated.lead),
  });
  if (answer.status !== "bid" || !offered) return { index, source, offered, intent };
  const { pingMs } = client.timeline;
  advance(pingMs + postDelayMs);
  await exchange.post(exchangeSource, {
    ping_id: answer.ping_id,
    lead: generated.lead,
    consent: generated.consent,
  });
  return { index, source, offered, intent, pingToPostMs: pingMs + postDelayMs + client.timeline.postMs };
}

function sourceOf(seed: number, index: number): MarketSource {
  let point = keyedDraw(seed, index, 0, DRAW.source);
  for (const source of MARKET_SOURCES) {
    point -= source.trafficShare;
    if (point < 0) return source;
  }
  return MARKET_SOURCES[MARKET_SOURCES.length - 1]!;
}

/** The exchange configuration of a scenario: the same firms, sources, filters, caps and budgets in each. */
export function scenarioConfig(scenario: Scenario, options: SimulationOptions): ConfigFile {
  const postDeadlineMs = 15_000;
  const holdS = 120;
  return {
    settings: {
      default_tmax_ms: 800,
      max_tmax_ms: 1000,
      hold_s: scenario.holds === "old" ? holdS + postDeadlineMs / 1000 + 60 : holdS,
      post_deadline_ms: postDeadlineMs,
      cap_hold_overbook:
        scenario.holds === "old" ? 1 : scenario.holds === "learned" ? "learned" : DEFAULT_CAP_HOLD_OVERBOOK,
    },
    sources: MARKET_SOURCES.map((source) => ({
      id: source.id,
      name: source.name,
      status: "live",
      payout: source.payout,
      api_key_sha256: sha256Hex(`simulated-${source.id}`),
      fallback_margin: scenario.fallbackMargin,
    })),
    buyers: MARKET_BUYERS.map((buyer) => ({ id: buyer.id, name: buyer.name, status: "active" })),
    campaigns: MARKET_BUYERS.map((buyer, index) => campaignOf(buyer, index, scenario, options)),
  };
}

/** Leads the firms' fixed prices are computed over: its own seed, so the prices are the same in every run. */
const REFERENCE_SAMPLE: readonly LeadValues[] = Array.from({ length: 4_000 }, (_, index) => {
  const lead = generateLead("personal_injury", seededRandom(0x5eed + index));
  return pingPart(lead.vertical, lead.lead);
});

function campaignOf(
  buyer: MarketBuyer,
  index: number,
  scenario: Scenario,
  options: SimulationOptions,
): Campaign {
  const urls = simBuyerUrls(buyer.id);
  const cap = capOf(buyer, options);
  const budget =
    buyer.dailyBudgetPerPing === undefined ? undefined : buyer.dailyBudgetPerPing * options.leads;
  return {
    id: `${buyer.id}-pi`,
    buyer_id: buyer.id,
    vertical: "personal_injury",
    name: buyer.name,
    status: "active",
    filters: [
      { field: "state", op: "in", value: [...buyer.states] },
      // A fixed-price buyer cannot price a lead, only take or leave it: the same filters in both worlds.
      ...(buyer.minSeverity === undefined
        ? []
        : [{ field: "injury_severity", op: "gte" as const, value: buyer.minSeverity }]),
    ],
    pricing:
      scenario.pricing === "fixed"
        ? { type: "fixed", price: fixedPriceCents(buyer, index, REFERENCE_SAMPLE) / 100 }
        : { type: "realtime", max_price: 500 },
    ...(scenario.pricing === "realtime" ? { ping: { url: urls.ping, timeout_ms: 300 } } : {}),
    post: { url: urls.post, timeout_ms: 1_000 },
    ...(cap !== undefined || budget !== undefined
      ? {
          caps: {
            ...(cap === undefined ? {} : { leads: { day: cap } }),
            ...(budget === undefined ? {} : { spend: { day: budget } }),
          },
        }
      : {}),
  };
}

function capOf(buyer: MarketBuyer, options: SimulationOptions): number | undefined {
  return buyer.dailyCapShare === undefined
    ? undefined
    : Math.max(1, Math.round(buyer.dailyCapShare * options.leads));
}

/** Folds the recorded auctions (and what the firms know: true conversion, timings) into a scenario's totals. */
function totalsFromHistory(
  scenario: Scenario,
  options: SimulationOptions,
  sent: readonly SentLead[],
  history: Iterable<RecordedAuction>,
): ScenarioTotals {
  const totals: ScenarioTotals = {
    scenario,
    offered: sent.filter((lead) => lead.offered).length,
    withBid: 0,
    sold: 0,
    firstBuyer: 0,
    fallbackSold: 0,
    honouredSold: 0,
    rescuable: 0,
    rescued: 0,
    sourceCents: 0,
    buyerCents: 0,
    expectedCases: 0,
    pingToPostMs: sent.flatMap((lead) => (lead.pingToPostMs === undefined ? [] : [lead.pingToPostMs])),
    cappedOutcomes: 0,
    heldOutcomes: 0,
    buyers: MARKET_BUYERS.map((buyer) => {
      const cap = capOf(buyer, options);
      return { id: buyer.id, bought: 0, ...(cap === undefined ? {} : { cap }) };
    }),
  };
  const buyerIndex = new Map(MARKET_BUYERS.map((buyer, index) => [buyer.id, index]));
  for (const auction of history) {
    const index = Math.round((auction.created_at - START) / options.gapMs);
    const lead = sent[index];
    for (const outcome of auction.outcomes) {
      if (outcome.phase !== "ping") continue;
      if (outcome.reason === "capped") totals.cappedOutcomes++;
      if (outcome.reason === "held") totals.heldOutcomes++;
    }
    if (!lead?.offered) continue;
    const posts = auction.outcomes.filter((outcome) => outcome.phase === "post");
    if (auction.sale && posts.length > 0) totals.withBid++;
    const sale = auction.sale;
    const rescuable =
      posts.length > 0 &&
      posts[0]!.reason !== "post_accepted" &&
      otherBidCovers(auction, posts[0]!.campaign_id);
    if (rescuable) totals.rescuable++;
    if (sale?.status !== "sold" || !sale.buyer_id) continue;
    if (rescuable) totals.rescued++;
    totals.sold++;
    totals.sourceCents += sale.price_cents;
    totals.buyerCents += sale.buyer_price_cents ?? 0;
    if (posts[0]?.reason === "post_accepted") totals.firstBuyer++;
    else totals.fallbackSold++;
    if (
      auction.quoted_cents > 0 &&
      (sale.buyer_price_cents ?? 0) - sale.price_cents < marginOf(lead.source, sale)
    )
      totals.honouredSold++;
    const firm = buyerIndex.get(sale.buyer_id);
    if (firm === undefined) continue;
    totals.buyers[firm]!.bought++;
    totals.expectedCases += trueConversion(MARKET_BUYERS[firm]!, auction.lead, lead.intent);
  }
  return totals;
}

/** Whether a bid other than the first one posted was at least the price quoted to the source. */
function otherBidCovers(auction: RecordedAuction, firstPosted: string): boolean {
  return auction.outcomes.some(
    (outcome) =>
      outcome.phase === "ping" &&
      outcome.campaign_id !== firstPosted &&
      (outcome.reason === "lost" || outcome.reason === "won") &&
      (outcome.bid_cents ?? 0) >= auction.quoted_cents,
  );
}

/** The exchange's margin on a sale under the source's payout model (honour_quote may keep less). */
function marginOf(source: MarketSource, sale: { buyer_price_cents?: number }): number {
  const bid = sale.buyer_price_cents ?? 0;
  return source.payout.model === "margin"
    ? Math.min(bid, Math.round(source.payout.amount * 100))
    : bid - Math.floor((bid * source.payout.percent) / 100);
}
