// What GET /v1/admin/outbox and its replay answer, declared once: fastify serialises the answers with these schemas,
// /docs shows them, and the console's outbox screen imports the type.
import { type Static, Type } from "@sinclair/typebox";
import type { OutboxItem, OutboxKind } from "../domain/records.ts";

const Instant = Type.String({ format: "date-time" });

export const OutboxItemSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Unsafe<OutboxKind>(
      Type.String({
        description:
          "source_postback, webhook, email, buyer_notice, alert_webhook or alert_email (src/domain/records.ts OutboxKind)",
      }),
    ),
    owner_id: Type.String({ description: "The source (postbacks) or campaign (deliveries) it concerns" }),
    url: Type.String({ description: "An http(s) URL, or mailto: and the recipients" }),
    method: Type.Optional(Type.Union([Type.Literal("GET"), Type.Literal("POST")])),
    body: Type.Record(Type.String(), Type.Unknown()),
    timeout_ms: Type.Integer(),
    status: Type.Union([Type.Literal("pending"), Type.Literal("done"), Type.Literal("dead")]),
    attempts: Type.Integer(),
    run_at: Instant,
    created_at: Instant,
    last_error: Type.Optional(Type.String()),
    delivered_at: Type.Optional(Instant),
  },
  { $id: "OutboxItem" },
);
export type OutboxItemWire = Static<typeof OutboxItemSchema>;

export const OutboxPageSchema = Type.Object({
  items: Type.Array(OutboxItemSchema),
  next_before: Type.Optional(Type.String({ description: "Pass as before for the next page" })),
});

export const ReplayedSchema = Type.Object({ id: Type.String(), status: Type.Literal("pending") });

/** An outbox item as the admin API answers it: RFC 3339 for epoch ms. */
export function presentOutboxItem(item: OutboxItem): OutboxItemWire {
  return {
    id: item.id,
    kind: item.kind,
    owner_id: item.owner_id,
    url: item.url,
    ...(item.method === undefined ? {} : { method: item.method }),
    body: item.body,
    timeout_ms: item.timeout_ms,
    status: item.status,
    attempts: item.attempts,
    run_at: new Date(item.run_at).toISOString(),
    created_at: new Date(item.created_at).toISOString(),
    ...(item.last_error === undefined ? {} : { last_error: item.last_error }),
    ...(item.delivered_at === undefined ? {} : { delivered_at: new Date(item.delivered_at).toISOString() }),
  };
}

/** Compile-time guard: a field added to OutboxItem fails here until the schema says what becomes of it. */
const outboxCovered: Record<Exclude<keyof OutboxItem, keyof OutboxItemWire>, never> = {};
void outboxCovered;
