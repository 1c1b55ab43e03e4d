// What the exchange remembers about each auction and lead. Shared by every store and hot-state implementation.
import type { LeadQuality } from "./lead-quality.ts";
import type { BuyerOutcome, Reason } from "./outcomes.ts";
import type { Bid } from "./ranking.ts";
import type { LeadValues } from "./vertical.ts";

/** One auction: a ping, or the auction inside a direct post. Holds the ranked bids the post may fall back through. */
export interface PingRecord {
  id: string;
  kind: "ping" | "direct";
  source_id: string;
  vertical: string;
  /** The non-PII values that were pinged; a post must match them. */
  lead: LeadValues;
  test: boolean;
  sub_id?: string;
  created_at: number;
  /** Epoch ms after which the held bids can no longer be posted. */
  expires_at: number;
  status: "bid" | "no_bid";
  /** The price quoted to the source, in cents (0 for no bid). */
  price_cents: number;
  /** Bids in rank order, best first. */
  bids: Bid[];
  /** The lead's validation (its vertical's `validation`): the first step of the decision trace. No PII. */
  quality?: LeadQuality;
}

/** One line of a decision trace, as stored. */
export interface OutcomeRecord extends BuyerOutcome {
  auction_id: string;
  phase: "ping" | "post";
  at: number;
}

/** A lead that was posted (or direct-posted), with its PII. Durable before the post is answered. */
export interface LeadRecord {
  id: string;
  auction_id: string;
  kind: "ping" | "direct";
  source_id: string;
  vertical: string;
  lead: LeadValues;
  consent: Record<string, unknown>;
  test: boolean;
  sub_id?: string;
  status: "sold" | "unsold";
  /** Paid to the source, in cents (0 when unsold). */
  price_cents: number;
  /** Charged to the buyer, in cents. */
  buyer_price_cents?: number;
  campaign_id?: string;
  buyer_id?: string;
  buyer_lead_id?: string;
  /**
   * A shared lead's other buyers, each charged its own price (the buyer above is the first). Absent: sold exclusive,
   * or unsold. `price_cents` is then what the source is paid for all the sales together.
   */
  shares?: LeadShare[];
  /** Why it did not sell, when it did not. */
  reason?: Reason | "no_bids" | "no_eligible_buyers";
  created_at: number;
  /** A ping-post lead's: how long after its ping the post arrived (ms). Absent on a direct post. */
  ping_to_post_ms?: number;
  /**
   * When its PII was blanked (a retention purge or an erasure request, docs/privacy.md): `lead` then holds only the
   * vertical's non-PII fields and `consent` only its certificate ids; the contact hashes, trace and money remain.
   */
  pii_purged_at?: number;
}

/** One more buyer of a shared lead. */
export interface LeadShare {
  campaign_id: string;
  buyer_id: string;
  /** Charged to this buyer, in cents. */
  buyer_price_cents: number;
  buyer_lead_id?: string;
}

/** Every sale of a lead, the first buyer's and any shared ones, as shares: what caps, funds and dedupe count. */
export function salesOf(lead: LeadRecord): LeadShare[] {
  if (lead.status !== "sold" || !lead.buyer_id || !lead.campaign_id) return [];
  const first: LeadShare = {
    campaign_id: lead.campaign_id,
    buyer_id: lead.buyer_id,
    buyer_price_cents: lead.buyer_price_cents ?? 0,
    ...(lead.buyer_lead_id ? { buyer_lead_id: lead.buyer_lead_id } : {}),
  };
  return [first, ...(lead.shares ?? [])];
}

/** The answer a source gets for a post; a retry of the same post gets the same answer. */
export function postAnswer(lead: LeadRecord): {
  lead_id: string;
  status: "sold" | "unsold";
  price: number;
  reason?: string;
} {
  return {
    lead_id: lead.id,
    status: lead.status,
    price: lead.price_cents / 100,
    ...(lead.reason === undefined ? {} : { reason: lead.reason }),
  };
}

/**
 * What an outbox item is, and so how the worker sends it: a postback to a source, or a sold lead delivered to a buyer's
 * campaign by signed webhook or by e-mail (see src/deliveries/).
 */
export type OutboxKind =
  | "source_postback"
  | "webhook"
  | "email"
  | "buyer_notice"
  // An alert raised for the operator (src/console/alert-notifier.ts), by signed webhook or by e-mail.
  | "alert_webhook"
  | "alert_email";

/**
 * One message in the outbox: work done after the answer (postbacks to sources, deliveries to buyers), durable and
 * retried. Written in the same transaction as the lead it concerns, so a sale and its postback never disagree.
 * Bodies never carry PII: a delivery's body names its lead, and the worker reads the lead from the store to send it.
 */
export interface OutboxItem {
  id: string;
  kind: OutboxKind;
  /** Whom it concerns (a source id, or a campaign id for a delivery), for listing. */
  owner_id: string;
  /** Where it goes: an http(s) URL, or for an e-mail `mailto:` and the comma-separated recipients. */
  url: string;
  /** Postbacks: the HTTP method (absent: POST, the body as JSON); a GET sends no body, its URL carries the values. */
  method?: "GET" | "POST";
  body: Record<string, unknown>;
  timeout_ms: number;
  /** pending: due at run_at (a claimed item's run_at is its lease); done: delivered; dead: gave up (replayable). */
  status: "pending" | "done" | "dead";
  attempts: number;
  run_at: number;
  created_at: number;
  last_error?: string;
  delivered_at?: number;
}

/** How an outbox delivery attempt ended. */
export type OutboxSettlement =
  | { status: "done"; at: number }
  | { status: "pending"; run_at: number; error: string }
  | { status: "dead"; error: string };

/** The money ledger's kinds of entry (see src/engine/ledger.ts for the books and their invariant). */
export const LEDGER_KINDS = [
  "buyer_charge",
  "source_payout",
  "margin",
  "buyer_refund",
  "payout_reversal",
  "margin_reversal",
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  /** Unique and derived from what caused it, so writing the same sale twice cannot double it. */
  id: string;
  lead_id: string;
  kind: LedgerKind;
  /** The buyer or source the entry is with; "exchange" for margin. */
  party_id: string;
  /** Signed cents: a charge or payout is positive, a refund or reversal negative. */
  amount_cents: number;
  created_at: number;
}

/** Why a buyer returns a lead. */
export const RETURN_REASONS = [
  "invalid_contact",
  "duplicate",
  "fraud",
  "not_qualified",
  "no_consent",
  "other",
] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];

/** A buyer's request to give back a lead it bought, and the operator's (or the auto-approval's) decision. */
export interface ReturnRecord {
  id: string;
  lead_id: string;
  /** The buyer giving its purchase back (one of a shared lead's buyers), through the campaign that bought it. */
  buyer_id: string;
  campaign_id: string;
  reason: ReturnReason;
  note?: string;
  status: "pending" | "approved" | "rejected";
  /** What the buyer gets back when approved: what it was charged, in cents. */
  refund_cents: number;
  /** What the source gives back when approved (its share of this sale), 0 when its policy keeps payouts. */
  reversal_cents: number;
  requested_at: number;
  decided_at?: number;
  decided_by?: "operator" | "auto";
  /** When the approved lead was offered again: the new lead ("" while that resale is under way). */
  resale_lead_id?: string;
}

/** Which leads one retention pass blanks: one vertical's leads of one status created before a cutoff, oldest first. */
export interface PiiPurgeSelection {
  vertical: string;
  status: LeadRecord["status"];
  /** Epoch ms: leads created before it have outlived their retention. */
  created_before: number;
  /** At most this many in one batch (one short transaction). */
  limit: number;
}

/** What a lead keeps when its PII is blanked (see src/compliance/privacy/pii-redaction.ts). */
export type PiiRedaction = (lead: LeadRecord) => Pick<LeadRecord, "lead" | "consent">;

/** What erasing a consumer's leads changed. */
export interface PiiErasure {
  /** Leads whose PII was blanked now (a lead blanked before is not counted again). */
  leads: number;
  /** Pending deliveries of those leads to buyers, cancelled (they would have sent the lead). */
  deliveries_cancelled: number;
}

/** A consumer's access or erasure request, as recorded: the hashes asked about, never the contact itself. */
export interface PrivacyRequestRecord {
  id: string;
  kind: "access" | "erasure";
  contacts: { kind: "email" | "phone"; sha256: string }[];
  leads_found: number;
  leads_erased: number;
  deliveries_cancelled: number;
  suppressions_added: number;
  created_at: number;
}
