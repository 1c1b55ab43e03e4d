// A seller's LeadsPedia integration (test/peers/leadspedia-seller.ts, written from LeadsPedia's generated posting
// specs) pointed at a running exchange: ping.do and post.do by POST and GET, XML (the default) and JSON replies, the
// direct post, test leads, and its mistakes answered as LeadsPedia failures naming its field.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { leadWithTrace } from "../helpers/engine-steps.ts";
import { BACKEND, type Harness, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { LeadsPediaSeller, type LeadsPediaSellerOptions } from "../peers/leadspedia-seller.ts";
import { startInboundHarness } from "./inbound-harness.ts";

const CERT_ID = "0123456789abcdef0123456789abcdef01234567";

/** A personal-injury lead with LeadsPedia's names for the common fields, every value a string. */
function leadspediaLead(zip = "90210") {
  const ping = {
    zip_code: zip,
    state: "CA",
    city: "Beverly Hills",
    injury_type: "fracture",
    injury_severity: "7",
    crash_type: "rear_end",
    liability: "clear",
    property_damage: "moderate",
    insured: "Yes",
    other_party_insured: "Yes",
    days_since_accident: "12",
    consent_verified: "Yes",
    ip_address: "203.0.113.7",
    trusted_form_Y_N: "Y",
  };
  const post = {
    ...ping,
    first_name: "Jordan",
    last_name: "Rivera",
    phone_home: "212-555-0147",
    email_address: "Jordan.Rivera@example.com",
    trusted_form_cert_id: CERT_ID,
    tcpa_text: "By clicking Submit I agree…",
  };
  return { ping, post };
}

describe(`[${BACKEND}] LeadsPedia-compatible inbound`, () => {
  let h: Harness;
  const seller = (options: Partial<LeadsPediaSellerOptions> = {}) =>
    new LeadsPediaSeller({ baseUrl: h.gavel.url, campaignId: "105", campaignKey: SOURCE_KEY, ...options });

  before(async () => {
    h = await startInboundHarness({ "105": "personal_injury" });
  });
  after(() => h?.close());

  test("ping.do (XML by default) → success, ping_id, price; post.do with lp_ping_id → success, lead_id, price; sold", async () => {
    const lead = leadspediaLead();
    const pinged = await seller({ s1: "aff-3" }).ping(lead.ping);
    assert.equal(pinged.result, "success", JSON.stringify(pinged.raw));
    assert.equal(pinged.price, "24.00");
    assert.ok(pinged.ping_id);

    const posted = await seller().post(String(pinged.ping_id), lead.post);
    assert.equal(posted.result, "success", JSON.stringify(posted.raw));
    assert.equal(posted.msg, "Lead Accepted");
    assert.equal(posted.price, "24.00");
    const { lead: sold } = await leadWithTrace(h, String(posted.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.sub_id, "aff-3", "lp_s1 is the lead's sub_id");
    assert.equal(
      sold.consent?.trustedform_cert_url,
      `https://cert.trustedform.com/${CERT_ID}`,
      "a bare certificate id becomes its URL",
    );
  });

  test("lp_response=JSON by GET: ping and post answer JSON", async () => {
    const lead = leadspediaLead("90211");
    const json = seller({ response: "JSON", method: "GET" });
    const pinged = await json.ping(lead.ping);
    assert.equal(pinged.result, "success", JSON.stringify(pinged.raw));
    assert.equal(pinged.price, "24.00");
    const posted = await json.post(String(pinged.ping_id), lead.post);
    assert.equal(posted.result, "success", JSON.stringify(posted.raw));
  });

  test("post.do without lp_ping_id is a direct post; lp_test=1 makes it a test lead", async () => {
    const posted = await seller({ test: true }).directPost(leadspediaLead("90212").post);
    assert.equal(posted.result, "success", JSON.stringify(posted.raw));
    const { lead: sold } = await leadWithTrace(h, String(posted.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.test, true);
  });

  test("missing or wrong lp_campaign_key, an unknown field, a bad value: failed, Lead Rejected, the error and field", async () => {
    const wrong = await seller({ campaignKey: "not-a-key" }).ping(leadspediaLead().ping);
    assert.equal(wrong.result, "failed");
    assert.equal(wrong.msg, "Lead Rejected");
    assert.equal(wrong.raw.code, "GAVEL_UNAUTHORIZED");
    assert.equal(wrong.raw.field, "lp_campaign_key");
    assert.equal(wrong.errors.length, 1);

    const missing = await seller({ campaignKey: "" }).ping(leadspediaLead().ping);
    assert.equal(missing.raw.field, "lp_campaign_key");

    const unknown = await seller({ response: "JSON" }).ping({ ...leadspediaLead().ping, roof_age: "9" });
    assert.equal(unknown.result, "failed");
    assert.equal(unknown.raw.field, "roof_age");
    assert.match(unknown.errors[0] ?? "", /roof_age is not a field/);

    const bad = await seller().ping({ ...leadspediaLead().ping, injury_severity: "eleven" });
    assert.equal(bad.result, "failed");
    assert.equal(bad.raw.field, "injury_severity");
    assert.match(bad.errors[0] ?? "", /^injury_severity must be a number/);

    const pii = await seller().ping({ ...leadspediaLead().ping, phone_home: "2125550147" });
    assert.equal(pii.raw.field, "phone_home");
  });
});
