// PX's lead API 2.0 (exclusive ping post), written from PX's public API pages and help centre, not from our preset or
// fixtures. Sources:
// - api.px.com/v2/verticals/auto-warranty/ping-post-exclusive-auto-warranty (also api.px.com/?p=1679),
//   api.px.com/v2/verticals/aca/ping-post-full-shared-aca, api.px.com/?p=1159: ping https://leadapi.px.com/api/lead/ping,
//   post …/api/lead/post; "We accept POST requests in XML and JSON"; Content-Type required (application/json or
//   application/xml), Accept optional; ApiToken (GUID), Vertical, SubId, UserAgent, OriginalUrl, Source, SessionLength,
//   TcpaText required on ping and post; JornayaLeadId, TrustedForm; ContactData{ZipCode, State, IpAddress…}; ping
//   success {TransactionId, Success: true, Payout: 8.5, Message: null, Errors: null, Sold: null, Environment};
//   failure {Success: false, Message: "BadRequest", Errors: ["'Sinks' must not be empty.", …]};
// - support.px.com/hc/en-us/articles/115007764708 (ZIP code and IP address required on the ping; contact data on the
//   post with the Transaction ID; "Unable to monetize"; fields changed on the post are ignored);
// - support.px.com/hc/en-us/articles/115006072108 (reasons Duplicate, Contact information invalid, Unable to monetize);
// - a public PX client's ContactData names FirstName, LastName, PhoneNumber, EmailAddress (code-index id 63163137302).
// - full-shared campaigns: specs.lead-lab-llc.px.com/v2/verticals/health-v2/ping-post-full-shared-v2 (a ping success
//   {TransactionId, Success: true, Payout: null, …, Legs: [{Name: null, Hash: "<guid>", Payout: 12.34, Status:
//   "Success"}, …]}); api.px.com/v2/verticals/kitchen-remodeling/ping-post-exclusive-kitchen-remodeling (an exclusive
//   reply carries "Legs": null); a public PX client (code-index ids 60927155282, 61128644892: PxLeg {Name, Hash,
//   Payout, Status}; with Payout null it reads the best leg's Payout).
// PX has no test flag on a request: the campaign is in test mode on PX's side, so every lead this mock receives is
// live. Where the sources are silent, and what this mock does then: the HTTP status of a BadRequest (200 here, like
// every documented reply); the exact error texts beyond the "'X' must not be empty." pattern; what an unknown
// TransactionId answers (Message "BadRequest", Errors ["'TransactionId' is invalid."] here); whether a shared post may
// choose among the legs (no field for it in any spec: the post carries the TransactionId only, and this mock sells to
// every leg) and what its Payout is then (the legs' sum here); leg statuses other than "Success" ("Failure" here).
import { randomUUID } from "node:crypto";
import { mediaType, type Peer, pathOf, sendJson, startPeer } from "./peer-server.ts";

export interface PxBuyerOptions {
  apiToken: string;
  vertical: string;
  /** What PX pays (dollars); null: Unable to monetize. */
  payout: number | null;
  /** The vertical's spec requires JornayaLeadId (Home, Auto). */
  requireJornaya: boolean;
  /** A full-shared campaign: each leg's payout (dollars; null: that leg failed). Absent: exclusive. */
  legs?: (number | null)[];
}

export interface PxBuyer extends Peer {
  /** Leads PX received on a post (all live: PX has no test flag). */
  posted: Map<string, Record<string, unknown>>;
  set(options: Partial<PxBuyerOptions>): void;
}

const ENVELOPE = [
  "ApiToken",
  "Vertical",
  "SubId",
  "UserAgent",
  "OriginalUrl",
  "Source",
  "SessionLength",
  "TcpaText",
];

export async function startPxBuyer(initial: PxBuyerOptions): Promise<PxBuyer> {
  let options = initial;
  const transactions = new Map<string, Record<string, unknown>>();
  const posted = new Map<string, Record<string, unknown>>();
  /** A shared ping's legs' total, which its post answers as Payout. */
  const legPayouts = new Map<string, number>();

  const peer = await startPeer((request, res) => {
    const path = pathOf(request);
    if (request.method !== "POST" || (path !== "/api/lead/ping" && path !== "/api/lead/post"))
      return sendJson(res, 404, { Message: "Not found" });
    const badRequest = (errors: string[], transactionId: string | null = null) =>
      sendJson(res, 200, {
        TransactionId: transactionId,
        Success: false,
        Payout: 0,
        Message: "BadRequest",
        Errors: errors,
      });
    if (mediaType(request) !== "application/json")
      return badRequest(["'Content-Type' must be application/json or application/xml."]);
    let lead: Record<string, unknown>;
    try {
      lead = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return badRequest(["The request body is not valid JSON."]);
    }
    const present = (value: unknown) => value !== undefined && value !== null && String(value) !== "";
    const contact = (lead.ContactData ?? {}) as Record<string, unknown>;
    const errors = ENVELOPE.filter((name) => !present(lead[name])).map(
      (name) => `'${name}' must not be empty.`,
    );
    if (options.requireJornaya && !present(lead.JornayaLeadId))
      errors.push("'JornayaLeadId' must not be empty.");
    if (present(lead.ApiToken) && lead.ApiToken !== options.apiToken) errors.push("'ApiToken' is invalid.");
    if (present(lead.Vertical) && lead.Vertical !== options.vertical) errors.push("'Vertical' is invalid.");
    if (typeof lead.ContactData !== "object" || lead.ContactData === null)
      errors.push("'ContactData' must not be empty.");
    const side = path.endsWith("ping") ? "ping" : "post";
    const contactRequired =
      side === "ping" ? ["ZipCode", "IpAddress"] : ["FirstName", "LastName", "PhoneNumber", "EmailAddress"];
    for (const name of contactRequired)
      if (!present(contact[name])) errors.push(`'ContactData.${name}' must not be empty.`);
    if (side === "post" && !present(lead.TransactionId)) errors.push("'TransactionId' must not be empty.");
    if (errors.length > 0)
      return badRequest(errors, side === "post" ? String(lead.TransactionId ?? "") || null : null);

    if (side === "ping") {
      const transactionId = randomUUID().toUpperCase();
      transactions.set(transactionId, lead);
      if (options.legs) {
        const legs = options.legs.map((payout) => ({
          Name: null,
          Hash: randomUUID(),
          Payout: payout ?? 0,
          Status: payout === null ? "Failure" : "Success",
        }));
        const sold = legs.filter((leg) => leg.Status === "Success");
        legPayouts.set(
          transactionId,
          sold.reduce((sum, leg) => sum + leg.Payout, 0),
        );
        return sendJson(res, 200, {
          TransactionId: transactionId,
          Success: sold.length > 0,
          Payout: null,
          Message: sold.length > 0 ? null : "Unable to monetize",
          Errors: null,
          Sold: null,
          RedirectUrl: null,
          BuyerRawResponse: null,
          Environment: "Testing",
          Legs: legs,
        });
      }
      if (options.payout === null)
        return sendJson(res, 200, {
          TransactionId: transactionId,
          Success: false,
          Payout: 0,
          Message: "Unable to monetize",
          Errors: null,
          Sold: null,
        });
      return sendJson(res, 200, {
        TransactionId: transactionId,
        Success: true,
        Payout: options.payout,
        Message: null,
        Errors: null,
        Sold: null,
        Environment: "Testing",
      });
    }
    const transactionId = String(lead.TransactionId);
    if (!transactions.has(transactionId)) return badRequest(["'TransactionId' is invalid."], transactionId);
    transactions.delete(transactionId);
    posted.set(transactionId, lead);
    return sendJson(res, 200, {
      TransactionId: transactionId,
      Success: true,
      Payout: legPayouts.get(transactionId) ?? options.payout ?? 0,
      Message: null,
      Errors: null,
      Sold: true,
      RedirectUrl: null,
    });
  });
  return {
    ...peer,
    posted,
    set(next) {
      options = { ...options, ...next };
    },
  };
}
