// Notices to buyers, through the outbox, written with the sale (or the return) they are about, so none is lost and
// none costs the ping path anything:
//   win     your campaign bought this lead, at this price (the charge)
//   loss    your campaign bid on this lead and did not buy it, and why (outbid, its post failed, refused at the post)
//   refund  an approved return gave you back this amount
// Never PII, and never another buyer's price: a loss says what the buyer itself bid, not what won.

import type { Buyer } from "../domain/config-schema.ts";
import type { BuyerOutcome } from "../domain/outcomes.ts";
import type { Bid } from "../domain/ranking.ts";
import type { LeadRecord, OutboxItem, ReturnRecord } from "../domain/records.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import { timeOrderedId } from "./time-ordered-ids.ts";

const DEFAULT_TIMEOUT_MS = 5_000;

export type BuyerNoticeEvent = "win" | "loss" | "refund";

/** The win and loss notices a posted lead owes the buyers that bid on it. */
export function saleNotices(
  config: ConfigSnapshot,
  lead: LeadRecord,
  bids: readonly Bid[],
  sold: readonly { bid: Bid }[],
  postOutcomes: readonly BuyerOutcome[],
  now: number,
): OutboxItem[] {
  const items: OutboxItem[] = [];
  // Every posted lead passes here, and most buyers take no notices: no body is built for a buyer that takes none.
  let base: Record<string, unknown> | undefined;
  const baseOf = () =>
    (base ??= {
      lead_id: lead.id,
      ...(lead.kind === "ping" ? { ping_id: lead.auction_id } : {}),
      vertical: lead.vertical,
      test: lead.test,
      at: new Date(lead.created_at).toISOString(),
    });
  for (const sale of sold) {
    const buyer = noticeTaker(config.buyerById.get(sale.bid.buyer_id), "win");
    if (!buyer) continue;
    items.push(
      notice(buyer, now, {
        event: "lead.won",
        ...baseOf(),
        campaign_id: sale.bid.campaign_id,
        price: sale.bid.bid_cents / 100,
      }),
    );
  }
  const notified = new Set<string>();
  for (const bid of bids) {
    const buyer = noticeTaker(config.buyerById.get(bid.buyer_id), "loss");
    if (!buyer || notified.has(bid.campaign_id)) continue;
    notified.add(bid.campaign_id);
    if (sold.some((sale) => sale.bid.campaign_id === bid.campaign_id)) continue;
    const tried = postOutcomes.find((outcome) => outcome.campaign_id === bid.campaign_id);
    items.push(
      notice(buyer, now, {
        event: "lead.lost",
        ...baseOf(),
        campaign_id: bid.campaign_id,
        bid: bid.bid_cents / 100,
        // Its own post's outcome when it was tried; else it was outbid (or the lead went unsold before its turn).
        reason: tried?.reason ?? (sold.length > 0 ? "outbid" : "unsold"),
      }),
    );
  }
  return items;
}

/** The refund notice an approved return owes its buyer. */
export function refundNotice(config: ConfigSnapshot, request: ReturnRecord, now: number): OutboxItem[] {
  const buyer = noticeTaker(config.buyerById.get(request.buyer_id), "refund");
  if (!buyer) return [];
  return [
    notice(buyer, now, {
      event: "lead.refunded",
      lead_id: request.lead_id,
      campaign_id: request.campaign_id,
      return_id: request.id,
      reason: request.reason,
      amount: request.refund_cents / 100,
      at: new Date(now).toISOString(),
    }),
  ];
}

/** The buyer, with its notice settings, when it takes notices of this event. */
function noticeTaker(
  buyer: Buyer | undefined,
  event: BuyerNoticeEvent,
): (Buyer & { notices: NonNullable<Buyer["notices"]> }) | undefined {
  const notices = buyer?.notices;
  if (!buyer || !notices) return undefined;
  if (notices.events !== undefined && !notices.events.includes(event)) return undefined;
  return buyer as Buyer & { notices: NonNullable<Buyer["notices"]> };
}

function notice(
  buyer: Buyer & { notices: NonNullable<Buyer["notices"]> },
  now: number,
  body: Record<string, unknown>,
): OutboxItem {
  const { notices } = buyer;
  return {
    id: timeOrderedId(),
    kind: "buyer_notice",
    owner_id: buyer.id,
    url: notices.url,
    body,
    timeout_ms: notices.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    status: "pending",
    attempts: 0,
    run_at: now,
    created_at: now,
  };
}
