// A seller's boberdoo integration (test/peers/boberdoo-seller.ts, written from boberdoo's public spec) pointed at a
// running exchange: it pings, posts and full-posts in form and JSON, reads XML and JSON replies, and its mistakes
// come back as boberdoo Errors naming its own field.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { leadWithTrace, receivers, requestsFor } from "../helpers/engine-steps.ts";
import { BACKEND, type Harness, SOURCE_KEY } from "../helpers/exchange-harness.ts";
import { BoberdooSeller } from "../peers/boberdoo-seller.ts";
import { startInboundHarness } from "./inbound-harness.ts";

const CERT = "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567";

/** A personal-injury lead as a boberdoo seller's form sends it: boberdoo's names, every value a string. */
function boberdooLead(zip = "90210") {
  const ping = {
    Zip: zip,
    State: "CA",
    City: "Beverly Hills",
    injury_type: "Fracture",
    injury_severity: "7",
    crash_type: "Rear End",
    liability: "clear",
    property_damage: "moderate",
    insured: "Yes",
    other_party_insured: "No",
    days_since_accident: "12",
    consent_verified: "1",
    IP_Address: "203.0.113.7",
    Landing_Page: "https://example.com/accident-form",
  };
  const post = {
    First_Name: "Jordan",
    Last_Name: "Rivera",
    Primary_Phone: "(212) 555-0147",
    Email: "Jordan.Rivera@example.com",
    Trusted_Form_URL: CERT,
    TCPA_Language: "By clicking Submit I agree to be contacted…",
  };
  return { ping, post, full: { ...ping, ...post } };
}

describe(`[${BACKEND}] boberdoo-compatible inbound`, () => {
  let h: Harness;
  let seller: BoberdooSeller;

  before(async () => {
    h = await startInboundHarness({ "21": "personal_injury" });
    seller = new BoberdooSeller({ baseUrl: h.gavel.url, key: SOURCE_KEY, leadType: "21", src: "GavelTest" });
  });
  after(() => h?.close());

  test("form ping → Matched with a price and a Lead_ID; form post with that Lead_ID → Matched; the lead is sold", async () => {
    const lead = boberdooLead();
    const pinged = await new BoberdooSeller({
      baseUrl: h.gavel.url,
      key: SOURCE_KEY,
      leadType: "21",
      subId: "aff-7",
    }).ping(lead.ping);
    assert.equal(pinged.status, "Matched", JSON.stringify(pinged));
    assert.equal(pinged.price, "24.00", "80% of the $30 bid");
    assert.ok(pinged.lead_id);

    // The post carries only the post fields, as boberdoo's post mode allows: the ping's fields stand for the rest.
    const posted = await seller.post(String(pinged.lead_id), lead.post);
    assert.equal(posted.status, "Matched", JSON.stringify(posted));
    assert.equal(posted.price, "24.00");

    const { lead: sold } = await leadWithTrace(h, String(posted.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.buyer_id, "top");
    assert.equal(sold.price, 24);
    assert.equal(sold.auction_id, pinged.lead_id);
    assert.equal(sold.sub_id, "aff-7", "Sub_ID is the lead's sub_id");
  });

  test("a seller posting twice at once (a retry racing the first post) gets one sale and the same answer, 20 rounds", async () => {
    for (let round = 0; round < 20; round++) {
      const lead = boberdooLead(String(30000 + round));
      const pinged = await seller.ping(lead.ping);
      assert.equal(pinged.status, "Matched", JSON.stringify(pinged));
      const [first, second] = await Promise.all([
        seller.post(String(pinged.lead_id), lead.post),
        seller.post(String(pinged.lead_id), lead.post, "json"),
      ]);
      // The one still in flight may be told so (an Error the seller retries); never two sales.
      const answered = [first, second].filter((reply) => reply.status === "Matched");
      assert.ok(answered.length >= 1, JSON.stringify([first, second]));
      for (const reply of [first, second]) {
        if (reply.status === "Matched") assert.equal(reply.lead_id, answered[0]?.lead_id, `round ${round}`);
        else assert.equal(reply.code, "GAVEL_POST_IN_PROGRESS", JSON.stringify(reply));
      }
      const retry = await seller.post(String(pinged.lead_id), lead.post);
      assert.equal(retry.status, "Matched");
      assert.equal(retry.lead_id, answered[0]?.lead_id, "a later retry gets the first answer");
      const posts = receivers(await requestsFor(h, String(pinged.lead_id)), "post");
      assert.deepEqual(posts, ["top"], `round ${round}: the buyer got the lead once`);
    }
  });

  test("JSON ({Request: …} to apiJSON.php): ping, post and full answer {response: {status: Matched, price}}", async () => {
    const lead = boberdooLead("90211");
    const pinged = await seller.ping(lead.ping, "json");
    assert.equal(pinged.status, "Matched", JSON.stringify(pinged));
    assert.equal(pinged.price, "24.00");
    const posted = await seller.post(String(pinged.lead_id), lead.full, "json");
    assert.equal(posted.status, "Matched", JSON.stringify(posted));

    const full = await seller.full(boberdooLead("90212").full, "json");
    assert.equal(full.status, "Matched", JSON.stringify(full));
    assert.equal(full.price, "24.00");
    const { lead: sold } = await leadWithTrace(h, String(full.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.price, 24);
  });

  test("form full post (Mode=full) → Matched, sold, with the consent evidence kept", async () => {
    const full = await seller.full(boberdooLead("90213").full);
    assert.equal(full.status, "Matched", JSON.stringify(full));
    const { lead: sold } = await leadWithTrace(h, String(full.lead_id));
    assert.equal(sold.status, "sold");
    assert.equal(sold.consent?.trustedform_cert_url, CERT);
    assert.equal(sold.consent?.ip_address, "203.0.113.7");
  });

  test("a missing Key, a wrong Key: Error, naming Key", async () => {
    const { Key: _, ...noKey } = { Key: "", API_Action: "pingPostLead", Mode: "ping", TYPE: "21" };
    const missing = await seller.raw({ ...noKey, ...boberdooLead().ping });
    assert.equal(missing.status, "Error");
    assert.equal(missing.code, "GAVEL_UNAUTHORIZED");
    assert.equal(missing.field, "Key");
    const wrong = await new BoberdooSeller({ baseUrl: h.gavel.url, key: "not-a-key", leadType: "21" }).ping(
      boberdooLead().ping,
    );
    assert.equal(wrong.status, "Error");
    assert.equal(wrong.code, "GAVEL_UNAUTHORIZED");
    assert.equal(wrong.field, "Key");
  });

  test("an unknown field, a bad value, a missing field, PII on a ping: Error naming the seller's field", async () => {
    const unknown = await seller.ping({ ...boberdooLead().ping, Favourite_Color: "blue" });
    assert.equal(unknown.status, "Error");
    assert.equal(unknown.code, "GAVEL_VALIDATION");
    assert.equal(unknown.field, "Favourite_Color");

    const badZip = await seller.ping({ ...boberdooLead().ping, Zip: "ABCDE" });
    assert.equal(badZip.status, "Error");
    assert.equal(badZip.field, "Zip");
    assert.match(String(badZip.error), /^Zip must be a US ZIP code/, "the message names the seller's field");

    const { Zip: _, ...noZip } = boberdooLead().ping;
    const missing = await seller.ping(noZip);
    assert.equal(missing.status, "Error");
    assert.equal(missing.field, "Zip", "a missing field is named as boberdoo names it");

    const pii = await seller.ping({ ...boberdooLead().ping, First_Name: "Jordan" });
    assert.equal(pii.status, "Error");
    assert.equal(pii.field, "First_Name");
    assert.match(String(pii.error), /personal data/);

    const { Trusted_Form_URL: _cert, ...noConsent } = boberdooLead("90219").full;
    const unproven = await seller.full(noConsent);
    assert.equal(unproven.status, "Error");
    assert.equal(
      unproven.field,
      "Trusted_Form_URL",
      "missing consent proof names boberdoo's certificate field",
    );
    assert.match(String(unproven.error), /Trusted_Form_URL or LeadiD_Token/);

    const badMode = await seller.raw({
      Key: SOURCE_KEY,
      API_Action: "pingPostLead",
      Mode: "bid",
      TYPE: "21",
    });
    assert.equal(badMode.field, "Mode");
    const unknownType = await new BoberdooSeller({
      baseUrl: h.gavel.url,
      key: SOURCE_KEY,
      leadType: "99",
    }).ping(boberdooLead().ping);
    assert.equal(unknownType.code, "GAVEL_UNKNOWN_VERTICAL");
    assert.equal(unknownType.field, "TYPE");
    const unknownPing = await seller.post("no-such-ping", boberdooLead().full);
    assert.equal(unknownPing.code, "GAVEL_PING_NOT_FOUND");
    assert.equal(unknownPing.field, "Lead_ID");
  });

  test("field names and values that are Object.prototype's own names are only unknown names", async () => {
    const mode = await seller.raw({
      Key: SOURCE_KEY,
      API_Action: "pingPostLead",
      Mode: "constructor",
      TYPE: "21",
    });
    assert.equal(mode.status, "Error");
    assert.equal(mode.field, "Mode");
    const type = await new BoberdooSeller({
      baseUrl: h.gavel.url,
      key: SOURCE_KEY,
      leadType: "toString",
    }).ping(boberdooLead().ping);
    assert.equal(type.code, "GAVEL_UNKNOWN_VERTICAL");
    for (const name of ["constructor", "__proto__", "hasOwnProperty"]) {
      const reply = await seller.ping({ ...boberdooLead().ping, [name]: "1" });
      assert.equal(reply.status, "Error", name);
      assert.equal(reply.code, "GAVEL_VALIDATION", name);
      assert.equal(reply.field, name);
    }
    // The same field twice in a form is a list, not a value.
    const twice = await fetch(`${h.gavel.url}/new_api/api.php`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `${new URLSearchParams({ Key: SOURCE_KEY, API_Action: "pingPostLead", Mode: "ping", TYPE: "21", ...boberdooLead().ping })}&Zip=10001`,
    });
    assert.equal(twice.status, 200);
    assert.match(await twice.text(), /<status>Error<\/status>.*<field>Zip<\/field>/);
  });

  test("a body that is not a form, JSON or XML, or broken XML: Error in boberdoo's shape, HTTP 200", async () => {
    for (const [contentType, body] of [
      ["application/xml", "<Request><Key>x</Key>"],
      ["text/csv", "a,b"],
      ["application/json", "{not json"],
    ]) {
      const reply = await fetch(`${h.gavel.url}/new_api/api.php`, {
        method: "POST",
        headers: { "content-type": contentType as string },
        body,
      });
      assert.equal(reply.status, 200, `${contentType}: ${reply.status}`);
      const text = await reply.text();
      assert.match(text, /<status>Error<\/status>/, text);
      if (contentType === "text/csv")
        assert.match(text, /<error>Send a form \(application\/x-www-form-urlencoded\)/);
    }
  });

  test("a body over the size limit is an Error naming the body, never a 5xx or a dropped connection", async () => {
    const reply = await fetch(`${h.gavel.url}/new_api/api.php?Format=JSON`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `Key=${SOURCE_KEY}&Comments=${"x".repeat(100 * 1024)}`,
    });
    assert.equal(reply.status, 200);
    const { response } = (await reply.json()) as { response: Record<string, string> };
    assert.equal(response.status, "Error");
    assert.equal(response.code, "GAVEL_PAYLOAD_TOO_LARGE");
    assert.equal(response.field, "body");
  });

  test("an XML request to apiXML.php is answered in XML", async () => {
    const lead = boberdooLead("90214");
    const fields = { Key: SOURCE_KEY, API_Action: "pingPostLead", Mode: "ping", TYPE: "21", ...lead.ping };
    const xml = `<Request>${Object.entries(fields)
      .map(([name, value]) => `<${name}>${value}</${name}>`)
      .join("")}</Request>`;
    const reply = await fetch(`${h.gavel.url}/apiXML.php`, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: xml,
    });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get("content-type") ?? "", /xml/);
    const text = await reply.text();
    assert.match(
      text,
      /<response><status>Matched<\/status><lead_id>[^<]+<\/lead_id><price>24.00<\/price>/,
      text,
    );
  });
});

describe(`[${BACKEND}] boberdoo-compatible inbound on the exchange's clock`, () => {
  // A clock a month behind real time: the held ping expires at (that clock + the hold), long before Date.now().
  const start = Date.parse("2026-11-01T12:00:00Z");
  const began = Date.now();
  let h: Harness;
  before(async () => {
    h = await startInboundHarness({ "21": "personal_injury" }, { now: () => start + (Date.now() - began) });
  });
  after(() => h?.close());

  test("a post of the post fields only finds its held ping by the exchange's clock, not the wall clock", async () => {
    const seller = new BoberdooSeller({
      baseUrl: h.gavel.url,
      key: SOURCE_KEY,
      leadType: "21",
      src: "GavelTest",
    });
    const lead = boberdooLead("90213");
    const pinged = await seller.ping(lead.ping);
    assert.equal(pinged.status, "Matched", JSON.stringify(pinged));
    const posted = await seller.post(String(pinged.lead_id), lead.post);
    assert.equal(posted.status, "Matched", JSON.stringify(posted));
  });
});
