// What the source portal's API (/v1/source/*) answers, declared once: fastify serialises the answers with these
// schemas, /docs shows them, and the console's source portal imports the types (a module of its own, so the console's
// type check does not follow the routes into fastify).
import { type Static, Type } from "@sinclair/typebox";
import { FieldSchema } from "../domain/config-schema.ts";
import { withoutDefaults } from "./wire-schema.ts";

const Instant = Type.String({ format: "date-time" });
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
  description: "0 to 1 (4 decimals); null when there was nothing to divide",
});

/** A lead as its source sees it in the portal: what it is paid, why it did not sell, and no PII, no buyer. */
export const SubmissionSchema = Type.Object(
  {
    id: Type.String(),
    vertical: Type.String(),
    kind: Type.Union([Type.Literal("ping"), Type.Literal("direct")]),
    test: Type.Boolean(),
    sub_id: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal("sold"), Type.Literal("unsold")]),
    payout: Type.Number({ description: "Paid to the source, in dollars" }),
    reason: Type.Optional(Type.String({ description: "Why it did not sell" })),
    fields: Type.Record(Type.String(), Type.Unknown(), { description: "The vertical's non-PII fields only" }),
    created_at: Instant,
  },
  { $id: "Submission" },
);
export type Submission = Static<typeof SubmissionSchema>;
export const SubmissionPageSchema = Type.Object({
  leads: Type.Array(SubmissionSchema),
  next_before: Type.Optional(Type.String({ description: "Pass as before for the next page" })),
});
export const OneSubmissionSchema = Type.Object({ lead: SubmissionSchema });
export const SourceSummarySchema = Type.Object({
  from: Instant,
  to: Instant,
  auctions: Type.Integer(),
  bid_rate: Rate,
  leads: Type.Integer(),
  sold: Type.Integer(),
  sold_rate: Rate,
  payouts: Type.Number({ description: "Dollars" }),
});
export type SourceSummary = Static<typeof SourceSummarySchema>;
export const SourceKeyRotatedSchema = Type.Object({
  source: Type.Object({ id: Type.String(), name: Type.String() }),
  api_key: Type.String({ description: "The new key, shown once" }),
});
export const SourceIntegrationSchema = Type.Object({
  source: Type.Object({
    id: Type.String(),
    name: Type.String(),
    status: Type.Union([Type.Literal("test"), Type.Literal("live"), Type.Literal("paused")]),
  }),
  has_key: Type.Boolean(),
  verticals: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      consent_required: Type.Boolean(),
      fields: Type.Array(withoutDefaults(FieldSchema), { description: "As the vertical defines them" }),
    }),
  ),
});
