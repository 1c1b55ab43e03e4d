// What the admin API answers about leads, pings and their decision traces, declared once: fastify serialises the
// answers with these schemas, /docs shows them, and the console imports the types (web/src) instead of redeclaring
// them. The serializer drops a property a schema does not declare, so each presenter here builds exactly its schema's
// type, and test/http/response-schemas.test.ts compares what the presenters return with what fastify sends.
import { type Static, Type } from "@sinclair/typebox";
import { REASONS, type Reason } from "../domain/outcomes.ts";
import type { LeadRecord, OutcomeRecord, PingRecord } from "../domain/records.ts";

const Instant = Type.String({ format: "date-time", description: "RFC 3339" });
const Dollars = Type.Number({ description: "Dollars" });
/** Field values as the vertical defines them: open-ended. */
const LeadValues = Type.Record(Type.String(), Type.Unknown(), {
  description: "The lead's fields by the vertical's names (only the non-PII ones once its PII was purged)",
});

/** One line of a decision trace: one buyer's outcome on the ping or the post. */
export const TraceLineSchema = Type.Object(
  {
    phase: Type.Union([Type.Literal("ping"), Type.Literal("post")]),
    campaign_id: Type.String(),
    buyer_id: Type.String(),
    outcome: Type.String({ description: "The outcome reason (GET /v1/admin/reasons lists them)" }),
    code: Type.Integer({ description: "The reason's numeric code (OpenRTB seat-non-bid where one exists)" }),
    bid: Type.Optional(Dollars),
    latency_ms: Type.Optional(Type.Number()),
    detail: Type.Optional(Type.String()),
    at: Instant,
  },
  { $id: "TraceLine" },
);
export type TraceLine = Static<typeof TraceLineSchema>;

/** The first step of a decision trace where the vertical validates leads: the score and each issue (no PII). */
export const LeadQualitySchema = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 100, description: "100 less the soft issues' penalties" }),
    issues: Type.Array(
      Type.Object({
        check: Type.String({
          description: "zip_state, phone_area_code_state, email_disposable, velocity, …",
        }),
        hard: Type.Boolean({
          description: "A hard issue refuses the lead (so it is only seen on a refusal)",
        }),
        penalty: Type.Integer(),
        field: Type.String(),
        message: Type.String(),
      }),
    ),
  },
  { $id: "LeadQuality", description: "Lead validation at the ping (docs/privacy.md#lead-validation)" },
);

const LeadShareSchema = Type.Object({
  campaign_id: Type.String(),
  buyer_id: Type.String(),
  buyer_price: Dollars,
  buyer_lead_id: Type.Optional(Type.String()),
});

/** A lead as the admin API answers it: dollars for cents, RFC 3339 for epoch ms. */
export const AdminLeadSchema = Type.Object(
  {
    id: Type.String(),
    auction_id: Type.String(),
    kind: Type.Union([Type.Literal("ping"), Type.Literal("direct")]),
    source_id: Type.String(),
    vertical: Type.String(),
    lead: LeadValues,
    consent: Type.Record(Type.String(), Type.Unknown(), {
      description: "The consent proof the source sent, and what its verification found",
    }),
    test: Type.Boolean(),
    sub_id: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal("sold"), Type.Literal("unsold")]),
    price: Type.Number({ description: "Paid to the source, in dollars (0 when unsold)" }),
    buyer_price: Type.Optional(Type.Number({ description: "Charged to the (first) buyer, in dollars" })),
    campaign_id: Type.Optional(Type.String()),
    buyer_id: Type.Optional(Type.String()),
    buyer_lead_id: Type.Optional(Type.String()),
    shares: Type.Optional(Type.Array(LeadShareSchema, { description: "A shared lead's other buyers" })),
    reason: Type.Optional(Type.String({ description: "Why it did not sell" })),
    created_at: Instant,
    returned: Type.Optional(
      Type.Literal(true, {
        description: "Sold, then returned by its buyer and refunded (an approved return); absent otherwise",
      }),
    ),
    ping_to_post_ms: Type.Optional(
      Type.Integer({ description: "How long after its ping the post arrived (ping-post leads only)" }),
    ),
    pii_purged_at: Type.Optional(
      Type.String({ format: "date-time", description: "When its PII was blanked" }),
    ),
  },
  { $id: "AdminLead" },
);
export type AdminLead = Static<typeof AdminLeadSchema>;

export const LeadPageSchema = Type.Object({
  leads: Type.Array(AdminLeadSchema),
  next_before: Type.Optional(Type.String({ description: "Pass as before for the next page" })),
});
export type LeadPage = Static<typeof LeadPageSchema>;

const LedgerLineSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: "buyer_charge, source_payout, margin, buyer_refund, source_reversal, …" }),
  party_id: Type.String(),
  amount: Dollars,
  at: Instant,
});

export const LeadDetailSchema = Type.Object({
  lead: AdminLeadSchema,
  quality: Type.Optional(LeadQualitySchema),
  trace: Type.Array(TraceLineSchema),
  ledger: Type.Array(LedgerLineSchema, { description: "The money it moved, in dollars" }),
});
export type LeadDetail = Static<typeof LeadDetailSchema>;

const HeldBidSchema = Type.Object({
  campaign_id: Type.String(),
  buyer_id: Type.String(),
  bid: Dollars,
  source_price: Type.Number({ description: "What the source is paid if this bid buys the lead, in dollars" }),
  bid_id: Type.Optional(Type.String()),
  expires_at: Instant,
  captured: Type.Optional(Type.Record(Type.String(), Type.String())),
  shared: Type.Optional(Type.Literal(true, { description: "Chosen as one of the buyers of a shared lead" })),
});

export const PingDetailSchema = Type.Object({
  ping: Type.Object({
    id: Type.String(),
    kind: Type.Union([Type.Literal("ping"), Type.Literal("direct")]),
    source_id: Type.String(),
    vertical: Type.String(),
    lead: LeadValues,
    test: Type.Boolean(),
    sub_id: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal("bid"), Type.Literal("no_bid")]),
    price: Type.Number({ description: "Quoted to the source, in dollars (0 for no bid)" }),
    bids: Type.Array(HeldBidSchema, { description: "In rank order, best first" }),
    created_at: Instant,
    expires_at: Instant,
    quality: Type.Optional(LeadQualitySchema),
  }),
  lead_id: Type.Union([Type.String(), Type.Null()], { description: "The lead posted for it, if any" }),
  trace: Type.Array(TraceLineSchema),
});
export type PingDetail = Static<typeof PingDetailSchema>;

export const ReasonListSchema = Type.Object({
  reasons: Type.Array(
    Type.Object({
      reason: Type.String(),
      code: Type.Integer(),
      phase: Type.String(),
      description: Type.String(),
    }),
  ),
});

/** A lead as the admin API answers it; `returned` when an approved return refunded it. */
export function presentLead(lead: LeadRecord, returned = false): AdminLead {
  return {
    id: lead.id,
    auction_id: lead.auction_id,
    kind: lead.kind,
    source_id: lead.source_id,
    vertical: lead.vertical,
    lead: lead.lead,
    consent: lead.consent,
    test: lead.test,
    ...(lead.sub_id === undefined ? {} : { sub_id: lead.sub_id }),
    status: lead.status,
    price: lead.price_cents / 100,
    ...(lead.buyer_price_cents === undefined ? {} : { buyer_price: lead.buyer_price_cents / 100 }),
    ...(lead.campaign_id === undefined ? {} : { campaign_id: lead.campaign_id }),
    ...(lead.buyer_id === undefined ? {} : { buyer_id: lead.buyer_id }),
    ...(lead.buyer_lead_id === undefined ? {} : { buyer_lead_id: lead.buyer_lead_id }),
    ...(lead.shares
      ? {
          shares: lead.shares.map((share) => ({
            campaign_id: share.campaign_id,
            buyer_id: share.buyer_id,
            buyer_price: share.buyer_price_cents / 100,
            ...(share.buyer_lead_id === undefined ? {} : { buyer_lead_id: share.buyer_lead_id }),
          })),
        }
      : {}),
    ...(lead.reason === undefined ? {} : { reason: lead.reason }),
    created_at: new Date(lead.created_at).toISOString(),
    ...(returned ? { returned: true as const } : {}),
    ...(lead.ping_to_post_ms === undefined ? {} : { ping_to_post_ms: lead.ping_to_post_ms }),
    ...(lead.pii_purged_at === undefined
      ? {}
      : { pii_purged_at: new Date(lead.pii_purged_at).toISOString() }),
  };
}

export function presentPing(ping: PingRecord): PingDetail["ping"] {
  return {
    id: ping.id,
    kind: ping.kind,
    source_id: ping.source_id,
    vertical: ping.vertical,
    lead: ping.lead,
    test: ping.test,
    ...(ping.sub_id === undefined ? {} : { sub_id: ping.sub_id }),
    status: ping.status,
    price: ping.price_cents / 100,
    bids: ping.bids.map((bid) => ({
      campaign_id: bid.campaign_id,
      buyer_id: bid.buyer_id,
      bid: bid.bid_cents / 100,
      source_price: bid.source_price_cents / 100,
      ...(bid.bid_id === undefined ? {} : { bid_id: bid.bid_id }),
      expires_at: new Date(bid.expires_at).toISOString(),
      ...(bid.captured === undefined ? {} : { captured: bid.captured }),
      ...(bid.shared === undefined ? {} : { shared: bid.shared }),
    })),
    created_at: new Date(ping.created_at).toISOString(),
    expires_at: new Date(ping.expires_at).toISOString(),
    ...(ping.quality === undefined ? {} : { quality: ping.quality }),
  };
}

export function presentOutcome(outcome: OutcomeRecord): TraceLine {
  return {
    phase: outcome.phase,
    campaign_id: outcome.campaign_id,
    buyer_id: outcome.buyer_id,
    outcome: outcome.reason,
    code: REASONS[outcome.reason as Reason].code,
    ...(outcome.bid_cents === undefined ? {} : { bid: outcome.bid_cents / 100 }),
    ...(outcome.latency_ms === undefined ? {} : { latency_ms: outcome.latency_ms }),
    ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
    at: new Date(outcome.at).toISOString(),
  };
}

/**
 * Compile-time guards: every field of a stored record is either presented or named here as left out on purpose, so
 * a field added to a record fails to compile until its wire shape says what becomes of it.
 */
type Covered<Stored, Presented, Transformed extends keyof Stored> = Exclude<
  keyof Stored,
  keyof Presented | Transformed
>;
const leadFieldsCovered: Record<
  Covered<LeadRecord, AdminLead, "price_cents" | "buyer_price_cents">,
  never
> = {};
const pingFieldsCovered: Record<Covered<PingRecord, PingDetail["ping"], "price_cents">, never> = {};
const bidFieldsCovered: Record<
  Covered<PingRecord["bids"][number], PingDetail["ping"]["bids"][number], "bid_cents" | "source_price_cents">,
  never
> = {};
void [leadFieldsCovered, pingFieldsCovered, bidFieldsCovered];
