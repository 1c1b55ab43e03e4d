// The portals' own controls, on both backends, over real HTTP: a buyer user reads its account (funds and each cap's
// usage this period, adding up to what it bought) and pauses and resumes only its own campaigns (another buyer's is
// 404), and a paused campaign stops bidding; a source user rotates its API key (shown once, the old one refused at once)
// and reads its integration guide's data (its verticals' fields, which are PII).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const PASSWORD = "correct horse battery";

describe(`[${BACKEND}] portals API: buyer account and campaigns, source key and integration`, () => {
  let h: Harness;
  const cookies: Record<string, string> = {};

  const as = async (cookie: string | undefined, method: string, path: string): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method,
      headers: cookie === undefined ? {} : { cookie },
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("beta", 30)], (farm) => ({
      sources: [testSource({ api_key_sha256: sha256Hex(SOURCE_KEY) })],
      buyers: [
        {
          id: "alpha",
          name: "Alpha Law",
          status: "active",
          funds: { credit_limit: 20 },
          caps: { leads: { week: 50 } },
        },
        { id: "beta", name: "Beta Injury", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "alpha", { caps: { leads: { day: 10 }, spend: { month: 1000 } } }),
        realtimeCampaign(farm, "beta", { id: "beta-main" }),
        realtimeCampaign(farm, "alpha", { id: "alpha-trial", status: "test" }),
      ],
    }));
    const users = [
      { email: "alpha@example.com", role: "buyer", party_id: "alpha" },
      { email: "beta@example.com", role: "buyer", party_id: "beta" },
      { email: "source@example.com", role: "source", party_id: "src-main" },
    ];
    for (const user of users) {
      const created = await h.admin("POST", "/v1/console/users", { ...user, password: PASSWORD });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const login = await fetch(`${h.gavel.url}/v1/console/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: user.email, password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      cookies[user.party_id === "src-main" ? "source" : user.party_id] = (
        login.headers.get("set-cookie") ?? ""
      ).split(";")[0]!;
    }
    const deposit = await h.admin("POST", "/v1/admin/buyers/alpha/deposits", { amount: 100, id: "dep-1" });
    assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
  });
  after(async () => {
    await h?.close();
  });

  test("a buyer's account: its funds and each cap's usage add up to what it bought", async () => {
    const sold = await sendDirect(h, {});
    assert.equal(sold.body.status, "sold", JSON.stringify(sold.body));
    const account = await as(cookies.alpha, "GET", "/v1/buyer/account");
    assert.equal(account.status, 200, JSON.stringify(account.body));
    assert.deepEqual(account.body.funds, {
      prepaid: true,
      deposits: 100,
      spent: 40,
      reserved: 0,
      credit_limit: 20,
      balance: 60,
      available: 80,
    });
    assert.deepEqual(
      account.body.campaigns.map((campaign: { id: string }) => campaign.id).sort(),
      ["alpha", "alpha-trial"],
      "its own campaigns only",
    );
    const campaign = account.body.campaigns.find((candidate: { id: string }) => candidate.id === "alpha");
    assert.equal(campaign.status, "active");
    const day = campaign.caps.find((cap: { period: string }) => cap.period === "day");
    assert.deepEqual([day.leads_limit, day.leads, day.spent], [10, 1, 40]);
    const month = campaign.caps.find((cap: { period: string }) => cap.period === "month");
    assert.deepEqual([month.spend_limit, month.spent], [1000, 40]);
    assert.deepEqual(
      account.body.caps.map((cap: { period: string; leads_limit: number; leads: number }) => [
        cap.period,
        cap.leads_limit,
        cap.leads,
      ]),
      [["week", 50, 1]],
      "the buyer's own cap, across its campaigns",
    );
    const beta = await as(cookies.beta, "GET", "/v1/buyer/account");
    assert.equal(beta.body.funds.prepaid, false);
    assert.equal(beta.body.funds.available, null, "a buyer without funds is not limited");
    assert.deepEqual(
      beta.body.campaigns.map((c: { id: string }) => c.id),
      ["beta-main"],
    );
  });

  test("a buyer pauses and resumes only its own campaigns; paused, it stops bidding", async () => {
    const alphaCampaign = "alpha";
    const trial = await as(cookies.alpha, "POST", "/v1/buyer/campaigns/alpha-trial/pause");
    assert.equal(trial.status, 409, "a test campaign stays a test campaign");
    assert.equal(trial.body.error.code, "GAVEL_TEST_CAMPAIGN");
    assert.equal((await as(cookies.beta, "POST", `/v1/buyer/campaigns/${alphaCampaign}/pause`)).status, 404);
    assert.equal((await as(cookies.alpha, "POST", "/v1/buyer/campaigns/beta-main/pause")).status, 404);
    assert.equal((await as(cookies.alpha, "POST", "/v1/buyer/campaigns/nothing/resume")).status, 404);
    assert.equal(
      (await as(cookies.source, "POST", `/v1/buyer/campaigns/${alphaCampaign}/pause`)).status,
      403,
    );

    const paused = await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/pause`);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.campaign.status, "paused");
    const config = await h.admin("GET", `/v1/admin/campaigns/${alphaCampaign}`);
    assert.equal(config.body.status, "paused", "saved through the configuration service");
    // alpha (40) no longer bids: beta (30) buys the next lead.
    const next = await sendDirect(h, {});
    assert.equal(next.body.status, "sold", JSON.stringify(next.body));
    const alphaLeads = await as(cookies.alpha, "GET", "/v1/buyer/leads");
    assert.ok(!alphaLeads.body.leads.some((lead: { id: string }) => lead.id === next.body.lead_id));

    const resumed = await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/resume`);
    assert.equal(resumed.body.campaign.status, "active");
    const again = await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/resume`);
    assert.equal(again.status, 200, "resuming an active campaign is a no-op");
  });

  test("a campaign the operator paused stays paused: the buyer cannot resume it", async () => {
    const alphaCampaign = "alpha";
    const current = (await h.admin("GET", `/v1/admin/campaigns/${alphaCampaign}`)).body;
    const held = await h.admin("PUT", `/v1/admin/campaigns/${alphaCampaign}`, {
      ...current,
      status: "paused",
    });
    assert.equal(held.status, 200, JSON.stringify(held.body));
    const refused = await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/resume`);
    assert.deepEqual([refused.status, refused.body.error.code], [409, "GAVEL_PAUSED_BY_OPERATOR"]);
    assert.equal((await h.admin("GET", `/v1/admin/campaigns/${alphaCampaign}`)).body.status, "paused");
    // The operator lifts it; then the buyer's own pause is the buyer's to lift again.
    await h.admin("PUT", `/v1/admin/campaigns/${alphaCampaign}`, { ...current, status: "active" });
    assert.equal((await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/pause`)).status, 200);
    const resumed = await as(cookies.alpha, "POST", `/v1/buyer/campaigns/${alphaCampaign}/resume`);
    assert.equal(resumed.body.campaign.status, "active");
  });

  test("a source user rotates its key: the new one works, the old one is refused at once", async () => {
    assert.equal((await sendDirect(h, { key: SOURCE_KEY })).status, 200);
    const rotated = await as(cookies.source, "POST", "/v1/source/rotate-key");
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.match(rotated.body.api_key, /^gvl_/);
    assert.equal(rotated.body.source.api_key_sha256, undefined, "not even the hash is answered");
    assert.equal((await sendDirect(h, { key: SOURCE_KEY })).status, 401);
    assert.equal((await sendDirect(h, { key: rotated.body.api_key })).status, 200);
    assert.equal((await as(cookies.alpha, "POST", "/v1/source/rotate-key")).status, 403);
    assert.equal((await as(undefined, "POST", "/v1/source/rotate-key")).status, 401);
  });

  test("a source user's integration data: its verticals, their fields, which are PII", async () => {
    const guide = await as(cookies.source, "GET", "/v1/source/integration");
    assert.equal(guide.status, 200, JSON.stringify(guide.body));
    assert.equal(guide.body.source.id, "src-main");
    assert.ok(guide.body.verticals.length >= 1);
    const fields = guide.body.verticals[0].fields as { name: string; pii: boolean }[];
    assert.ok(fields.some((field) => field.pii) && fields.some((field) => !field.pii));
    assert.equal((await as(cookies.beta, "GET", "/v1/source/integration")).status, 403);
  });
});
