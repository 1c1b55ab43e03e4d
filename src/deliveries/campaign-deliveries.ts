// Deliveries to buyers that take leads without a real-time post (a campaign's `delivery`). Such a campaign has bought
// the lead at its bid the moment it was chosen; an outbox item written in the sale's transaction then carries the lead
// to it, by signed webhook or by e-mail, retried until taken. The item names the lead and holds no PII: the worker
// reads the lead from the store when it sends it, so the consumer's details live in one place only.

import type { Campaign, CampaignDelivery } from "../domain/config-schema.ts";
import type { LeadRecord, OutboxItem } from "../domain/records.ts";
import type { LeadValues } from "../domain/vertical.ts";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import { timeOrderedId } from "../engine/time-ordered-ids.ts";

const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** An e-mail's whole send (connect, greet, hand over) is bounded by the SMTP settings; this is what is listed. */
const EMAIL_TIMEOUT_MS = 15_000;

/** One sale of the lead: which campaign bought it, at what price, under which of its bids. */
export interface DeliveredSale {
  bid: { campaign_id: string; bid_cents: number; bid_id?: string };
}

/** The outbox items that carry a lead to those of its buyers whose campaigns take it by e-mail or webhook. */
export function campaignDeliveries(
  config: ConfigSnapshot,
  lead: LeadRecord,
  sold: readonly DeliveredSale[],
  now: number,
): OutboxItem[] {
  const items: OutboxItem[] = [];
  for (const { bid } of sold) {
    const delivery = config.campaignById.get(bid.campaign_id)?.delivery;
    if (!delivery) continue;
    items.push({
      id: timeOrderedId(),
      kind: delivery.type,
      owner_id: bid.campaign_id,
      url: deliveryUrl(delivery),
      body: {
        event: "lead.delivered",
        lead_id: lead.id,
        // The auction's id, as the native post's request_id: a buyer that bid on the ping finds its bid by it.
        request_id: lead.auction_id,
        ...(bid.bid_id === undefined ? {} : { bid_id: bid.bid_id }),
        campaign_id: bid.campaign_id,
        vertical: lead.vertical,
        price: bid.bid_cents / 100,
        test: lead.test,
        sold_at: new Date(lead.created_at).toISOString(),
      },
      timeout_ms:
        delivery.type === "webhook" ? (delivery.timeout_ms ?? DEFAULT_WEBHOOK_TIMEOUT_MS) : EMAIL_TIMEOUT_MS,
      status: "pending",
      attempts: 0,
      run_at: now,
      created_at: now,
    });
  }
  return items;
}

/** The webhook's URL, or `mailto:` and the recipients (RFC 6068), fixed when the lead was sold. */
function deliveryUrl(delivery: CampaignDelivery): string {
  return delivery.type === "webhook" ? delivery.url : `mailto:${delivery.to.join(",")}`;
}

/** The recipients of an e-mail item. */
export function emailRecipients(item: OutboxItem): string[] {
  return item.url
    .replace(/^mailto:/, "")
    .split(",")
    .filter(Boolean);
}

/** The webhook secret of the campaign an item delivers to, as configured now (a rotated secret signs retries). */
export function webhookSecret(campaign: Campaign | undefined): string | undefined {
  return campaign?.delivery?.type === "webhook" ? campaign.delivery.secret : undefined;
}

/** What the buyer receives (the webhook's JSON body, and the e-mail's attachment): the item's facts and the lead. */
export interface DeliveryMessage extends Record<string, unknown> {
  event: "lead.delivered";
  delivery_id: string;
  lead_id: string;
  lead: LeadValues;
  consent: Record<string, unknown>;
}

export function deliveryMessage(item: OutboxItem, lead: LeadRecord): DeliveryMessage {
  // What the exchange verified is its own evidence; the buyer gets the consent the source sent, as a post does.
  const { verification: _, ...consent } = lead.consent;
  return {
    ...item.body,
    event: "lead.delivered",
    delivery_id: item.id,
    lead_id: lead.id,
    lead: lead.lead,
    consent,
  };
}

/** What an e-mail is written from: a delivery message (or the buyer-side bidder's own, src/bidder/crm-delivery.ts). */
export interface DeliveryEmailFacts extends Record<string, unknown> {
  delivery_id: string;
  lead_id: string;
  lead: Readonly<Record<string, unknown>>;
  consent: Readonly<Record<string, unknown>>;
}

/** The e-mail: a subject without PII (mail servers log it), readable text, and the JSON message attached. */
export function deliveryEmail(message: DeliveryEmailFacts): {
  subject: string;
  text: string;
  attachment: { filename: string; content: string };
} {
  const price = typeof message.price === "number" ? `$${message.price.toFixed(2)}` : "";
  const lines = [
    `A ${message.vertical} lead${price ? ` bought at ${price}` : ""}${message.test ? " (TEST lead)" : ""}.`,
    "",
    ...Object.entries(message.lead).map(([field, value]) => `${field}: ${text(value)}`),
    "",
    ...Object.entries(message.consent).map(([field, value]) => `consent ${field}: ${text(value)}`),
    "",
    `lead_id: ${message.lead_id}`,
    `campaign_id: ${String(message.campaign_id)}`,
    `delivery_id: ${message.delivery_id}`,
  ];
  return {
    subject: `${message.test ? "[TEST] " : ""}New ${message.vertical} lead ${message.lead_id}`,
    text: `${lines.join("\n")}\n`,
    attachment: { filename: `lead-${message.lead_id}.json`, content: JSON.stringify(message, null, 2) },
  };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
