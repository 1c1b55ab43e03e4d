// Presets: buyers that are themselves other exchanges' ping-post endpoints, configured from a few parameters. Each
// preset expands into an ordinary templated integration (expanded when the snapshot is compiled, so a saved campaign
// stays as short as the operator wrote it and a corrected preset reaches every campaign using it). The shapes follow
// the public specs summarised in shared/reference/industry.md §2 and §4; where those are thin, the choice is noted.
import type { Integration, TemplatedRequest } from "../domain/config-schema.ts";
import { TemplateProblem } from "./template.ts";
import type { TemplatedIntegration } from "./templated-adapter.ts";

export type PresetName = Extract<Integration, { type: "preset" }>["preset"];
type ValueMap = NonNullable<TemplatedRequest["value_map"]>;

interface Preset {
  /** Parameters the operator must give, with what each is. */
  params: Readonly<Record<string, string>>;
  expand(params: Readonly<Record<string, string>>, valueMap: ValueMap): TemplatedIntegration;
}

/** Every lead field the side may see (a ping's lead is the non-PII payload). */
const LEAD = { "*": "{{lead}}" };
/** Most exchanges' test flag is "1" or absent. */
const TEST_AS_ONE = { test: { true: "1", false: null } };

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  // boberdoo `pingPostLead`: form fields to /new_api/api.php with Mode=ping then Mode=post, the API key and source in
  // the body, Test_Lead=1 for tests; the reply is XML (<response><status>Matched|Unmatched|Success|Error</status>
  // <lead_id/>...), and the post must echo the ping's Lead_ID.
  boberdoo: {
    params: { key: "API key (Key)", src: "source code (SRC)", lead_type: "lead type id (TYPE)" },
    expand(p, valueMap) {
      const common = { Key: p.key, API_Action: "pingPostLead", TYPE: p.lead_type, SRC: p.src };
      const reply = (accepted: string[]) => ({
        format: "xml" as const,
        accept: { path: "response/status", equals: accepted },
        reject: { path: "response/status", equals: ["Unmatched", "Error"] },
        reason: ["response/error", "response/process_information/unmatched_reason"],
      });
      return {
        ping: {
          format: "form",
          body: { ...common, Mode: "ping", Test_Lead: "{{test}}", ...LEAD },
          value_map: { ...TEST_AS_ONE, ...valueMap },
          response: {
            ...reply(["Matched"]),
            price: "response/process_information/best_bid",
            reference: "response/lead_id",
            capture: { lead_id: "response/lead_id" },
          },
        },
        post: {
          format: "form",
          body: { ...common, Mode: "post", Lead_ID: "{{captured.lead_id}}", ...LEAD },
          value_map: valueMap,
          response: { ...reply(["Matched", "Success"]), reference: "response/lead_id" },
        },
      };
    },
  },
  // LeadsPedia ping.do / post.do: form fields with lp_campaign_id and lp_campaign_key, lp_test=1, lp_response=JSON;
  // the JSON reply says result "success" with ping_id, price and msg; the post echoes lp_ping_id.
  leadspedia: {
    params: { campaign_id: "lp_campaign_id", campaign_key: "lp_campaign_key" },
    expand(p, valueMap) {
      const common = { lp_campaign_id: p.campaign_id, lp_campaign_key: p.campaign_key, lp_response: "JSON" };
      return {
        ping: {
          format: "form",
          body: { ...common, lp_test: "{{test}}", ...LEAD },
          value_map: { ...TEST_AS_ONE, ...valueMap },
          response: {
            accept: { path: "result", equals: ["success"] },
            price: "price",
            reason: ["msg"],
            reference: "ping_id",
            capture: { ping_id: "ping_id" },
          },
        },
        post: {
          format: "form",
          body: { ...common, lp_ping_id: "{{captured.ping_id}}", ...LEAD },
          value_map: valueMap,
          response: {
            accept: { path: "result", equals: ["success"] },
            reason: ["msg"],
            reference: "lead_id",
          },
        },
      };
    },
  },
  // Lead Prosper ping-post exchange: JSON with lp_campaign_id, lp_supplier_id and lp_key, lp_action=test for tests;
  // the post echoes lp_ping_id. The reply fields (status ACCEPTED, price, ping_id, lead_id, message) are what Lead
  // Prosper's generated supplier specs show; industry.md does not list them, so check them against the buyer's spec.
  lead_prosper: {
    params: { campaign_id: "lp_campaign_id", supplier_id: "lp_supplier_id", key: "lp_key" },
    expand(p, valueMap) {
      const common = { lp_campaign_id: p.campaign_id, lp_supplier_id: p.supplier_id, lp_key: p.key };
      const accept = { path: "status", equals: ["ACCEPTED"] };
      return {
        ping: {
          format: "json",
          body: { ...common, lp_action: "{{test}}", ...LEAD },
          value_map: { test: { true: "test", false: null }, ...valueMap },
          response: {
            accept,
            price: "price",
            reason: ["message"],
            reference: "ping_id",
            capture: { ping_id: "ping_id" },
          },
        },
        post: {
          format: "json",
          body: { ...common, lp_ping_id: "{{captured.ping_id}}", ...LEAD },
          value_map: valueMap,
          response: { accept, reason: ["message"], reference: "lead_id" },
        },
      };
    },
  },
  // PX (leadapi.px.com/api/lead/ping and /post): JSON with the ApiToken in the body; the reply is
  // {TransactionId, Success, Payout, Message, Errors[]} and the post echoes the TransactionId. PX has no test flag
  // on the request (a campaign is put in test mode on PX's side).
  px: {
    params: { api_token: "ApiToken (a GUID)" },
    expand(p, valueMap) {
      const headers = { Accept: "application/json" };
      const reply = {
        accept: { path: "Success", equals: [true] },
        reason: ["Message", "Errors[0]"],
        reference: "TransactionId",
      };
      return {
        ping: {
          format: "json",
          headers,
          body: { ApiToken: p.api_token, ...LEAD },
          value_map: valueMap,
          response: { ...reply, price: "Payout", capture: { transaction_id: "TransactionId" } },
        },
        post: {
          format: "json",
          headers,
          body: { ApiToken: p.api_token, TransactionId: "{{captured.transaction_id}}", ...LEAD },
          value_map: valueMap,
          response: reply,
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
  at = "integration",
): TemplatedIntegration {
  const preset = PRESETS[integration.preset];
  for (const name of Object.keys(preset.params)) {
    if (!integration.params[name])
      throw new TemplateProblem(
        `${at}.params.${name}`,
        `is required by the ${integration.preset} preset (${preset.params[name]})`,
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
  const valueMap: ValueMap = {};
  for (const [field, map] of Object.entries(integration.value_map ?? {})) valueMap[`lead.${field}`] = map;
  return preset.expand(integration.params, valueMap);
}
