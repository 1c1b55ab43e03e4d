// PX (px.com) as it pings and posts a buyer. PX publishes no fixed buyer-side wire format: each buyer campaign is built
// in PX's API Builder from the buyer's own specification (support.px.com/hc/en-us/articles/360005149374 "API
// configuration", 115004728027 "Step 1: Create connection" — POST or GET; ping and post content types application/json,
// application/xml, application/x-www-form-urlencoded, text/xml; authentication by API key or header —, 115004895928
// "Step 2: Map inputs" — PX's own vertical fields, as its API 2.0 specifications name them, mapped into the buyer's
// template —, 115010302308 "Step 3: Map responses" — regular expressions for Success, Payout (ping post only), Response
// ID ("most often called Lead ID") and Ping ID, and an error mapping; and 1500001442321, what PX's integration team asks
// a buyer for). So the bidder's PX shape is the one that needs no mapping at all on PX's side: PX's own API 2.0 lead
// document (api.px.com/v2/verticals/…: `ApiToken`, `Vertical`, `SubId`…`Sub5Id`, `Source`, `UserAgent`,
// `OriginalUrl`, `SessionLength`, `TcpaText`, `JornayaLeadId`, `TrustedForm`, `ContactData{ZipCode, City, State,
// IpAddress, FirstName, LastName, PhoneNumber, EmailAddress, Address}`, `TransactionId` on the post), answered in PX's
// own result shape (`{TransactionId, Success, Payout, Message, Errors}`, `<Result>` in XML), with the reasons PX itself
// gives (support.px.com/hc/en-us/articles/115006072108: "Duplicate", "Unable to monetize"; "BadRequest" with the
// detail in `Errors[]`). This is also what the exchange's own PX preset sends and reads (src/buyers/presets.ts).
//
// Silent in every public source, and decided here: which id the post carries (the ping answer's `TransactionId` is
// the bid's id, and the post's `TransactionId` names it: PX's Step 3 maps it as the Ping ID); a test flag (PX has none
// on a request: mark a test-only exchange entry with `test: true`); the per-vertical `Person{…}` objects (read as lead
// fields under their own names, like every other top-level field); the HTTP status of a failure (always 200, the
// outcome in the body, as the other platforms).
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { Vertical } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import type { PlatformFieldMap } from "../inbound/inbound-lead.ts";
import { textOf } from "../inbound/inbound-protocol.ts";
import type { BidderPingAnswer, BidderPostAnswer } from "./bidder.ts";

/** PX's envelope: read here, never taken for lead fields. */
const ENVELOPE = new Set([
  "ApiToken",
  "Vertical",
  "SubId",
  "Sub2Id",
  "Sub3Id",
  "Sub4Id",
  "Sub5Id",
  "Source",
  "SessionLength",
  "VerifyAddress",
  "ClickConsentID",
  "SellResponseUrl",
  "OriginalCreationDate",
  "TransactionId",
]);

/** PX's contact, visit and consent names → the vertical's fields, the lead context or consent keys. */
const PX_FIELDS: PlatformFieldMap = {
  ZipCode: "zip",
  City: "city",
  State: "state",
  Address: "street_address",
  FirstName: "first_name",
  LastName: "last_name",
  PhoneNumber: "phone",
  EmailAddress: "email",
  IpAddress: "context.ip_address",
  UserAgent: "context.user_agent",
  OriginalUrl: "context.landing_page_url",
  TcpaText: "consent.tcpa_text",
  JornayaLeadId: "consent.jornaya_leadid",
  TrustedForm: "consent.trustedform_cert_url",
};

/** PX's names for a vertical: a contact field the vertical lacks (a street address) is known, and ignored. */
export function pxFieldMap(vertical: Vertical): PlatformFieldMap {
  const has = (name: string) => vertical.fields.some((field) => field.name === name);
  return Object.fromEntries(
    Object.entries(PX_FIELDS).map(([name, target]) => [
      name,
      target === null || target.includes(".") || has(target) ? target : null,
    ]),
  );
}

/** A field as PX names it (`zip` → `ZipCode`), for an error's detail; the vertical's own name otherwise. */
export function pxNameOf(field: string): string {
  return Object.entries(PX_FIELDS).find(([, target]) => target === field)?.[0] ?? field;
}

export interface PxRequest {
  call: "ping" | "post" | "direct";
  key: string;
  vertical: string;
  transactionId?: string;
  subId?: string;
  source?: string;
  /** Everything outside the envelope, `ContactData` flattened into it. */
  leadFields: Record<string, unknown>;
}

const xmlReader = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
const xmlWriter = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: true });

/** A PX body as fields: JSON or a form as sent, XML's `<Lead>` read into the same shape. */
export function pxBodyFields(body: unknown): Record<string, unknown> {
  if (typeof body === "string") {
    let parsed: unknown;
    try {
      parsed = xmlReader.parse(body);
    } catch {
      throw new GavelError("GAVEL_VALIDATION", "The XML body could not be read", "body");
    }
    const lead = (parsed as Record<string, unknown> | undefined)?.Lead;
    if (typeof lead !== "object" || lead === null || Array.isArray(lead))
      throw new GavelError("GAVEL_VALIDATION", "An XML body must be one <Lead> element", "body");
    return lead as Record<string, unknown>;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  return body as Record<string, unknown>;
}

/** The envelope read, the lead fields kept by PX's names. Throws GavelError naming PX's field. */
export function parsePx(fields: Readonly<Record<string, unknown>>, call: PxRequest["call"]): PxRequest {
  const key = textOf(fields.ApiToken);
  if (!key) throw new GavelError("GAVEL_UNAUTHORIZED", "ApiToken is required", "ApiToken");
  const vertical = textOf(fields.Vertical);
  if (!vertical) throw new GavelError("GAVEL_VALIDATION", "Vertical is required", "Vertical");
  const transactionId = textOf(fields.TransactionId);
  if (call === "post" && !transactionId)
    throw new GavelError(
      "GAVEL_VALIDATION",
      "TransactionId (from the ping's answer) is required on a post",
      "TransactionId",
    );
  const leadFields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (ENVELOPE.has(name)) continue;
    if (name === "ContactData" || name === "Person") {
      if (typeof value === "object" && value !== null && !Array.isArray(value))
        Object.assign(leadFields, value);
      continue;
    }
    leadFields[name] = value;
  }
  const subId = textOf(fields.SubId);
  const source = textOf(fields.Source);
  return {
    call,
    key,
    vertical,
    ...(call === "post" && transactionId ? { transactionId } : {}),
    ...(subId ? { subId: subId.slice(0, 200) } : {}),
    ...(source ? { source: source.slice(0, 200) } : {}),
    leadFields,
  };
}

interface PxResult {
  TransactionId: string | null;
  /** Our lead id on an accepted post: PX's Step 3 "Response ID", most often called Lead ID. */
  LeadId?: string;
  Success: boolean;
  Payout: number | null;
  Message: string | null;
  Errors: string[] | null;
}

export function pxPingResult(answer: BidderPingAnswer): PxResult {
  return answer.bid
    ? {
        TransactionId: answer.bidId,
        Success: true,
        Payout: answer.priceCents / 100,
        Message: null,
        Errors: null,
      }
    : failure(null, answer.reason === "duplicate" ? "Duplicate" : UNABLE, answer.reason);
}

export function pxPostResult(transactionId: string, answer: BidderPostAnswer, priceCents?: number): PxResult {
  return answer.accepted
    ? {
        TransactionId: transactionId,
        LeadId: answer.leadId,
        Success: true,
        Payout: (priceCents ?? answer.priceCents) / 100,
        Message: null,
        Errors: null,
      }
    : failure(transactionId, answer.duplicate ? "Duplicate" : UNABLE, answer.reason);
}

/** Bad input: PX's BadRequest, the field by PX's name in the detail. */
export function pxErrorResult(error: GavelError, sentAs: string | undefined): PxResult & { Code: string } {
  return {
    ...failure(null, "BadRequest", sentAs ? `${sentAs}: ${error.message}` : error.message),
    Code: error.code,
  };
}

/** The result as JSON, or as PX's `<Result>` when the request was XML or asked for it. */
export function pxReply(result: PxResult, xml: boolean): { contentType: string; body: string } {
  if (!xml) return { contentType: "application/json; charset=utf-8", body: JSON.stringify(result) };
  const { Errors, Payout, ...rest } = result;
  const element = {
    ...rest,
    ...(Payout === null ? {} : { Payout: Payout.toFixed(2) }),
    ...(Errors ? { Errors: { string: Errors } } : {}),
  };
  return {
    contentType: "application/xml; charset=utf-8",
    body: `<?xml version="1.0" encoding="UTF-8"?>${xmlWriter.build({ Result: element })}`,
  };
}

/** PX's own words for a lead nobody bought (support.px.com/hc/en-us/articles/115006072108). */
const UNABLE = "Unable to monetize";

function failure(transactionId: string | null, message: string, detail: string): PxResult {
  return { TransactionId: transactionId, Success: false, Payout: null, Message: message, Errors: [detail] };
}
