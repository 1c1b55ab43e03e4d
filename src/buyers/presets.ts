// Presets: buyers that are themselves other platforms' ping-post endpoints, configured from a few parameters. Each
// preset expands into an ordinary templated integration when the snapshot is compiled (a saved campaign stays as short
// as the operator wrote it, and a corrected preset reaches every campaign using it). The shapes follow the platforms'
// public specs and public client code, cited per preset here and in docs/presets.md; where a source is silent the
// choice is said. Buyers written from the same sources alone check them (test/peers/). Every preset:
// - renames our fields to the platform's (a default map per preset, extended by the campaign's `field_map`) and writes
//   booleans the platform's way (overridable per field with `value_map`);
// - sends the consent proof (TrustedForm certificate URL, Jornaya LeadiD, TCPA text) on the post only, never on a ping;
// - sends our source id as the platform's sub-id, so the buyer can tell our traffic sources apart;
// - reads four outcomes: a bid/accept, a decline, a duplicate (post), and an error even when the platform answers it
//   with HTTP 200.

import type { Integration, TemplatedRequest } from "../domain/config-schema.ts";
import { PRESET_PARAMS, type PresetName, type PresetParam } from "../domain/preset-params.ts";
import { QUALITY_SCORE } from "../domain/rules/quality-score.ts";
import type { Vertical } from "../domain/vertical.ts";
import { TemplateProblem } from "./template.ts";
import type { TemplatedIntegration } from "./templated-adapter.ts";

type ValueMap = NonNullable<TemplatedRequest["value_map"]>;
type FieldMap = NonNullable<TemplatedRequest["field_map"]>;

interface PresetInput {
  params: Readonly<Record<string, string>>;
  vertical: Vertical;
  /** The preset's default field names, the campaign's over them; only fields of the vertical. */
  fieldMap: FieldMap;
  /** Booleans the platform's way, the campaign's value maps over them (`lead.<field>` keys). */
  valueMap: ValueMap;
}

interface Preset {
  params: Readonly<Record<string, PresetParam>>;
  /** Our field names → the platform's, where its public specs name the field. */
  fieldNames: Readonly<Record<string, string>>;
  /** How the platform writes a boolean lead field. */
  booleans?: { true: string; false: string };
  /** false: the platform has no test flag, so a test lead is never sent to it. */
  sendsTestLeads: boolean;
  expand(input: PresetInput): TemplatedIntegration;
}

/** Every lead field the side may see (a ping's lead is the non-PII payload), under the buyer's names. */
const LEAD = { "*": "{{lead}}" };
/** A test flag that is "1" or absent. */
const TEST_AS_ONE = { test: { true: "1", false: null } };

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // boberdoo `pingPostLead`. Sources: example.leadprosper.tech/boberdoo-ping-post (Key, API_Action, Mode ping|post,
  // Lead_ID "received in response of ping mode", Format); boberdoo.com/ping-post-specifications-video (Test_Lead=1);
  // boberdoo.com/ping-post-lead-log (a ping reply <response><status>Matched</status><lead_id>…</lead_id>
  // <price>6.66</price></response>); the yieldmarketing.leadportal.com new_api notes (status Matched / Unmatched /
  // Success / Error, always HTTP 200, "Insert Error #8: Required value for field "X" missing", field names case
  // sensitive); public clients sending Return_Best_Price=1, Sub_ID, Zip, City, State, TCPA_Language, LeadiD_Token,
  // Trusted_Form_URL, Injury_Type, Have_Insurance (code-index ids 14395016355, 19036688530, 6717862815, 6885009229).
  // `process_information/best_bid` is the pingPostConsent reply's, not this one's.
  boberdoo: {
    params: PRESET_PARAMS.boberdoo,
    fieldNames: {
      zip: "Zip",
      city: "City",
      state: "State",
      first_name: "First_Name",
      last_name: "Last_Name",
      phone: "Primary_Phone",
      email: "Email",
      street_address: "Address",
      ip_address: "IP_Address",
      user_agent: "User_Agent",
      landing_page_url: "Landing_Page",
      injury_type: "Injury_Type",
      insured: "Have_Insurance",
    },
    booleans: { true: "Yes", false: "No" },
    sendsTestLeads: true,
    expand({ params: p, fieldMap, valueMap }) {
      const common = {
        Key: p.key,
        API_Action: "pingPostLead",
        TYPE: p.lead_type,
        SRC: p.src,
        Sub_ID: "{{source_id}}",
        Test_Lead: "{{test}}",
      };
      const reply = (accepted: string[]) => ({
        format: "xml" as const,
        error: { path: "response/status", equals: ["Error"] },
        accept: { path: "response/status", equals: accepted },
        // A status boberdoo does not document is an invalid reply, not a decline.
        reject: { path: "response/status", equals: ["Unmatched"] },
        reason: [
          "response/error",
          "response/reason",
          "response/process_information/unmatched_reason",
          "response/status",
        ],
      });
      const maps = { field_map: fieldMap, value_map: { ...TEST_AS_ONE, ...valueMap } };
      return {
        ping: {
          format: "form",
          body: { ...common, Mode: "ping", Return_Best_Price: "1", ...LEAD },
          ...maps,
          response: {
            ...reply(["Matched"]),
            price: "response/price",
            reference: "response/lead_id",
            capture: { lead_id: "response/lead_id" },
          },
        },
        post: {
          format: "form",
          body: {
            ...common,
            Mode: "post",
            Lead_ID: "{{captured.lead_id}}",
            ...LEAD,
            Trusted_Form_URL: "{{consent.trustedform_cert_url}}",
            LeadiD_Token: "{{consent.jornaya_leadid}}",
            TCPA_Language: "{{consent.tcpa_text}}",
          },
          ...maps,
          response: { ...reply(["Matched", "Success"]), reference: "response/lead_id" },
        },
      };
    },
  },
  // LeadsPedia ping.do / post.do. Sources: the LeadsPedia-generated specs at ll.media/windows_posting/,
  // /solar_posting/, /mortgage_purchase_posting/ (lp_campaign_id, lp_campaign_key, lp_s1…lp_s5 with lp_s1 required in
  // some, lp_test "1 for Test Post", lp_response "XML or JSON", lp_ping_id "Returned Ping ID from the Ping Post";
  // zip_code, state, city, first_name, last_name, phone_home, email_address, address); a re-hosted LeadsPedia spec
  // (code-index id 36377448062: success {result, lead_id, price, redirect_url, msg}, failure {result: "failed",
  // msg: "Lead Rejected", errors: [{error: "No Match"}]}, "jornaya_lead_id OR trusted_form_cert_id is required");
  // clients reading result, ping_id, price, errors[].error (code-index ids 27952145716, 14027560977). The specs are
  // silent on an error distinct from a rejection: every "failed" is a decline with its first error as the reason.
  leadspedia: {
    params: PRESET_PARAMS.leadspedia,
    fieldNames: {
      zip: "zip_code",
      phone: "phone_home",
      email: "email_address",
      street_address: "address",
      date_of_birth: "dob",
    },
    booleans: { true: "Yes", false: "No" },
    sendsTestLeads: true,
    expand({ params: p, fieldMap, valueMap }) {
      const common = {
        lp_campaign_id: p.campaign_id,
        lp_campaign_key: p.campaign_key,
        lp_s1: "{{source_id}}",
        // The seller's own sub-id (left out when it sent none): a buyer can tell its sub-sources apart too.
        lp_s2: "{{context.sub_id}}",
        lp_test: "{{test}}",
        lp_response: "JSON",
      };
      const maps = { field_map: fieldMap, value_map: { ...TEST_AS_ONE, ...valueMap } };
      const reason = ["errors[*].error", "msg"];
      return {
        ping: {
          format: "form",
          body: { ...common, ...LEAD },
          ...maps,
          response: {
            accept: { path: "result", equals: ["success"] },
            price: "price",
            reason,
            reference: "ping_id",
            capture: { ping_id: "ping_id" },
          },
        },
        post: {
          format: "form",
          body: {
            ...common,
            lp_ping_id: "{{captured.ping_id}}",
            ...LEAD,
            trusted_form_cert_id: "{{consent.trustedform_cert_url}}",
            jornaya_lead_id: "{{consent.jornaya_leadid}}",
            tcpa_text: "{{consent.tcpa_text}}",
          },
          ...maps,
          response: {
            duplicate: { path: "errors[*].error", matches: "(?i:duplicate)" },
            accept: { path: "result", equals: ["success"] },
            price: "price",
            redirect_url: "redirect_url",
            reason,
            reference: "lead_id",
          },
        },
      };
    },
  },
  // Lead Prosper ping post. Sources: example.leadprosper.tech/leadprosper-ping-post (a generated supplier spec:
  // lp_campaign_id, lp_supplier_id, lp_key, lp_action "Send test for testing", lp_ping_id "ping_id value retrieved from
  // PING response", lp_subid1/2, zip_code, state, first_name, last_name, phone, email, trusted_form_cert_url,
  // jornaya_lead_id, tcpa_text; "fields are case sensitive"); support.leadprosper.io/article/77 (exclusive campaigns
  // return the highest bid; shared return all, the supplier posts lp_ping_id and the chosen bid_id); public clients
  // (code-index ids 51777733295, 58647666387: ping reply {status, code, message, ping_id, bids: [{bid_id, payout}]},
  // post reply {status: "ACCEPTED", lead_id, payout}; 63307275745: {"status": "ERROR", "code": 1001, "message":
  // "Missing required parameter lp_ping_id"}; 68577572133: statuses ACCEPTED | DUPLICATED | ERROR). The sources do
  // not say what a ping with no buyer answers; any reply without a bid in bids[] is read as a decline.
  lead_prosper: {
    params: PRESET_PARAMS.lead_prosper,
    fieldNames: { zip: "zip_code", street_address: "address", landing_page_url: "landing_page" },
    booleans: { true: "Yes", false: "No" },
    sendsTestLeads: true,
    expand({ params: p, fieldMap, valueMap }) {
      const common = {
        lp_campaign_id: p.campaign_id,
        lp_supplier_id: p.supplier_id,
        lp_key: p.key,
        lp_action: "{{test}}",
        lp_subid1: "{{source_id}}",
        lp_subid2: "{{context.sub_id}}",
      };
      const maps = {
        field_map: fieldMap,
        value_map: { test: { true: "test", false: null }, ...valueMap },
      };
      const error = { path: "status", equals: ["ERROR"] };
      // The form's consent language, not the consumer's data: a ping may carry it when the campaign names it.
      const pingTcpa = p.tcpa_text ? { tcpa_text: p.tcpa_text } : {};
      // Some Lead Prosper campaigns need TrustedForm to bid (public client code-index id 63307275745: "TrustedForm |
      // Yes | PING (required for bid)"). Only where the operator names the field: the masked form, TrustedForm's ping
      // URL, which proves a certificate exists without showing its replay (developers.activeprospect.com/docs/
      // trustedform/ping-post-lead-distribution/); the full certificate stays on the post.
      const pingCertificate = p.ping_certificate_field
        ? { [p.ping_certificate_field]: "{{context.trustedform_ping_url}}" }
        : {};
      return {
        ping: {
          format: "json",
          // The named field first: it cannot replace the campaign's credentials.
          body: { ...pingCertificate, ...common, ...pingTcpa, ...LEAD },
          ...maps,
          response: {
            error,
            // A bid is an entry of bids[]: an exclusive campaign lists its highest, a shared one every buyer's, in no
            // stated order. The best is taken and its bid_id named on the post (one sale to this buyer: several
            // bid_ids would sell the lead to several of Lead Prosper's buyers, past the vertical's max_buyers).
            accept: { path: "bids[*].bid_id", matches: "." },
            bids: { path: "bids[*]", price: "payout", id: "bid_id" },
            reason: ["message", "status"],
            capture: { ping_id: "ping_id" },
          },
        },
        post: {
          format: "json",
          ...(p.tcpa_text ? { defaults: { "consent.tcpa_text": p.tcpa_text } } : {}),
          body: {
            ...common,
            lp_ping_id: "{{captured.ping_id}}",
            bid_id: "{{bid_id}}",
            ...LEAD,
            trusted_form_cert_url: "{{consent.trustedform_cert_url}}",
            jornaya_lead_id: "{{consent.jornaya_leadid}}",
            tcpa_text: "{{consent.tcpa_text}}",
          },
          ...maps,
          response: {
            error,
            duplicate: { path: "status", equals: ["DUPLICATED"] },
            accept: { path: "status", equals: ["ACCEPTED"] },
            price: "payout",
            // A status the sources do not list is an invalid reply, not a quiet reject.
            reject: { path: "status", equals: ["DUPLICATED"] },
            reason: ["message", "status"],
            reference: "lead_id",
          },
        },
      };
    },
  },
  // PX API 2.0, exclusive ping post. Sources: api.px.com/v2/verticals/auto-warranty/ping-post-exclusive-auto-warranty
  // (also api.px.com/?p=1679) and api.px.com/v2/verticals/aca/ping-post-full-shared-aca (ping
  // https://leadapi.px.com/api/lead/ping, post …/api/lead/post; JSON or XML, Content-Type required; ApiToken, Vertical,
  // SubId, UserAgent, OriginalUrl, Source, SessionLength, TcpaText required on ping and post, JornayaLeadId and
  // TrustedForm, ContactData{…}; replies {TransactionId, Success, Payout, Message, Errors, Sold, Environment}, failures
  // {Success: false, Message: "BadRequest", Errors: [...]}); support.px.com/hc/en-us/articles/115007764708 (ZIP code and
  // IP address required on the ping, contact data on the post with the Transaction ID, "fields changed on post are
  // ignored"); a public PX client's ContactData names FirstName, LastName, PhoneNumber, EmailAddress (code-index id
  // 63163137302). PX has no test flag (a campaign is put in test mode on PX's side), so a test lead is sent only to a
  // campaign in `test` status (src/engine/auction.ts, reason no_test_flag).
  // UserAgent, IpAddress and OriginalUrl describe the consumer's visit: they come from the seller's lead context
  // (docs/api.md "Lead context"; PX asks for them on the ping, so this integration names them there explicitly), or
  // from a vertical's own `user_agent` / `ip_address` field where it has one it may send; OriginalUrl falls back to the
  // campaign's `original_url` and TcpaText to `tcpa_text`. SessionLength comes from a `session_length` field.
  px: {
    params: PRESET_PARAMS.px,
    fieldNames: {},
    sendsTestLeads: false,
    expand({ params: p, vertical, fieldMap, valueMap }) {
      const has = (name: string) => vertical.fields.some((field) => field.name === name);
      const pii = (name: string) => vertical.fields.some((field) => field.name === name && field.pii);
      const lead = (name: string) => (has(name) ? `{{lead.${name}}}` : undefined);
      const defined = (values: Record<string, string | undefined>) =>
        Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Record<
          string,
          string
        >;
      // A vertical's own field where the side may send it, else the seller's lead context.
      const visitField = (name: "user_agent" | "ip_address", side: "ping" | "post") =>
        has(name) && !(side === "ping" && pii(name)) ? `{{lead.${name}}}` : `{{context.${name}}}`;
      const visit = (side: "ping" | "post") =>
        defined({
          UserAgent: visitField("user_agent", side),
          SessionLength: side === "ping" && pii("session_length") ? undefined : lead("session_length"),
        });
      const envelope = {
        ApiToken: p.api_token,
        Vertical: p.vertical,
        SubId: "{{source_id}}",
        Sub2Id: "{{context.sub_id}}",
        Source: p.source,
        OriginalUrl: "{{context.landing_page_url}}",
      };
      // The page the seller says the consumer filled in, else the form's URL as configured.
      const pageDefault = { "context.landing_page_url": p.original_url ?? "" };
      // Fields placed in ContactData or the envelope are left out of the copy of the remaining lead fields.
      const placed = ["zip", "city", "state", "first_name", "last_name", "phone", "email", "street_address"];
      placed.push("ip_address", "user_agent", "session_length");
      const leftOut: FieldMap = Object.fromEntries(placed.filter(has).map((name) => [name, null]));
      const maps = { field_map: { ...leftOut, ...fieldMap }, value_map: valueMap };
      const contact = (side: "ping" | "post") =>
        defined({
          ZipCode: lead("zip"),
          City: lead("city"),
          State: lead("state"),
          IpAddress: visitField("ip_address", side),
          ...(side === "post"
            ? {
                FirstName: lead("first_name"),
                LastName: lead("last_name"),
                PhoneNumber: lead("phone"),
                EmailAddress: lead("email"),
                Address: lead("street_address"),
              }
            : {}),
        });
      const reply = {
        error: { path: "Message", equals: ["BadRequest"] },
        // support.px.com/hc/en-us/articles/115006072108 lists "Duplicate" among the reasons a lead is not sold.
        duplicate: { path: "Message", matches: "(?i:duplicate)" },
        accept: { path: "Success", equals: [true] },
        reason: ["Errors[*]", "Message"],
        reference: "TransactionId",
      };
      const headers = { Accept: "application/json" };
      return {
        ping: {
          format: "json",
          headers,
          defaults: pageDefault,
          body: {
            ...envelope,
            ...visit("ping"),
            TcpaText: p.tcpa_text ?? "",
            ContactData: contact("ping"),
            ...LEAD,
          },
          ...maps,
          response: {
            ...reply,
            // An exclusive campaign's bid is Payout; a shared one's reply lists its buyers as Legs (Payout null),
            // of which the best successful leg is the bid. The post names no leg: PX's specs show none to name.
            price: "Payout",
            bids: {
              path: "Legs[*]",
              price: "Payout",
              id: "Hash",
              accept: { path: "Status", equals: ["Success"] },
            },
            capture: { transaction_id: "TransactionId" },
          },
        },
        post: {
          format: "json",
          headers,
          // The seller's TCPA text when it sent one, else the form's as configured.
          defaults: { "consent.tcpa_text": p.tcpa_text ?? "", ...pageDefault },
          body: {
            ...envelope,
            TransactionId: "{{captured.transaction_id}}",
            ...visit("post"),
            TcpaText: "{{consent.tcpa_text}}",
            JornayaLeadId: "{{consent.jornaya_leadid}}",
            TrustedForm: "{{consent.trustedform_cert_url}}",
            ContactData: contact("post"),
            ...LEAD,
          },
          ...maps,
          response: { ...reply, price: "Payout" },
        },
      };
    },
  },
};

/**
 * The templated integration a preset stands for. Throws a TemplateProblem naming the parameter when one is missing,
 * unknown, or holds a placeholder (parameters are literal text, so a key can never be read as a template).
 */
export function expandPreset(
  integration: Extract<Integration, { type: "preset" }>,
  vertical: Vertical,
  at = "integration",
): TemplatedIntegration & { sendsTestLeads: boolean } {
  const preset = PRESETS[integration.preset];
  const params: Record<string, string> = {};
  for (const [name, param] of Object.entries(preset.params)) {
    const value = integration.params[name];
    if (value) params[name] = value;
    else if (!param.optional)
      throw new TemplateProblem(
        `${at}.params.${name}`,
        `is required by the ${integration.preset} preset (${param.about})`,
      );
  }
  for (const [name, value] of Object.entries(integration.params)) {
    if (!Object.hasOwn(preset.params, name))
      throw new TemplateProblem(
        `${at}.params.${name}`,
        `is not a parameter of the ${integration.preset} preset (it takes ${Object.keys(preset.params).join(", ")})`,
      );
    if (value.includes("{{") || value.includes("}}"))
      throw new TemplateProblem(`${at}.params.${name}`, "must not contain {{ or }}");
  }
  const fields = new Set(vertical.fields.map((field) => field.name));
  const fieldMap: FieldMap = {};
  for (const [name, renamed] of Object.entries(preset.fieldNames))
    if (fields.has(name)) fieldMap[name] = renamed;
  // The lead's quality score is not a lead field: named in field_map, the preset's ping carries it under that name.
  let qualityScoreName: string | undefined;
  for (const [name, renamed] of Object.entries(integration.field_map ?? {})) {
    if (name === QUALITY_SCORE && !fields.has(name)) {
      qualityScoreName = renamed ?? undefined;
      continue;
    }
    if (!fields.has(name))
      throw new TemplateProblem(
        `${at}.field_map.${name}`,
        `${name} is not a field of the ${vertical.id} vertical`,
      );
    fieldMap[name] = renamed;
  }
  const valueMap: ValueMap = {};
  if (preset.booleans)
    for (const field of vertical.fields)
      if (field.type === "boolean") valueMap[`lead.${field.name}`] = { ...preset.booleans };
  for (const [field, map] of Object.entries(integration.value_map ?? {}))
    valueMap[`lead.${field}`] = { ...valueMap[`lead.${field}`], ...map };
  const formats: NonNullable<TemplatedRequest["formats"]> = {};
  for (const [field, format] of Object.entries(integration.formats ?? {})) {
    if (!fields.has(field))
      throw new TemplateProblem(
        `${at}.formats.${field}`,
        `${field} is not a field of the ${vertical.id} vertical`,
      );
    formats[`lead.${field}`] = format;
  }
  const expanded = preset.expand({ params, vertical, fieldMap, valueMap });
  // The campaign's formats apply on both sides, as its value maps do.
  const withFormats = (side: TemplatedRequest | undefined) =>
    side && Object.keys(formats).length > 0 ? { ...side, formats: { ...side.formats, ...formats } } : side;
  const withScore =
    expanded.ping && qualityScoreName
      ? { ...expanded.ping, body: { ...expanded.ping.body, [qualityScoreName]: `{{${QUALITY_SCORE}}}` } }
      : expanded.ping;
  const ping = withFormats(withScore);
  return {
    ...(ping ? { ping } : {}),
    post: withFormats(expanded.post)!,
    sendsTestLeads: preset.sendsTestLeads,
  };
}
