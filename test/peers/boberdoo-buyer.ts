// A boberdoo buyer answering `pingPostLead`, written from boberdoo's public material and public client code, not from
// our preset or fixtures. Sources:
// - example.leadprosper.tech/boberdoo-ping-post (a pingPostLead spec: Key, API_Action, Mode ping|post|full, Format
//   JSON|XML default XML, Lead_ID "received in response of ping mode");
// - boberdoo.com/ping-post-specifications-video (Test_Lead=1: "perform the standard validation … return back the XML
//   response, but does not insert the lead");
// - boberdoo.com/ping-post-lead-log (a ping reply `<response><status>Matched</status><lead_id>21777961</lead_id>
//   <price>6.66</price></response>`) and boberdoo.com/lead-posting-responses (status, lead_id, error);
// - the yieldmarketing.leadportal.com new_api notes (code-index id 71329250145): form fields to new_api/api.php, "All
//   field names in the request are case sensitive", replies wrapped in `response`, status Matched / Unmatched / Success
//   / Error with HTTP 200, "Insert Error #8: Required value for field "X" missing";
// - public clients sending Return_Best_Price=1 to get the price back, and reading `price` (code-index ids 14395016355,
//   35249206046, 19036688530, 6717862815);
// - inquirly.com/l (a boberdoo buyer listing Trusted_Form_URL as required on the post).
// Where the sources are silent, and what this mock does then: the wording of a bad key or a bad Lead_ID error (our
// own text, always with status Error and HTTP 200, as every documented error is); whether a price is returned without
// Return_Best_Price (not returned here, as the clients' use of the switch suggests); a Lead_ID posted twice (Error).
import { formFields, mediaType, type Peer, pathOf, send, startPeer } from "./peer-server.ts";

export interface BoberdooBuyerOptions {
  key: string;
  /** The lead type id (TYPE) and source code (SRC) the buyer issued. */
  leadType: string;
  src: string;
  /** The fields the buyer's lead type requires, per mode, by the buyer's (case-sensitive) names. */
  required: { ping: string[]; post: string[] };
  /** What the buyer bids (dollars); null: Unmatched. */
  bid: number | null;
}

export interface BoberdooBuyer extends Peer {
  /** What the buyer inserted (not test leads): the post's fields by Lead_ID. */
  inserted: Map<string, Record<string, string>>;
  set(options: Partial<BoberdooBuyerOptions>): void;
}

const xml = (fields: Record<string, string | number>) =>
  `<?xml version="1.0" encoding="UTF-8"?><response>${Object.entries(fields)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join("")}</response>`;

export async function startBoberdooBuyer(initial: BoberdooBuyerOptions): Promise<BoberdooBuyer> {
  let options = initial;
  let nextLeadId = 21_777_961;
  const pinged = new Map<string, Record<string, string>>();
  const inserted = new Map<string, Record<string, string>>();
  const error = (text: string) => xml({ status: "Error", error: text });

  const peer = await startPeer((request, res) => {
    const answer = (body: string) => send(res, 200, "text/xml; charset=utf-8", body);
    if (pathOf(request) !== "/new_api/api.php" || request.method !== "POST")
      return send(res, 404, "text/plain", "not found");
    if (mediaType(request) !== "application/x-www-form-urlencoded")
      return answer(error("api.php takes form fields (JSON goes to apiJSON.php)"));
    const fields = formFields(request.body);
    if (fields.Key !== options.key) return answer(error("Invalid API Key"));
    if (fields.API_Action !== "pingPostLead") return answer(error("Invalid API_Action"));
    if (fields.TYPE !== options.leadType) return answer(error("Invalid TYPE"));
    if (fields.SRC !== options.src) return answer(error("Invalid SRC"));
    const mode = fields.Mode;
    if (mode !== "ping" && mode !== "post") return answer(error("Invalid Mode"));
    for (const name of options.required[mode])
      if (!fields[name]) return answer(error(`Insert Error #8: Required value for field "${name}" missing`));
    const test = fields.Test_Lead === "1";
    if (mode === "ping") {
      if (options.bid === null) return answer(xml({ status: "Unmatched" }));
      const leadId = String(nextLeadId++);
      pinged.set(leadId, fields);
      return answer(
        xml({
          status: "Matched",
          lead_id: leadId,
          ...(fields.Return_Best_Price === "1" ? { price: options.bid.toFixed(2) } : {}),
        }),
      );
    }
    const leadId = fields.Lead_ID;
    if (!leadId || !pinged.has(leadId))
      return answer(error("Invalid Lead_ID: post the lead_id the ping returned"));
    pinged.delete(leadId);
    if (!test) inserted.set(leadId, fields);
    return answer(xml({ status: "Matched", lead_id: leadId }));
  });
  return {
    ...peer,
    inserted,
    set(next) {
      options = { ...options, ...next };
    },
  };
}
