// What "test this campaign" (POST /v1/admin/campaigns/:id/test-ping) answers, declared once: fastify serialises the
// answer with this schema, /docs shows it, and the console (web/src/screens/campaign-config.tsx) imports the types.
import { type Static, Type } from "@sinclair/typebox";
import { PingReply } from "./seller-schemas.ts";

/**
 * One HTTP exchange between the exchange and the campaign's buyer, as it crossed the wire. `raw` is a list of them:
 * none when the campaign was not pinged (fixed price, or not eligible), one per buyer request otherwise, so a list
 * says "not pinged" and "pinged" alike without a null, in the order the requests went out.
 */
export const TestPingWireSchema = Type.Object({
  request: Type.Object(
    {
      method: Type.String(),
      url: Type.String(),
      headers: Type.Record(Type.String(), Type.String()),
      body: Type.Optional(Type.String()),
    },
    { description: "Credential headers shown with only their last 4 characters" },
  ),
  response: Type.Optional(
    Type.Object(
      { status: Type.Integer(), latency_ms: Type.Number(), body: Type.String() },
      { description: "Absent when no answer came back; the body is cut at 16 KiB" },
    ),
  ),
  failure: Type.Optional(
    Type.String({ description: "Why no answer came back: timeout, unreachable, too_large" }),
  ),
});
export type TestPingWire = Static<typeof TestPingWireSchema>;

export const TestPingAnswerSchema = Type.Object({
  source_id: Type.String(),
  vertical: Type.String(),
  lead: Type.Record(Type.String(), Type.Unknown(), { description: "The non-PII lead offered" }),
  ping: PingReply,
  trace: Type.Array(
    Type.Object({
      phase: Type.Union([Type.Literal("ping"), Type.Literal("post")]),
      campaign_id: Type.String(),
      buyer_id: Type.String(),
      outcome: Type.String(),
      code: Type.Integer(),
      bid: Type.Union([Type.Number(), Type.Null()], { description: "Dollars" }),
      latency_ms: Type.Union([Type.Number(), Type.Null()]),
      detail: Type.Optional(Type.String()),
    }),
    { description: "The campaign's decision-trace lines" },
  ),
  raw: Type.Array(TestPingWireSchema),
});
export type TestPingAnswer = Static<typeof TestPingAnswerSchema>;
