// A LeadsPedia campaign taking ping.do / post.do, written from LeadsPedia-generated posting specs and public client
// code, not from our preset or fixtures. Sources:
// - ll.media/windows_posting/, /solar_posting/, /mortgage_purchase_posting/ (LeadsPedia specs: "POST or GET are
//   supported"; lp_campaign_id, lp_campaign_key; lp_s1…lp_s5 with lp_s1 required; lp_test "1 for Test Post";
//   lp_response "XML or JSON"; lp_ping_id "Returned Ping ID from the Ping Post"; zip_code, state, ip_address required on
//   the ping; first_name, last_name, phone_home, email_address on the post);
// - a re-hosted LeadsPedia spec (code-index id 36377448062): XML by default, JSON with lp_response; success
//   {result: "success", lead_id, price, redirect_url, msg: "Lead Accepted"}; failure {result: "failed", msg: "Lead
//   Rejected", errors: [{error: "No Match"}]}; "jornaya_lead_id OR trusted_form_cert_id is required";
// - clients reading result, ping_id, price, msg, errors[].error and posting lp_ping_id (code-index ids 27952145716,
//   14027560977).
// Where the sources are silent, and what this mock does then: the error text for a wrong campaign key or an unknown
// ping id (ours, in errors[].error); the ping reply's exact members beyond result, ping_id, price and msg; the XML
// element for each error (<errors><error>…</error></errors>, as the re-hosted spec shows).
import {
  formFields,
  mediaType,
  type Peer,
  pathOf,
  queryOf,
  send,
  sendJson,
  startPeer,
} from "./peer-server.ts";

export interface LeadsPediaBuyerOptions {
  campaignId: string;
  campaignKey: string;
  required: { ping: string[]; post: string[] };
  /** What the campaign pays (dollars); null: No Match. */
  bid: number | null;
  /** The campaign requires jornaya_lead_id or trusted_form_cert_id on the post. */
  requireConsent: boolean;
}

export interface LeadsPediaBuyer extends Peer {
  inserted: Map<string, Record<string, string>>;
  set(options: Partial<LeadsPediaBuyerOptions>): void;
}

export async function startLeadsPediaBuyer(initial: LeadsPediaBuyerOptions): Promise<LeadsPediaBuyer> {
  let options = initial;
  let next = 1;
  const pings = new Map<string, Record<string, string>>();
  const inserted = new Map<string, Record<string, string>>();

  const peer = await startPeer((request, res) => {
    const path = pathOf(request);
    if (path !== "/ping.do" && path !== "/post.do") return send(res, 404, "text/plain", "not found");
    let fields: Record<string, string>;
    if (request.method === "GET") fields = Object.fromEntries(queryOf(request));
    else if (request.method === "POST" && mediaType(request) === "application/x-www-form-urlencoded")
      fields = formFields(request.body);
    else return send(res, 415, "text/plain", "POST form fields or GET");
    const json = fields.lp_response?.toUpperCase() === "JSON";
    const reply = (body: Record<string, unknown>) => {
      if (json) return sendJson(res, 200, body);
      const errors = (body.errors as { error: string }[] | undefined) ?? [];
      const members = Object.entries(body)
        .filter(([name]) => name !== "errors")
        .map(([name, value]) => `<${name}>${value}</${name}>`)
        .join("");
      const list = errors.length
        ? `<errors>${errors.map((e) => `<error>${e.error}</error>`).join("")}</errors>`
        : "";
      return send(res, 200, "application/xml", `<?xml version="1.0"?><response>${members}${list}</response>`);
    };
    const failed = (...errors: string[]) =>
      reply({ result: "failed", msg: "Lead Rejected", errors: errors.map((error) => ({ error })) });
    if (fields.lp_campaign_id !== options.campaignId || fields.lp_campaign_key !== options.campaignKey)
      return failed("Invalid Campaign ID or Key");
    const test = fields.lp_test === "1";
    const side = path === "/ping.do" ? "ping" : "post";
    const missing = ["lp_s1", ...options.required[side]].filter((name) => !fields[name]);
    if (missing.length > 0) return failed(...missing.map((name) => `Missing required field: ${name}`));
    if (side === "ping") {
      if (options.bid === null) return failed("No Match");
      const pingId = `P${next++}`;
      pings.set(pingId, fields);
      return reply({
        result: "success",
        ping_id: pingId,
        price: options.bid.toFixed(2),
        msg: "Ping Accepted",
      });
    }
    const pingId = fields.lp_ping_id;
    if (!pingId || !pings.has(pingId)) return failed("Invalid lp_ping_id");
    if (options.requireConsent && !fields.jornaya_lead_id && !fields.trusted_form_cert_id)
      return failed("jornaya_lead_id OR trusted_form_cert_id is required");
    const ping = pings.get(pingId)!;
    pings.delete(pingId);
    const leadId = `L${next++}`;
    if (!test) inserted.set(leadId, fields);
    return reply({
      result: "success",
      lead_id: leadId,
      price: options.bid === null ? "0.00" : options.bid.toFixed(2),
      redirect_url: `https://buyer.example/thanks?lead=${leadId}&zip=${ping.zip_code ?? ""}`,
      msg: "Lead Accepted",
    });
  });
  return {
    ...peer,
    inserted,
    set(nextOptions) {
      options = { ...options, ...nextOptions };
    },
  };
}
