// A supplier's Lead Prosper integration (test/peers/lead-prosper-seller.ts, written from Lead Prosper's public supplier
// material) pointed at a running exchange: ping, post and direct post in JSON and form, the answers it reads, its
// mistakes answered as Lead Prosper ERRORs; and the same lead sent natively and through Lead Prosper's shape sells the
// same way.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { leadWithTrace, outcomesOf, sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  OTHER_SOURCE_KEY,
  personalInjuryLead,
  SOURCE_KEY,
  testSource,
} from "../helpers/exchange-harness.ts";
import { LeadProsperSeller } from "../peers/lead-prosper-seller.ts";
import { startInboundHarness } from "./inbound-harness.ts";

const CERT = "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567";

/** A personal-injury lead as a Lead Prosper supplier's JSON carries it (Lead Prosper's names for the common fields). */
function leadProsperLead(zip = "90210") {
  const ping = {
    zip_code: zip,
    state: "CA",
    city: "Beverly Hills",
    injury_type: "fracture",
    injury_severity: 7,
    crash_type: "rear_end",
    liability: "clear",
    property_damage: "moderate",
    insured: true,
    other_party_insured: true,
    days_since_accident: 12,
    consent_verified: true,
    ip_address: "203.0.113.7",
    user_agent: "Mozilla/5.0",
    landing_page: "https://example.com/accident-form",
    tcpa_text: "By clicking Submit I agree…",
  };
  const post = {
    ...ping,
    first_name: "Jordan",
    last_name: "Rivera",
    email: "Jordan.Rivera@example.com",
    phone: "2125550147",
    trusted_form_cert_url: CERT,
  };
  return { ping, post };
}

describe(`[${BACKEND}] Lead Prosper-compatible inbound`, () => {
  let h: Harness;
  const supplier = (options: { key?: string; subid1?: string; postType?: "JSON" | "FORM" } = {}) =>
    new LeadProsperSeller({
      baseUrl: `${h.gavel.url}/leadprosper`,
      campaignId: "19740",
      supplierId: "101358",
      key: options.key ?? SOURCE_KEY,
      ...(options.subid1 ? { subid1: options.subid1 } : {}),
      ...(options.postType ? { postType: options.postType } : {}),
    });

  before(async () => {
    h = await startInboundHarness(
      { "19740": "personal_injury" },
      {
        bidders: [bidder("top", 30), bidder("second", 20)],
        otherSources: [
          testSource({
            id: "src-floor",
            floor: 100,
            api_key_sha256: sha256Hex(OTHER_SOURCE_KEY),
            inbound: { campaigns: { "19740": "personal_injury" } },
          }),
        ],
        settings: { replay_guard_s: 60 },
      },
    );
  });
  after(() => h?.close());

  test("JSON ping → ACCEPTED with ping_id and bids[].payout; post with lp_ping_id → ACCEPTED, lead_id, payout; sold", async () => {
    const lead = leadProsperLead();
    const pinged = await supplier({ subid1: "pub-9" }).ping(lead.ping);
    assert.equal(pinged.status, "ACCEPTED", JSON.stringify(pinged));
    assert.equal(pinged.httpStatus, 200);
    assert.equal(pinged.code, 0);
    assert.ok(pinged.ping_id);
    assert.equal(pinged.bids?.[0]?.payout, 24);

    const posted = await supplier().post(String(pinged.ping_id), lead.post);
    assert.equal(posted.status, "ACCEPTED", JSON.stringify(posted));
    assert.equal(posted.payout, 24);
    const { lead: sold } = await leadWithTrace(h, String(posted.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.buyer_id, "top");
    assert.equal(sold.auction_id, pinged.ping_id);
    assert.equal(sold.sub_id, "pub-9", "lp_subid1 is the lead's sub_id");
    assert.equal(sold.consent?.trustedform_cert_url, CERT);
    assert.equal(sold.consent?.user_agent, "Mozilla/5.0");
  });

  test("a FORM campaign: direct_post with every value a string → ACCEPTED, sold", async () => {
    const posted = await supplier({ postType: "FORM" }).directPost(leadProsperLead("90211").post);
    assert.equal(posted.status, "ACCEPTED", JSON.stringify(posted));
    assert.equal(posted.payout, 24);
    const { lead: sold } = await leadWithTrace(h, String(posted.lead_id));
    assert.equal(sold.status, "sold");
  });

  test("the same lead, natively and through Lead Prosper's direct_post, sells to the same buyer at the same price with the same trace", async () => {
    const native = personalInjuryLead({ zip: "90212" });
    const nativeReply = await sendDirect(h, { lead: native, extra: { sub_id: "native" } });
    assert.equal(nativeReply.status, 200, JSON.stringify(nativeReply.body));

    const lead = leadProsperLead("90212");
    const compatible = await supplier({ subid1: "compatible" }).directPost({
      ...lead.post,
      // personalInjuryLead's values, in Lead Prosper's names.
      phone: native.full.phone,
      email: native.full.email,
      accident_narrative: native.full.accident_narrative,
      injury_description: native.full.injury_description,
      insurance_company: native.full.insurance_company,
    });
    assert.equal(compatible.status, "ACCEPTED", JSON.stringify(compatible));

    const a = await leadWithTrace(h, nativeReply.body.lead_id);
    const b = await leadWithTrace(h, String(compatible.lead_id));
    assert.equal(b.lead.buyer_id, a.lead.buyer_id);
    assert.equal(b.lead.price, a.lead.price);
    assert.equal(b.lead.buyer_price, a.lead.buyer_price);
    assert.deepEqual(b.lead.lead, a.lead.lead, "the same canonical lead");
    assert.deepEqual(outcomesOf(b.trace, "ping"), outcomesOf(a.trace, "ping"));
    assert.deepEqual(outcomesOf(b.trace, "post"), outcomesOf(a.trace, "post"));
  });

  test("missing lp_key, a wrong lp_key, missing lp_ping_id: ERROR with code, message and field", async () => {
    const wrong = await supplier({ key: "not-a-key" }).ping(leadProsperLead().ping);
    assert.equal(wrong.status, "ERROR");
    assert.equal(wrong.error_code, "GAVEL_UNAUTHORIZED");
    assert.equal(wrong.field, "lp_key");
    assert.notEqual(wrong.code, 0);

    const reply = await fetch(`${h.gavel.url}/leadprosper/ping`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lp_campaign_id: "19740", ...leadProsperLead().ping }),
    });
    assert.equal(reply.status, 200);
    const missing = (await reply.json()) as Record<string, unknown>;
    assert.equal(missing.status, "ERROR");
    assert.equal(missing.code, 1001);
    assert.equal(missing.field, "lp_key");

    const noPing = await supplier().post("", leadProsperLead().post);
    assert.equal(noPing.status, "ERROR");
    assert.equal(noPing.code, 1001);
    assert.equal(noPing.message, "Missing required parameter lp_ping_id");
  });

  test("an unknown field, a bad value, PII on a ping: ERROR naming the supplier's field", async () => {
    const unknown = await supplier().ping({ ...leadProsperLead().ping, roof_age: "12" });
    assert.equal(unknown.status, "ERROR");
    assert.equal(unknown.error_code, "GAVEL_VALIDATION");
    assert.equal(unknown.field, "roof_age");

    const bad = await supplier().ping({ ...leadProsperLead().ping, zip_code: 902 });
    assert.equal(bad.status, "ERROR");
    assert.equal(bad.field, "zip_code");
    assert.match(String(bad.message), /^zip_code must be a string/, "the message names the supplier's field");

    const badEnum = await supplier().ping({ ...leadProsperLead().ping, injury_type: "papercut" });
    assert.equal(badEnum.field, "injury_type");
    assert.match(String(badEnum.message), /must be one of/);

    const pii = await supplier().ping({ ...leadProsperLead().ping, email: "a@example.com" });
    assert.equal(pii.status, "ERROR");
    assert.equal(pii.field, "email");
  });

  test("a seller's safe X-Request-Id comes back on the answer, refusals included, as on the native API", async () => {
    const ping = (requestId: string, body: unknown, contentType = "application/json") =>
      fetch(`${h.gavel.url}/leadprosper/ping`, {
        method: "POST",
        headers: { "content-type": contentType, "x-request-id": requestId },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const accepted = await ping("lp-7f3a.b_c:1", {
      lp_campaign_id: "19740",
      lp_key: SOURCE_KEY,
      ...leadProsperLead("90215").ping,
    });
    assert.equal(((await accepted.json()) as { status: string }).status, "ACCEPTED");
    assert.equal(accepted.headers.get("x-request-id"), "lp-7f3a.b_c:1");
    // A refused key, and a body fastify cannot read, are answered in Lead Prosper's shape with the id too.
    const refused = await ping("lp-2", {
      lp_campaign_id: "19740",
      lp_key: "not-a-key",
      ...leadProsperLead().ping,
    });
    assert.equal(((await refused.json()) as { status: string }).status, "ERROR");
    assert.equal(refused.headers.get("x-request-id"), "lp-2");
    const unreadable = await ping("lp-3", "{not json");
    assert.equal(((await unreadable.json()) as { status: string }).status, "ERROR");
    assert.equal(unreadable.headers.get("x-request-id"), "lp-3");
    // An unsafe id is ignored, not echoed, never a refusal.
    const unsafe = await ping("has space", {
      lp_campaign_id: "19740",
      lp_key: SOURCE_KEY,
      ...leadProsperLead("90216").ping,
    });
    assert.equal(((await unsafe.json()) as { status: string }).status, "ACCEPTED");
    assert.equal(unsafe.headers.get("x-request-id"), null);
  });

  test("a replayed lead is DUPLICATED; a ping nobody can buy is ERROR with no bids", async () => {
    const lead = leadProsperLead("90213");
    const first = await supplier({ subid1: "dup" }).ping(lead.ping);
    assert.equal(first.status, "ACCEPTED");
    const again = await supplier({ subid1: "dup" }).ping(lead.ping);
    assert.equal(again.status, "DUPLICATED", JSON.stringify(again));
    assert.equal(again.error_code, "GAVEL_DUPLICATE");

    // The second source takes nothing under $100: no bid covers that.
    const nobody = await supplier({ key: OTHER_SOURCE_KEY }).ping(leadProsperLead("90214").ping);
    assert.equal(nobody.status, "ERROR", JSON.stringify(nobody));
    assert.equal(nobody.message, "No buyers available");
    assert.deepEqual(nobody.bids, []);
    assert.ok(nobody.ping_id);
  });
});
