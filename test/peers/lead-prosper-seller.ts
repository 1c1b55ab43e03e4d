// A supplier's Lead Prosper integration, written from Lead Prosper's public supplier material, not from Gavel's code:
// - example.leadprosper.tech/leadprosper-ping-post (a generated supplier spec): `lp_campaign_id`, `lp_supplier_id`,
//   `lp_key`, `lp_action` ("test" for testing), `lp_ping_id` "ping_id value retrieved from PING response",
//   `lp_subid1`, `lp_subid2`; fields `zip_code`, `state`, `ip_address`, `user_agent`, `landing_page`, `tcpa_text`,
//   `trusted_form_cert_url`, `jornaya_lead_id`, `first_name`, `last_name`, `email`, `phone`;
// - support.leadprosper.io/article/530: campaigns take FORM or JSON posts;
// - public suppliers' code: `POST https://api.leadprosper.io/ping`, `/post`, `/direct_post` with a JSON body; they read
//   `status` ("ACCEPTED" | "DUPLICATED" | "ERROR"), `code`, `message`, `ping_id` and `bids[].payout` from the ping,
//   `lead_id` and `payout` from the post.
export interface LeadProsperReply {
  status: "ACCEPTED" | "DUPLICATED" | "ERROR" | string;
  code?: number;
  message?: string;
  ping_id?: string;
  bids?: Array<{ bid_id: string; payout: number }>;
  lead_id?: string;
  payout?: number;
  [other: string]: unknown;
}

export interface LeadProsperSellerOptions {
  /** Replaces https://api.leadprosper.io. */
  baseUrl: string;
  campaignId: string;
  supplierId: string;
  key: string;
  subid1?: string;
  test?: boolean;
  /** The campaign's post type: JSON (default) or FORM. */
  postType?: "JSON" | "FORM";
}

export class LeadProsperSeller {
  readonly #options: LeadProsperSellerOptions;

  constructor(options: LeadProsperSellerOptions) {
    this.#options = options;
  }

  ping(fields: Record<string, unknown>): Promise<LeadProsperReply> {
    return this.#send("ping", fields);
  }

  post(pingId: string, fields: Record<string, unknown>): Promise<LeadProsperReply> {
    return this.#send("post", { lp_ping_id: pingId, ...fields });
  }

  directPost(fields: Record<string, unknown>): Promise<LeadProsperReply> {
    return this.#send("direct_post", fields);
  }

  async #send(path: string, fields: Record<string, unknown>): Promise<LeadProsperReply> {
    const { baseUrl, campaignId, supplierId, key, subid1, test, postType = "JSON" } = this.#options;
    const payload: Record<string, unknown> = {
      lp_campaign_id: campaignId,
      lp_supplier_id: supplierId,
      lp_key: key,
      ...(subid1 ? { lp_subid1: subid1 } : {}),
      ...(test ? { lp_action: "test" } : {}),
      ...fields,
    };
    const reply = await fetch(`${baseUrl}/${path}`, {
      method: "POST",
      headers: {
        "content-type": postType === "JSON" ? "application/json" : "application/x-www-form-urlencoded",
      },
      body:
        postType === "JSON"
          ? JSON.stringify(payload)
          : new URLSearchParams(
              Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)]),
            ).toString(),
    });
    const text = await reply.text();
    return { ...(JSON.parse(text) as LeadProsperReply), httpStatus: reply.status };
  }
}
