// What the buyer API (/v1/buyer/*) answers, and the funds and cap usage the admin API shows in the same shapes, declared
// once: fastify serialises the answers with these schemas, /docs shows them, and the console imports the types. The
// serializer drops a property a schema does not declare, so the presenters (buyer-routes.ts, admin-funds-routes.ts)
// build exactly these types, field by field, with a compile-time guard per stored record.
import { type Static, Type } from "@sinclair/typebox";
import { RETURN_REASONS, type ReturnRecord } from "../domain/records.ts";
import type { ConversionRecord } from "../domain/store-records.ts";
import { CONVERSION_STAGES } from "../domain/store-records.ts";

const Instant = Type.String({ format: "date-time" });
const Dollars = Type.Number({ description: "Dollars" });
const Open = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

/** One cap with what it used this period (a campaign's, or the buyer's own). */
export const CapUsageSchema = Type.Object(
  {
    period: Type.String({ description: "hour, day, week, month… (the cap's period)" }),
    leads_limit: Type.Optional(Type.Integer()),
    spend_limit: Type.Optional(Type.Number({ description: "Dollars" })),
    leads: Type.Integer({ description: "Sold this period" }),
    spent: Type.Number({ description: "Spent this period, in dollars" }),
    reserved_leads: Type.Integer({ description: "Held by won bids awaiting their post" }),
    resets_at: Instant,
  },
  // No $id: an answer holds it twice (the buyer's and each campaign's), and ids must be unique within a schema.
);
export type CapUsage = Static<typeof CapUsageSchema>;

/** A buyer's funds in dollars; credit_limit and available are null for a buyer that is not prepaid. */
export const FundsSchema = Type.Object({
  prepaid: Type.Boolean(),
  deposits: Dollars,
  spent: Dollars,
  reserved: Dollars,
  credit_limit: Type.Union([Type.Number(), Type.Null()]),
  balance: Dollars,
  available: Type.Union([Type.Number(), Type.Null()]),
});
export type Funds = Static<typeof FundsSchema>;

export const BuyerFundsSchema = Type.Object({ buyer_id: Type.String(), ...FundsSchema.properties });

export const DepositSchema = Type.Object({
  id: Type.String(),
  buyer_id: Type.String(),
  amount: Dollars,
  note: Type.Optional(Type.String()),
  created_at: Instant,
});
export const DepositAnswerSchema = Type.Object({ deposit: DepositSchema, funds: BuyerFundsSchema });

/** A purchase as its buyer sees it: the lead with its PII and what this buyer paid. */
export const PurchaseSchema = Type.Object(
  {
    id: Type.String(),
    vertical: Type.String(),
    test: Type.Boolean(),
    campaign_id: Type.String(),
    price: Type.Number({ description: "What this buyer paid, in dollars" }),
    buyer_lead_id: Type.Optional(Type.String()),
    lead: Open("The lead's fields, PII included"),
    consent: Open("The consent proof the source sent"),
    sold_at: Instant,
  },
  { $id: "Purchase" },
);
export type PurchaseWire = Static<typeof PurchaseSchema>;

export const ConversionSchema = Type.Object(
  {
    id: Type.String(),
    lead_id: Type.String(),
    campaign_id: Type.String(),
    stage: Type.Union(CONVERSION_STAGES.map((stage) => Type.Literal(stage))),
    at: Instant,
    value: Type.Optional(Dollars),
    note: Type.Optional(Type.String()),
    recorded_at: Instant,
  },
  { $id: "Conversion" },
);
export type ConversionWire = Static<typeof ConversionSchema>;

/** A return as its buyer sees it: the refund it gets, never what the source gives back. */
export const BuyerReturnSchema = Type.Object({
  id: Type.String(),
  lead_id: Type.String(),
  campaign_id: Type.String(),
  reason: Type.Union(RETURN_REASONS.map((reason) => Type.Literal(reason))),
  note: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]),
  refund: Dollars,
  requested_at: Instant,
  decided_at: Type.Optional(Instant),
});
export type BuyerReturn = Static<typeof BuyerReturnSchema>;

export const PurchasePageSchema = Type.Object({
  leads: Type.Array(PurchaseSchema),
  next_before: Type.Optional(Type.String({ description: "Pass as before for the next page" })),
});
export const PurchaseDetailSchema = Type.Object({
  lead: PurchaseSchema,
  conversions: Type.Array(ConversionSchema),
});
export const OneConversionSchema = Type.Object({ conversion: ConversionSchema });
export const OneReturnSchema = Type.Object({ return: BuyerReturnSchema });
export const BuyerReturnListSchema = Type.Object({ returns: Type.Array(BuyerReturnSchema) });

const CampaignStatus = Type.Union([Type.Literal("active"), Type.Literal("paused"), Type.Literal("test")]);

export const BuyerAccountSchema = Type.Object({
  buyer: Type.Object({
    id: Type.String(),
    name: Type.String(),
    status: Type.Union([Type.Literal("active"), Type.Literal("paused")]),
  }),
  funds: Type.Union([FundsSchema, Type.Null()], { description: "null when the exchange keeps no funds" }),
  caps: Type.Array(CapUsageSchema, { description: "The buyer's own caps" }),
  campaigns: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      vertical: Type.String(),
      status: CampaignStatus,
      caps: Type.Array(CapUsageSchema),
    }),
  ),
});
export type BuyerAccount = Static<typeof BuyerAccountSchema>;

export const BuyerCampaignStatusSchema = Type.Object({
  campaign: Type.Object({ id: Type.String(), name: Type.String(), status: CampaignStatus }),
});

export const StatementSchema = Type.Object({
  buyer_id: Type.String(),
  from: Instant,
  to: Instant,
  charged: Dollars,
  refunded: Dollars,
  net: Dollars,
  complete: Type.Boolean({ description: "false when the period has more lines than a statement holds" }),
  lines: Type.Array(
    Type.Object({
      lead_id: Type.String(),
      kind: Type.Union([Type.Literal("charge"), Type.Literal("refund")]),
      amount: Dollars,
      at: Instant,
    }),
  ),
});
export type Statement = Static<typeof StatementSchema>;

/** A buyer's caps and its campaigns' caps with their usage, and which are reached (GET /v1/admin/buyers/:id/caps). */
export const BuyerCapsReportSchema = Type.Object({
  buyer_id: Type.String(),
  caps: Type.Array(CapUsageSchema),
  capped: Type.Boolean(),
  campaigns: Type.Array(
    Type.Object({
      id: Type.String(),
      status: CampaignStatus,
      caps: Type.Array(CapUsageSchema),
      capped: Type.Boolean(),
    }),
  ),
});
export type BuyerCapsReport = Static<typeof BuyerCapsReportSchema>;

/** Compile-time guards: a field added to a stored record fails here until its schema says what becomes of it. */
type Covered<Stored, Presented, Transformed extends keyof Stored> = Exclude<
  keyof Stored,
  keyof Presented | Transformed
>;
const conversionCovered: Record<
  Covered<ConversionRecord, ConversionWire, "value_cents" | "created_at" | "buyer_id">,
  never
> = {};
const returnCovered: Record<
  Covered<
    ReturnRecord,
    BuyerReturn,
    // Not the buyer's business: the source's reversal, who decided, the resale.
    "refund_cents" | "buyer_id" | "reversal_cents" | "decided_by" | "resale_lead_id"
  >,
  never
> = {};
void [conversionCovered, returnCovered];
