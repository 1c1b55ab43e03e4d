// One lead, four ways in: the native API and the boberdoo, LeadsPedia and Lead Prosper sellers (test/peers/, written
// from those platforms' public specs), each pinging then posting. Every way ends in the same sale (buyer, prices, the
// same canonical lead and consent) and the same decision trace.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { leadWithTrace, outcomesOf } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  SOURCE_KEY,
} from "../helpers/exchange-harness.ts";
import { BoberdooSeller } from "../peers/boberdoo-seller.ts";
import { LeadProsperSeller } from "../peers/lead-prosper-seller.ts";
import { LeadsPediaSeller } from "../peers/leadspedia-seller.ts";
import { startInboundHarness } from "./inbound-harness.ts";

const native = personalInjuryLead();
const nonPii = Object.fromEntries(Object.entries(native.ping).map(([name, value]) => [name, String(value)]));
const { zip: _zip, ...nonPiiButZip } = nonPii;
const cert = native.consent.trustedform_cert_url;

describe(`[${BACKEND}] one lead through the native API and every compatible endpoint`, () => {
  let h: Harness;
  // biome-ignore lint/suspicious/noExplicitAny: leads are read back as JSON
  const sold: Record<string, { lead: any; trace: ReturnType<typeof outcomesOf>[] }> = {};

  before(async () => {
    h = await startInboundHarness(
      { "21": "personal_injury", "105": "personal_injury", "19740": "personal_injury" },
      { bidders: [bidder("top", 30), bidder("second", 20), bidder("decliner", 0, { bidRate: 0 })] },
    );
  });
  after(() => h?.close());

  const record = async (way: string, leadId: string) => {
    const { lead, trace } = await leadWithTrace(h, leadId);
    sold[way] = { lead, trace: [outcomesOf(trace, "ping"), outcomesOf(trace, "post")] };
  };

  test("native: ping, then post", async () => {
    const ping = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: native.ping,
      sub_id: "native",
    });
    assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
    const post = await h.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: native.full,
      consent: native.consent,
    });
    assert.equal(post.body.status, "sold", JSON.stringify(post.body));
    await record("native", post.body.lead_id);
  });

  test("boberdoo: form ping, then a post of the post fields only", async () => {
    const seller = new BoberdooSeller({
      baseUrl: h.gavel.url,
      key: SOURCE_KEY,
      leadType: "21",
      subId: "boberdoo",
    });
    const ping = await seller.ping({ ...nonPiiButZip, Zip: native.ping.zip });
    assert.equal(ping.status, "Matched", JSON.stringify(ping));
    const post = await seller.post(String(ping.lead_id), {
      First_Name: native.full.first_name,
      Last_Name: native.full.last_name,
      Primary_Phone: native.full.phone,
      Email: native.full.email,
      accident_narrative: native.full.accident_narrative,
      injury_description: native.full.injury_description,
      insurance_company: native.full.insurance_company,
      Trusted_Form_URL: cert,
    });
    assert.equal(post.status, "Matched", JSON.stringify(post));
    await record("boberdoo", String(post.lead_id));
  });

  test("LeadsPedia: ping.do, then post.do (XML replies)", async () => {
    const seller = new LeadsPediaSeller({
      baseUrl: h.gavel.url,
      campaignId: "105",
      campaignKey: SOURCE_KEY,
      s1: "leadspedia",
    });
    const ping = await seller.ping({ ...nonPiiButZip, zip_code: native.ping.zip });
    assert.equal(ping.result, "success", JSON.stringify(ping.raw));
    const post = await seller.post(String(ping.ping_id), {
      ...nonPiiButZip,
      zip_code: native.ping.zip,
      first_name: native.full.first_name,
      last_name: native.full.last_name,
      phone_home: native.full.phone,
      email_address: native.full.email,
      accident_narrative: native.full.accident_narrative,
      injury_description: native.full.injury_description,
      insurance_company: native.full.insurance_company,
      trusted_form_cert_url: cert,
    });
    assert.equal(post.result, "success", JSON.stringify(post.raw));
    await record("leadspedia", String(post.lead_id));
  });

  test("Lead Prosper: ping, then post (JSON)", async () => {
    const seller = new LeadProsperSeller({
      baseUrl: `${h.gavel.url}/leadprosper`,
      campaignId: "19740",
      supplierId: "101358",
      key: SOURCE_KEY,
      subid1: "lead-prosper",
    });
    const { zip: _, ...rest } = native.ping;
    const ping = await seller.ping({ ...rest, zip_code: native.ping.zip });
    assert.equal(ping.status, "ACCEPTED", JSON.stringify(ping));
    const { zip: __, ...full } = native.full;
    const post = await seller.post(String(ping.ping_id), {
      ...full,
      zip_code: native.ping.zip,
      trusted_form_cert_url: cert,
    });
    assert.equal(post.status, "ACCEPTED", JSON.stringify(post));
    await record("lead_prosper", String(post.lead_id));
  });

  test("every way: the same buyer, prices, canonical lead, consent and trace", () => {
    const reference = sold.native;
    assert.ok(reference, "the native sale ran first");
    assert.equal(reference.lead.buyer_id, "top");
    assert.deepEqual(
      Object.keys(reference.trace[0] ?? {}).sort(),
      ["decliner", "second", "top"],
      "every buyer pinged",
    );
    for (const way of ["boberdoo", "leadspedia", "lead_prosper"]) {
      const other = sold[way];
      assert.ok(other, `${way} sold`);
      assert.equal(other.lead.status, "sold", way);
      assert.equal(other.lead.buyer_id, reference.lead.buyer_id, way);
      assert.equal(other.lead.price, reference.lead.price, way);
      assert.equal(other.lead.buyer_price, reference.lead.buyer_price, way);
      assert.deepEqual(other.lead.lead, reference.lead.lead, `${way}: the canonical lead`);
      assert.equal(other.lead.consent?.trustedform_cert_url, cert, way);
      assert.deepEqual(other.trace, reference.trace, `${way}: the decision trace`);
      assert.equal(other.lead.sub_id, way.replace("_", "-"), `${way}: its sub-id`);
    }
  });
});
