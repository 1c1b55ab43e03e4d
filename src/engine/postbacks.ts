// Postbacks tell a source what became of its lead, through the outbox (never on the request path). No PII: the
// source knows its consumer; the postback only says sold or not, at what price, under which ids.
import { randomUUID } from "node:crypto";
import type { Source } from "../domain/config-schema.ts";
import type { LeadRecord, OutboxItem } from "../store/records.ts";

const DEFAULT_TIMEOUT_MS = 5_000;

export function sourcePostback(source: Source | undefined, lead: LeadRecord, now: number): OutboxItem[] {
  if (!source?.postback) return [];
  return [
    {
      id: randomUUID(),
      kind: "source_postback",
      owner_id: source.id,
      url: source.postback.url,
      body: {
        event: lead.status === "sold" ? "lead.sold" : "lead.unsold",
        lead_id: lead.id,
        ...(lead.kind === "ping" ? { ping_id: lead.auction_id } : {}),
        vertical: lead.vertical,
        status: lead.status,
        price: lead.price_cents / 100,
        ...(lead.reason === undefined ? {} : { reason: lead.reason }),
        ...(lead.sub_id === undefined ? {} : { sub_id: lead.sub_id }),
        test: lead.test,
        at: new Date(lead.created_at).toISOString(),
      },
      timeout_ms: source.postback.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      status: "pending",
      attempts: 0,
      run_at: now,
      created_at: now,
    },
  ];
}
