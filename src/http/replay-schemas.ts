// What POST /v1/admin/replay answers, declared once: fastify serialises the answer with this schema, /docs shows it,
// and the console's what-if screen imports the type. replay-report.ts builds it (a compile-time check in
// admin-replay-routes.ts keeps the two the same shape; kept out of here so the console imports no engine types).
import { type Static, Type } from "@sinclair/typebox";

const Figures = {
  auctions: Type.Integer({ description: "Auctions (pings and direct posts' auctions) in the period" }),
  posted: Type.Integer({ description: "Leads posted: the leads there were to sell" }),
  sold: Type.Integer(),
  sell_through: Type.Number({ description: "sold / posted, 0 to 1" }),
  buyer_revenue: Type.Number({ description: "Dollars paid by buyers" }),
  source_payout: Type.Number({ description: "Dollars paid to sources" }),
  margin: Type.Number({ description: "buyer_revenue − source_payout" }),
};

const Assumptions = {
  assumed_accepts: Type.Integer({ description: "Posts with no recorded answer, taken as accepted" }),
  unasked_campaigns: Type.Integer({
    description: "Realtime campaigns eligible under the configuration but not asked then: no bid",
  }),
  newly_quoted: Type.Integer({ description: "Pings quoted now that were never posted: not counted as sold" }),
  skipped: Type.Integer({ description: "Auctions of a source or vertical the configuration no longer has" }),
};

export const ReplayAnswerSchema = Type.Object({
  recorded: Type.Object(Figures, { description: "What the exchange recorded" }),
  current: Type.Object(
    { ...Figures, ...Assumptions },
    { description: "The current configuration, replayed (the baseline of every delta)" },
  ),
  candidate: Type.Object({ ...Figures, ...Assumptions }, { description: "The candidate, replayed" }),
  delta: Type.Object(
    {
      sold: Type.Integer(),
      sell_through: Type.Number(),
      buyer_revenue: Type.Number(),
      source_payout: Type.Number(),
      margin: Type.Number(),
    },
    { description: "candidate − current" },
  ),
  buyers: Type.Array(
    Type.Object({
      buyer_id: Type.String(),
      leads: Type.Integer({ description: "Bought under the current configuration, replayed" }),
      candidate_leads: Type.Integer(),
      delta_leads: Type.Integer(),
      spend: Type.Number({ description: "Dollars" }),
      candidate_spend: Type.Number({ description: "Dollars" }),
    }),
  ),
  seconds: Type.Number({ description: "How long the replay took" }),
});
export type ReplayAnswerWire = Static<typeof ReplayAnswerSchema>;
