// The simulated law firms of gavel simulate, answering the real exchange's pings and posts in process: the exchange's
// own buyer client is swapped for this one (startGavel's `buyerClient`), so the auction, ranking, caps, holds,
// fallback and ledger that run are the engine's, and only the firms are simulated. Time is virtual: a firm's latency
// is drawn, reported to the engine as measured, and an answer later than the engine's budget is the engine's timeout.
// Every draw is keyed by (seed, lead, firm, purpose), so a run is the same whatever order the exchange asks in.
import {
  BuyerHttpClient,
  type BuyerHttpRequest,
  type BuyerHttpResponse,
  BuyerTransportError,
} from "../buyers/buyer-http-client.ts";
import type { LeadValues } from "../domain/vertical.ts";
import { bidCents, DRAW, keyedDraw, keyedLatencyMs, keyedStream, type MarketBuyer } from "./market-model.ts";

/** Where the simulated firms "listen": never resolved, the client answers before any socket is opened. */
export const SIM_BUYER_ORIGIN = "http://simulated-buyer.invalid";

export function simBuyerUrls(buyerId: string): { ping: string; post: string } {
  return { ping: `${SIM_BUYER_ORIGIN}/${buyerId}/ping`, post: `${SIM_BUYER_ORIGIN}/${buyerId}/post` };
}

/** What the firms saw of the lead being sold now. */
export interface LeadTimeline {
  /** Longest answer the exchange waited for during the ping (ms): the ping's share of ping-to-post time. */
  pingMs: number;
  /** Time spent in posts, fallbacks included (ms). */
  postMs: number;
}

export class MarketBuyerClient extends BuyerHttpClient {
  readonly #seed: number;
  readonly #buyers: readonly MarketBuyer[];
  readonly #indexById: Map<string, number>;
  #leadIndex = -1;
  #timeline: LeadTimeline = { pingMs: 0, postMs: 0 };

  constructor(seed: number, buyers: readonly MarketBuyer[]) {
    super({ maxResponseBytes: 64 * 1024 });
    this.#seed = seed;
    this.#buyers = buyers;
    this.#indexById = new Map(buyers.map((buyer, index) => [buyer.id, index]));
  }

  /** The lead the exchange is about to auction: its index keys every draw. */
  startLead(leadIndex: number): void {
    this.#leadIndex = leadIndex;
    this.#timeline = { pingMs: 0, postMs: 0 };
  }

  get timeline(): LeadTimeline {
    return this.#timeline;
  }

  override async send(request: BuyerHttpRequest): Promise<BuyerHttpResponse> {
    const [, buyerId, kind] = new URL(request.url).pathname.split("/");
    const buyerIndex = this.#indexById.get(buyerId ?? "");
    if (buyerIndex === undefined)
      throw new BuyerTransportError("unreachable", `no simulated buyer ${buyerId}`, 0);
    const buyer = this.#buyers[buyerIndex]!;
    const body = JSON.parse(request.body ?? "{}") as { lead?: LeadValues };
    return kind === "ping"
      ? this.#answerPing(buyer, buyerIndex, body.lead ?? {}, request.timeoutMs)
      : this.#answerPost(buyer, buyerIndex, request.timeoutMs);
  }

  #answerPing(buyer: MarketBuyer, buyerIndex: number, lead: LeadValues, budgetMs: number): BuyerHttpResponse {
    const latencyMs = keyedLatencyMs(
      buyer.latencyMs,
      keyedStream(this.#seed, this.#leadIndex, buyerIndex, DRAW.pingLatency),
    );
    this.#timeline.pingMs = Math.max(this.#timeline.pingMs, Math.min(latencyMs, budgetMs));
    if (latencyMs > budgetMs) throw new BuyerTransportError("timeout", "simulated buyer too slow", budgetMs);
    const cents = bidCents(buyer, buyerIndex, lead);
    if (cents === undefined) return { status: 204, body: "", latencyMs };
    return { status: 200, body: JSON.stringify({ bid: true, price: cents / 100 }), latencyMs };
  }

  #answerPost(buyer: MarketBuyer, buyerIndex: number, budgetMs: number): BuyerHttpResponse {
    const latencyMs = keyedLatencyMs(
      buyer.postLatencyMs,
      keyedStream(this.#seed, this.#leadIndex, buyerIndex, DRAW.postLatency),
    );
    this.#timeline.postMs += Math.min(latencyMs, budgetMs);
    if (latencyMs > budgetMs) throw new BuyerTransportError("timeout", "simulated buyer too slow", budgetMs);
    const accepted =
      keyedDraw(this.#seed, this.#leadIndex, buyerIndex, DRAW.postReject) >= buyer.postRejectRate;
    const reply = accepted ? { accepted: true } : { accepted: false, reason: "contact failed our checks" };
    return { status: 200, body: JSON.stringify(reply), latencyMs };
  }
}
