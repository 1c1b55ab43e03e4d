// Deleting configuration through the admin API, over real HTTP on both backends: what nothing needs any more goes
// (and is no longer pinged); what something still needs is a 409 naming it; built-in verticals and what the
// configuration file defines cannot go (they would come back); a held bid of a deleted campaign falls back at its
// post; the leads it bought keep its id.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] admin deletes`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("filed", 10), bidder("alpha", 40), bidder("beta", 30)], (farm) => ({
      // A fixed payout: the quote is $20 whoever wins, so a lower bid still covers it when the winner falls away.
      sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
      buyers: [{ id: "filed", name: "From the file", status: "active" }],
      campaigns: [realtimeCampaign(farm, "filed")],
    }));
    // Everything else is made through the admin API, as an operator would.
    for (const id of ["alpha", "beta"]) {
      const buyer = await h.admin("PUT", `/v1/admin/buyers/${id}`, { name: id, status: "active" });
      assert.equal(buyer.status, 200, JSON.stringify(buyer.body));
      const campaign = await h.admin("PUT", `/v1/admin/campaigns/${id}`, realtimeCampaign(h.farm, id));
      assert.equal(campaign.status, 200, JSON.stringify(campaign.body));
    }
  });
  after(() => h?.close());

  const ping = () => h.call("/v1/ping", { vertical: "personal_injury", lead: personalInjuryLead().ping });

  test("a buyer with campaigns is 409 naming them; once they are gone, the buyer goes too", async () => {
    const refused = await h.admin("DELETE", "/v1/admin/buyers/beta");
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "GAVEL_IN_USE");
    assert.equal(refused.body.error.field, "id");
    assert.match(refused.body.error.message, /campaign beta/);
    assert.equal((await h.admin("GET", "/v1/admin/buyers/beta")).status, 200, "still there");
  });

  test("a held bid of a deleted campaign falls back to the next bidder at the post", async () => {
    const pinged = await ping();
    assert.equal(pinged.status, 200, JSON.stringify(pinged.body));
    assert.equal(pinged.body.price, 20);
    const deleted = await h.admin("DELETE", "/v1/admin/campaigns/alpha");
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body, { deleted: "alpha" });
    assert.equal((await h.admin("GET", "/v1/admin/campaigns/alpha")).status, 404);
    const lead = personalInjuryLead();
    const posted = await h.call("/v1/post", {
      ping_id: pinged.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.equal(posted.body.status, "sold", JSON.stringify(posted.body));
    const trace = await h.admin("GET", `/v1/admin/leads/${posted.body.lead_id}`);
    assert.equal(trace.status, 200, JSON.stringify(trace.body));
    assert.equal(trace.body.lead.buyer_id, "beta", "sold to the next bidder");
    assert.match(JSON.stringify(trace.body), /campaign removed/, "the trace says why alpha was passed over");
  });

  test("a deleted campaign is not pinged any more", async () => {
    await h.farm.clearRequests();
    const pinged = await ping();
    assert.equal(pinged.status, 200, JSON.stringify(pinged.body));
    const pingedBuyers = new Set(
      (await h.farm.requests()).filter((r) => r.kind === "ping").map((r) => r.buyer),
    );
    assert.deepEqual([...pingedBuyers].sort(), ["beta", "filed"]);
  });

  test("the buyer goes once its campaigns have gone; a second delete is 404", async () => {
    assert.equal((await h.admin("DELETE", "/v1/admin/buyers/alpha")).status, 200);
    assert.equal((await h.admin("GET", "/v1/admin/buyers/alpha")).status, 404);
    const again = await h.admin("DELETE", "/v1/admin/buyers/alpha");
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, "GAVEL_NOT_FOUND");
  });

  test("a buyer or source with console users is 409 naming the user", async () => {
    const user = await h.admin("POST", "/v1/console/users", {
      email: "beta@example.com",
      role: "buyer",
      party_id: "beta",
      password: "a long enough password",
    });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    assert.equal((await h.admin("DELETE", "/v1/admin/campaigns/beta")).status, 200);
    const refused = await h.admin("DELETE", "/v1/admin/buyers/beta");
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "GAVEL_IN_USE");
    assert.match(refused.body.error.message, /user beta@example\.com/);
  });

  test("a vertical in use, a built-in vertical and what the file defines cannot be deleted", async () => {
    const vertical = {
      id: "solar",
      name: "Solar",
      fields: [{ name: "zip", type: "zip", required: true, pii: false }],
    };
    const putVertical = await h.admin("PUT", "/v1/admin/verticals/solar", vertical);
    assert.equal(putVertical.status, 200, JSON.stringify(putVertical.body));
    const source = await h.admin("PUT", "/v1/admin/sources/solar-src", {
      name: "Solar source",
      status: "live",
      payout: { model: "revenue_share", percent: 80 },
      verticals: ["solar"],
    });
    assert.equal(source.status, 200, JSON.stringify(source.body));
    const inUse = await h.admin("DELETE", "/v1/admin/verticals/solar");
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.error.code, "GAVEL_IN_USE");
    assert.match(inUse.body.error.message, /source solar-src/);
    assert.equal((await h.admin("DELETE", "/v1/admin/sources/solar-src")).status, 200);
    assert.equal((await h.admin("DELETE", "/v1/admin/verticals/solar")).status, 200);

    const builtIn = await h.admin("DELETE", "/v1/admin/verticals/personal_injury");
    assert.equal(builtIn.status, 409);
    assert.equal(builtIn.body.error.code, "GAVEL_BUILT_IN");
    assert.match(builtIn.body.error.message, /built in/);
    const filed = await h.admin("DELETE", "/v1/admin/campaigns/filed");
    assert.equal(filed.status, 409);
    assert.equal(filed.body.error.code, "GAVEL_DEFINED_IN_FILE");
    assert.match(filed.body.error.message, /configuration file/);
    assert.equal((await h.admin("DELETE", "/v1/admin/campaigns/nope")).status, 404);
  });

  test("the lead a deleted campaign bought keeps its buyer", async () => {
    const leads = await h.admin("GET", "/v1/admin/leads?status=sold&limit=100");
    assert.equal(leads.status, 200);
    assert.deepEqual(
      leads.body.leads.map((lead: { buyer_id: string }) => lead.buyer_id),
      ["beta"],
      "campaign beta was deleted; its sale stays",
    );
  });
});
