// A Lead Prosper ping-post campaign, written from Lead Prosper's public supplier material and public client code, not
// from our preset or fixtures. Sources:
// - example.leadprosper.tech/leadprosper-ping-post (a generated supplier spec: lp_campaign_id, lp_supplier_id,
//   lp_key, lp_action "Send test for testing", lp_ping_id "ping_id value retrieved from PING response", lp_subid1/2;
//   ip_address, user_agent, landing_page, tcpa_text required on ping and post; zip_code, state; first_name,
//   last_name, phone, email on the post; jornaya_lead_id, trusted_form_cert_url; "fields are case sensitive");
// - support.leadprosper.io/article/77 (exclusive campaigns return the highest bid; for shared ones the supplier posts
//   lp_ping_id and the chosen bid_id) and /article/530 (specs carry the post type and "sample Accepted, Duplicate, and
//   Error responses");
// - public clients (code-index ids 51777733295, 58647666387: POST JSON to api.leadprosper.io/ping and /post; ping reply
//   {status, code, message, ping_id, bids: [{bid_id, payout}]}; post reply {status: "ACCEPTED", lead_id, payout};
//   63307275745: {"status": "ERROR", "code": 1001, "message": "Missing required parameter lp_ping_id"}; 68577572133:
//   statuses ACCEPTED | DUPLICATED | ERROR).
// Shared campaigns (support.leadprosper.io/article/77: "Shared Leads allow suppliers to see and select among multiple
// buyer bids … post … the provided lp_ping_id (and bid_id for shared leads)"): the ping lists every buyer's bid, in
// no stated order (here the order the buyers are configured), and the post must name one of them; an exclusive
// campaign lists only its highest bid. Silent: how several bid_ids are written on one post (this mock takes one,
// the only form Gavel sends) and whether an exclusive post must name the bid (optional here).
// Where the sources are silent, and what this mock does then: what a ping no buyer wants answers (ACCEPTED with an
// empty bids list here); error codes other than 1001 (1002 for bad credentials, 1003 for an unknown ping or bid here);
// the duplicate rule (the same phone posted twice, answered DUPLICATED).
import { mediaType, type Peer, pathOf, sendJson, startPeer } from "./peer-server.ts";

export interface LeadProsperBuyerOptions {
  campaignId: string;
  supplierId: string;
  key: string;
  required: { ping: string[]; post: string[] };
  /** The bids its buyers make on a ping (dollars); empty: none. */
  bids: number[];
  /** exclusive (default): the ping lists the highest bid only; shared: every bid, and the post names one. */
  leadType?: "exclusive" | "shared";
}

export interface LeadProsperBuyer extends Peer {
  inserted: Map<string, Record<string, unknown>>;
  set(options: Partial<LeadProsperBuyerOptions>): void;
}

export async function startLeadProsperBuyer(initial: LeadProsperBuyerOptions): Promise<LeadProsperBuyer> {
  let options = initial;
  let next = 1;
  const pings = new Map<string, { shared: boolean; bidIds: Set<string>; payouts: Map<string, number> }>();
  const inserted = new Map<string, Record<string, unknown>>();
  const phones = new Set<string>();

  const peer = await startPeer((request, res) => {
    const path = pathOf(request);
    if (request.method !== "POST" || (path !== "/ping" && path !== "/post"))
      return sendJson(res, 404, { status: "ERROR", code: 404, message: "Not found" });
    const error = (code: number, message: string) => sendJson(res, 200, { status: "ERROR", code, message });
    if (mediaType(request) !== "application/json") return error(1000, "This campaign takes JSON");
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return error(1000, "Invalid JSON");
    }
    const text = (name: string) =>
      typeof body[name] === "string" || typeof body[name] === "number" ? String(body[name]) : "";
    if (
      text("lp_campaign_id") !== options.campaignId ||
      text("lp_supplier_id") !== options.supplierId ||
      text("lp_key") !== options.key
    )
      return error(1002, "Invalid lp_campaign_id, lp_supplier_id or lp_key");
    const test = text("lp_action") === "test";
    if (path === "/ping") {
      for (const name of options.required.ping)
        if (!text(name)) return error(1001, `Missing required parameter ${name}`);
      const pingId = `ping-${next++}`;
      const all = options.bids.map((payout) => ({ bid_id: `bid-${next++}`, payout }));
      const shared = options.leadType === "shared";
      const bids = shared ? all : all.sort((a, b) => b.payout - a.payout).slice(0, 1);
      pings.set(pingId, {
        shared,
        bidIds: new Set(bids.map((bid) => bid.bid_id)),
        payouts: new Map(bids.map((bid) => [bid.bid_id, bid.payout])),
      });
      return sendJson(res, 200, { status: "ACCEPTED", code: 0, message: "", ping_id: pingId, bids });
    }
    if (!text("lp_ping_id")) return error(1001, "Missing required parameter lp_ping_id");
    const ping = pings.get(text("lp_ping_id"));
    if (!ping) return error(1003, "Unknown lp_ping_id");
    const bidId = text("bid_id");
    if (ping.shared && !bidId) return error(1001, "Missing required parameter bid_id");
    if (bidId && !ping.bidIds.has(bidId)) return error(1003, "Unknown bid_id for this ping");
    for (const name of options.required.post)
      if (!text(name)) return error(1001, `Missing required parameter ${name}`);
    if (phones.has(text("phone")))
      return sendJson(res, 200, { status: "DUPLICATED", code: 0, message: "Duplicate lead" });
    pings.delete(text("lp_ping_id"));
    const leadId = `lead-${next++}`;
    if (!test) {
      phones.add(text("phone"));
      inserted.set(leadId, body);
    }
    const payout = bidId ? ping.payouts.get(bidId) : [...ping.payouts.values()][0];
    return sendJson(res, 200, {
      status: "ACCEPTED",
      code: 0,
      message: "",
      lead_id: leadId,
      payout: payout ?? 0,
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
