// What the admin returns API answers, declared once: fastify serialises the answers with these schemas, /docs shows
// them, and the console's returns queue imports the types (a module of its own, so the console's type check does not
// follow the routes into fastify).
import { type Static, Type } from "@sinclair/typebox";
import { RETURN_REASONS, type ReturnRecord } from "../domain/records.ts";

const Status = Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]);
const Instant = Type.String({ format: "date-time" });

/** A return as the operator sees it: the buyer's refund and the source's reversal, in dollars. */
export const AdminReturnSchema = Type.Object(
  {
    id: Type.String(),
    lead_id: Type.String(),
    buyer_id: Type.String(),
    campaign_id: Type.String(),
    reason: Type.Union(RETURN_REASONS.map((reason) => Type.Literal(reason))),
    note: Type.Optional(Type.String()),
    status: Status,
    refund: Type.Number({ description: "To the buyer when approved, in dollars" }),
    reversal: Type.Number({
      description: "From the source when approved, in dollars (0: its policy keeps payouts)",
    }),
    requested_at: Instant,
    decided_at: Type.Optional(Instant),
    decided_by: Type.Optional(Type.Union([Type.Literal("operator"), Type.Literal("auto")])),
    resale_lead_id: Type.Optional(
      Type.String({ description: "The lead offered again after approval (empty while that resale runs)" }),
    ),
  },
  { $id: "AdminReturn" },
);
export type AdminReturn = Static<typeof AdminReturnSchema>;
export const OneAdminReturnSchema = Type.Object({ return: AdminReturnSchema });
export const ApprovedReturnSchema = Type.Object({
  return: AdminReturnSchema,
  resale: Type.Optional(
    Type.Object(
      {
        lead_id: Type.String(),
        status: Type.Union([Type.Literal("sold"), Type.Literal("unsold")]),
        price: Type.Optional(Type.Number({ description: "Paid to the source, in dollars" })),
        reason: Type.Optional(Type.String({ description: "Why it did not sell" })),
      },
      { description: "The lead offered again (with resell)" },
    ),
  ),
});
export const AdminReturnPageSchema = Type.Object({
  returns: Type.Array(AdminReturnSchema),
  next_before: Type.Optional(Type.String({ description: "Pass as before for the next page" })),
});
export const BulkDecisionSchema = Type.Object({
  returns: Type.Array(AdminReturnSchema, { description: "Those decided" }),
  failed: Type.Array(Type.Object({ id: Type.String(), code: Type.String(), message: Type.String() })),
});
export type BulkDecision = Static<typeof BulkDecisionSchema>;
export const ReturnRateSchema = Type.Object({
  buyer_id: Type.String(),
  bought: Type.Integer(),
  approved: Type.Integer(),
  pending: Type.Integer(),
  rate: Type.Union([Type.Number(), Type.Null()], { description: "approved / bought, null when none bought" }),
  alert_percent: Type.Number(),
  over_alert: Type.Boolean(),
});

export function presentReturn(record: ReturnRecord): AdminReturn {
  return {
    id: record.id,
    lead_id: record.lead_id,
    buyer_id: record.buyer_id,
    campaign_id: record.campaign_id,
    reason: record.reason,
    ...(record.note === undefined ? {} : { note: record.note }),
    status: record.status,
    refund: record.refund_cents / 100,
    reversal: record.reversal_cents / 100,
    requested_at: new Date(record.requested_at).toISOString(),
    ...(record.decided_at === undefined ? {} : { decided_at: new Date(record.decided_at).toISOString() }),
    ...(record.decided_by === undefined ? {} : { decided_by: record.decided_by }),
    ...(record.resale_lead_id === undefined ? {} : { resale_lead_id: record.resale_lead_id }),
  };
}

/** Compile-time guard: a field added to a return fails here until its schema says what becomes of it. */
const returnCovered: Record<
  Exclude<keyof ReturnRecord, keyof AdminReturn | "refund_cents" | "reversal_cents">,
  never
> = {};
void returnCovered;
