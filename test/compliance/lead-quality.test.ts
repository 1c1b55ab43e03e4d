// Lead validation beyond syntax (src/compliance/validation/lead-quality.ts), from the datasets it uses: the ZIP's state,
// the phone line, the e-mail provider; hard issues and the quality score. And over real HTTP: a vertical that
// validates refuses a California lead with a Texas ZIP, and a low score, with 422 GAVEL_LEAD_REFUSED naming the field;
// one that does not validate is unchanged.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assessLead } from "../../src/compliance/validation/lead-quality.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import {
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const GOOD = { zip: "90210", state: "CA", phone: "3102750199", email: "pat@gmail.com" };
const checks = (lead: Record<string, unknown>) => assessLead(lead).issues.map((issue) => issue.check);

describe("lead quality checks", () => {
  test("a consistent lead scores 100 with no issue", () => {
    assert.deepEqual(assessLead(GOOD), { score: 100, issues: [] });
  });

  test("a Texas ZIP on a California lead is a hard issue naming the ZIP", () => {
    const quality = assessLead({ ...GOOD, zip: "75001" });
    assert.deepEqual(checks({ ...GOOD, zip: "75001" }), ["zip_state"]);
    assert.equal(quality.issues[0]?.hard, true);
    assert.equal(quality.issues[0]?.field, "lead.zip");
    assert.match(quality.issues[0]?.message ?? "", /in TX, not CA/);
  });

  test("phone lines: unassigned, toll-free, premium and 555-01xx are hard issues", () => {
    assert.deepEqual(checks({ ...GOOD, phone: "2121234567" }), ["phone_invalid"]);
    assert.deepEqual(checks({ ...GOOD, phone: "8005551234" }), ["phone_not_consumer"]);
    assert.deepEqual(checks({ ...GOOD, phone: "9005551234" }), ["phone_not_consumer"]);
    assert.deepEqual(checks({ ...GOOD, phone: "2125550147" }), ["phone_fictional"]);
    assert.deepEqual(
      checks({ ...GOOD, phone: "2125550200" }),
      [],
      "555 outside 0100-0199 is a real exchange",
    );
  });

  test("a disposable e-mail and an unknown ZIP are soft: they lower the score", () => {
    const disposable = assessLead({ ...GOOD, email: "pat@mailinator.com" });
    assert.deepEqual(checks({ ...GOOD, email: "pat@mailinator.com" }), ["email_disposable"]);
    assert.ok(disposable.score < 100 && disposable.score > 0, String(disposable.score));
    assert.equal(disposable.issues[0]?.hard, false);
    assert.ok(assessLead({ ...GOOD, zip: "00000" }).score < 100);
  });

  test("a ping's fields alone (no phone, no e-mail) are checked as far as they go", () => {
    assert.deepEqual(checks({ zip: "75001", state: "CA" }), ["zip_state"]);
    assert.deepEqual(checks({ zip: "90210", state: "CA" }), []);
  });
});

describe("a vertical that validates leads", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness([bidder("alpha", 40)], (farm) => ({
      verticals: [{ ...personalInjury, validation: { min_quality_score: 80 } }],
      sources: [testSource()],
      buyers: [{ id: "alpha", name: "alpha", status: "active" }],
      campaigns: [realtimeCampaign(farm, "alpha")],
    }));
  });
  after(() => h?.close());

  const direct = (values: Record<string, unknown>) => {
    const lead = personalInjuryLead();
    return h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: { ...lead.full, phone: "(310) 275-0199", ...values },
      consent: lead.consent,
    });
  };

  test("refuses a California lead with a Texas ZIP and a 212 area code, before any buyer is pinged", async () => {
    const reply = await direct({ zip: "75001", state: "CA", phone: "(212) 275-0123" });
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, "GAVEL_LEAD_REFUSED");
    assert.equal(reply.body.error.field, "lead.zip");
    const ping = await h.call("/v1/ping", {
      vertical: "personal_injury",
      lead: { ...personalInjuryLead().ping, zip: "75001" },
    });
    assert.equal(ping.status, 422, JSON.stringify(ping.body));
    assert.deepEqual(await h.farm.requests(), [], "no buyer was pinged");
  });

  test("a disposable e-mail scores below the vertical's minimum: refused naming the e-mail", async () => {
    const reply = await direct({ email: "jordan@mailinator.com" });
    assert.equal(reply.status, 422, JSON.stringify(reply.body));
    assert.equal(reply.body.error.field, "lead.email");
    assert.match(reply.body.error.message, /quality score \d+ is below personal_injury's minimum of 80/);
  });

  test("a consistent lead sells as before", async () => {
    const reply = await direct({});
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, "sold");
  });
});
