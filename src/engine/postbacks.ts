// Postbacks tell a source what became of its lead (sold, unsold, returned), through the outbox (never on the request
// path). No PII: the source knows its consumer; a postback only says what happened, at what price, under which ids.
// Each of a source's postbacks names the events it fires on, its method, and a URL that may carry macros:
// `https://tracker.example/pb?click={sub_id}&payout={price}&status={status}`. POST sends the event as JSON as well.

import type { Postback, PostbackEventType, Source } from "../domain/config-schema.ts";
import type { LeadRecord, OutboxItem, ReturnReason } from "../domain/records.ts";
import { timeOrderedId } from "./time-ordered-ids.ts";

const DEFAULT_TIMEOUT_MS = 5_000;

export const POSTBACK_MACROS = [
  "lead_id",
  "ping_id",
  "sub_id",
  "price",
  "status",
  "reason",
  "vertical",
  "event",
] as const;
export type PostbackMacro = (typeof POSTBACK_MACROS)[number];

const MACRO = /\{([a-z_]+)\}/g;

/** What happened to a lead: its post's outcome (sold or unsold, from the lead), or a buyer's approved return. */
export type LeadEvent =
  | { type: "posted"; lead: LeadRecord }
  | { type: "returned"; lead: LeadRecord; reason: ReturnReason; reversalCents: number; at: number };

/** The outbox items a lead's event owes its source: one per postback configured for that event. */
export function sourcePostbacks(source: Source | undefined, event: LeadEvent, now: number): OutboxItem[] {
  const postbacks = postbacksOf(source);
  if (!source || postbacks.length === 0) return [];
  const body = eventBody(event);
  const type = eventType(event);
  const values = macroValues(body);
  return postbacks
    .filter((postback) => postback.events === undefined || postback.events.includes(type))
    .map((postback) => ({
      id: timeOrderedId(),
      kind: "source_postback",
      owner_id: source.id,
      url: expandPostbackUrl(postback.url, values),
      ...(postback.method === "GET" ? { method: "GET" as const } : {}),
      // Kept for a GET too: the outbox listing shows what was sent, and a replay sends the same.
      body,
      timeout_ms: postback.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      status: "pending",
      attempts: 0,
      run_at: now,
      created_at: now,
    }));
}

/** A source's postbacks as a list (the configuration takes one or several). */
export function postbacksOf(source: Source | undefined): Postback[] {
  const postback = source?.postback;
  if (!postback) return [];
  return Array.isArray(postback) ? postback : [postback];
}

/** The URL with each macro replaced by its URL-encoded value; a macro without a value (no sub_id) becomes empty. */
export function expandPostbackUrl(template: string, values: Partial<Record<PostbackMacro, string>>): string {
  return template.replace(MACRO, (_, name: string) =>
    encodeURIComponent(values[name as PostbackMacro] ?? ""),
  );
}

/** Why a postback URL cannot be used (an unknown macro, or not a URL once expanded), or undefined when it can. */
export function postbackUrlProblem(template: string): string | undefined {
  for (const [, name] of template.matchAll(MACRO)) {
    if (!(POSTBACK_MACROS as readonly string[]).includes(name!)) {
      return `has an unknown macro {${name}} (known: ${POSTBACK_MACROS.map((m) => `{${m}}`).join(" ")})`;
    }
  }
  try {
    new URL(expandPostbackUrl(template, {}));
  } catch {
    return "is not a URL once its macros are replaced";
  }
  return undefined;
}

function eventType(event: LeadEvent): PostbackEventType {
  return event.type === "returned" ? "returned" : event.lead.status;
}

/** The JSON event, as a POST sends it; the macros are read from it. */
function eventBody(event: LeadEvent): Record<string, unknown> {
  const { lead } = event;
  const ids = {
    lead_id: lead.id,
    ...(lead.kind === "ping" ? { ping_id: lead.auction_id } : {}),
    vertical: lead.vertical,
  };
  const tail = {
    ...(lead.sub_id === undefined ? {} : { sub_id: lead.sub_id }),
    test: lead.test,
  };
  if (event.type === "returned") {
    // No buyer identity: the source learns which lead came back, why, and what it gives back.
    return {
      event: "lead.returned",
      ...ids,
      status: "returned",
      reason: event.reason,
      price: -event.reversalCents / 100,
      ...tail,
      at: new Date(event.at).toISOString(),
    };
  }
  return {
    event: lead.status === "sold" ? "lead.sold" : "lead.unsold",
    ...ids,
    status: lead.status,
    price: lead.price_cents / 100,
    ...(lead.reason === undefined ? {} : { reason: lead.reason }),
    ...tail,
    at: new Date(lead.created_at).toISOString(),
  };
}

function macroValues(body: Record<string, unknown>): Partial<Record<PostbackMacro, string>> {
  const values: Partial<Record<PostbackMacro, string>> = {};
  for (const macro of POSTBACK_MACROS) {
    const value = body[macro];
    if (value === undefined) continue;
    // Prices as decimal dollars with cents ("24.00", a reversal "-24.00"): what trackers expect in a payout field.
    values[macro] = macro === "price" ? (value as number).toFixed(2) : String(value);
  }
  return values;
}
