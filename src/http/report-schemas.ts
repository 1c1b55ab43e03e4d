// What GET /v1/admin/reports answers, declared once: fastify serialises it with this schema, /docs shows it, and the
// console's screens (reports, health, money, the day chart) import the types. src/reports/report.ts builds it.
import { type Static, Type } from "@sinclair/typebox";
import type { presentReport } from "../reports/report.ts";

/** A group's key: null where the group has none (a lead without a sub-id). */
const Key = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const Rate = Type.Union([Type.Number(), Type.Null()], {
  description: "0 to 1; null when there is nothing to divide",
});
const DollarsOrNull = Type.Union([Type.Number(), Type.Null()], {
  description: "Dollars; null without bids or posts",
});

export const ReportGroupSchema = Type.Object(
  {
    source_id: Key,
    sub_id: Key,
    buyer_id: Key,
    campaign_id: Key,
    vertical: Key,
    hour: Type.Optional(
      Type.String({ description: "Local time with its offset, e.g. 2026-11-01T01:00:00-04:00" }),
    ),
    day: Type.Optional(Type.String({ description: "YYYY-MM-DD in the report's time zone" })),
    pings: Type.Integer({ description: "Auctions (by source), or pings sent (by buyer or campaign)" }),
    bids: Type.Integer(),
    bid_rate: Rate,
    avg_bid: DollarsOrNull,
    max_bid: DollarsOrNull,
    wins: Type.Integer(),
    posts: Type.Integer(),
    post_accept_rate: Rate,
    sold: Type.Integer(),
    revenue: Type.Number({ description: "Dollars charged to buyers" }),
    payouts: Type.Number({ description: "Dollars paid to sources" }),
    margin: Type.Number({ description: "Dollars" }),
    returns: Type.Integer({ description: "Approved returns of the leads sold in the period" }),
    earnings_per_lead: DollarsOrNull,
    avg_ping_to_post_ms: Type.Union([Type.Number(), Type.Null()], {
      description:
        "Average ms from a lead's ping to its post, over the ping-post leads (by buyer or campaign: those it bought); null without any",
    }),
    latency_ms: Type.Optional(
      Type.Union([Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() }), Type.Null()], {
        description: "Buyer latency percentiles (by buyer or campaign); null without answers",
      }),
    ),
    timeouts: Type.Optional(Type.Integer()),
    errors: Type.Optional(Type.Integer()),
  },
  { $id: "ReportGroup" },
);
export type ReportGroup = Static<typeof ReportGroupSchema>;

export const ReportSchema = Type.Object({
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  time_zone: Type.String(),
  group_by: Type.Array(Type.String()),
  groups: Type.Array(ReportGroupSchema),
});
export type Report = Static<typeof ReportSchema>;

/** Compile-time guard: a figure presentReport adds that the schema lacks (the serializer would drop it) fails here. */
type KeysOf<T> = T extends unknown ? keyof T : never;
type Presented = ReturnType<typeof presentReport>;
const reportCovered: Record<Exclude<KeysOf<Presented>, keyof Report>, never> = {};
const groupCovered: Record<Exclude<KeysOf<Presented["groups"][number]>, keyof ReportGroup>, never> = {};
void [reportCovered, groupCovered];
