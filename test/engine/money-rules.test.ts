// Money rules end to end, on both backends: a margin-table source is quoted its band's price, a bid above the source's
// ceiling is dropped as a typo (above_ceiling), and a buyer's bid adjustment moves it in the ranking while it still
// pays its own bid. Bad money configuration is refused when saved.
// Backend-independent: quotes, the ceiling and bid adjustments are computed in the engine from config; validation of
// bad money config happens before it is saved; the sale written round-trips in test/store.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { leadWithTrace, pingWithTrace, sendDirect, sendPing, sendPost } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const SOLO = "pi_solo";
const marginTable = {
  model: "margin_table" as const,
  bands: [{ up_to: 20, margin: 3 }, { up_to: 50, margin_percent: 20 }, { margin_percent: 25 }],
};

describe(`[${BACKEND}] money rules`, () => {
  let h: Harness;

  before(async () => {
    // On personal_injury: typo bids $900 (over the source's $100 ceiling), risky bids $50 but ranks as $25 (-50%),
    // steady bids $30. On pi_solo: risky's $50 (ranked as $25) against cheap's $20.
    h = await startHarness(
      [bidder("typo", 900), bidder("risky", 50), bidder("steady", 30), bidder("cheap", 20)],
      (farm) => ({
        verticals: [{ ...personalInjury, id: SOLO, name: "Personal injury, two buyers" }],
        sources: [testSource({ payout: marginTable, ceiling: 100 })],
        buyers: [
          { id: "typo", name: "typo", status: "active" },
          { id: "risky", name: "risky", status: "active", bid_adjustment_percent: -50 },
          { id: "steady", name: "steady", status: "active" },
          { id: "cheap", name: "cheap", status: "active" },
        ],
        campaigns: [
          realtimeCampaign(farm, "typo"),
          realtimeCampaign(farm, "risky"),
          realtimeCampaign(farm, "steady"),
          realtimeCampaign(farm, "risky", { id: "risky-solo", vertical: SOLO }),
          realtimeCampaign(farm, "cheap", { id: "cheap-solo", vertical: SOLO }),
        ],
      }),
    );
  });
  after(() => h?.close());

  test("the ceiling drops a typo bid; the adjusted buyer loses to a lower raw bid; the band prices the quote", async () => {
    const ping = await sendPing(h);
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.status, "bid");
    assert.equal(ping.body.price, 24, "steady's $30 is in the $20–50 band: 20% kept");

    const { trace } = await pingWithTrace(h, ping.body.ping_id);
    const line = (campaign: string) => trace.find((l) => l.phase === "ping" && l.campaign_id === campaign);
    assert.equal(line("typo")?.outcome, "above_ceiling");
    assert.equal(line("typo")?.code, 304);
    assert.equal(line("typo")?.detail, "ceiling 100");
    assert.equal(line("risky")?.outcome, "lost", "$50 at -50% ranks as $25, under steady's $30");
    assert.equal(line("risky")?.bid, 50, "the trace keeps the raw bid");
    assert.equal(line("risky")?.detail, "bid adjustment -50%: ranked at 25");
    assert.equal(line("steady")?.outcome, "won");

    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.body.status, "sold", JSON.stringify(post.body));
    assert.equal(post.body.price, 24);
    const { lead } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lead.buyer_id, "steady");
    assert.equal(lead.buyer_price, 30);
  });

  test("an adjusted buyer that wins pays its raw bid, and the source is priced from it", async () => {
    const direct = await sendDirect(h, { extra: { vertical: SOLO } });
    assert.equal(direct.status, 200, JSON.stringify(direct.body));
    assert.equal(direct.body.status, "sold");
    assert.equal(direct.body.price, 40, "20% kept of the raw $50, not of the $25 it ranked at");
    const { lead, trace } = await leadWithTrace(h, direct.body.lead_id);
    assert.equal(lead.buyer_id, "risky", "ranked at $25, above cheap's $20");
    assert.equal(lead.buyer_price, 50, "the buyer pays its own bid");
    assert.equal(lead.price, 40);
    const cheap = trace.find((l) => l.phase === "ping" && l.campaign_id === "cheap-solo");
    assert.equal(cheap?.outcome, "lost");
  });

  test("bad money configuration is refused when saved", async () => {
    const source = (overrides: Record<string, unknown>) => ({
      ...testSource({ id: "src-bad", api_key_sha256: sha256Hex(`${SOURCE_KEY}-bad`) }),
      ...overrides,
    });
    const cases: [unknown, string][] = [
      [
        source({
          payout: {
            model: "margin_table",
            bands: [{ up_to: 50, margin: 1 }, { up_to: 20, margin: 1 }, { margin: 1 }],
          },
        }),
        "payout.bands[1].up_to",
      ],
      [
        source({ payout: { model: "margin_table", bands: [{ up_to: 20, margin: 1 }] } }),
        "payout.bands[0].up_to",
      ],
      [
        source({ payout: { model: "margin_table", bands: [{ margin: 1, margin_percent: 5 }] } }),
        "payout.bands[0]",
      ],
      [source({ floor: 20, ceiling: 10 }), "ceiling"],
    ];
    for (const [body, field] of cases) {
      const reply = await h.admin("PUT", "/v1/admin/sources/src-bad", body);
      assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION");
      assert.equal(reply.body.error.field, field, JSON.stringify(reply.body));
    }
    assert.equal((await h.admin("GET", "/v1/admin/sources/src-bad")).status, 404, "nothing was saved");
  });

  test("a vertical's ceiling drops a bid the same way, and may not be below its floor", async () => {
    const solo = { ...personalInjury, id: SOLO, name: "Personal injury, two buyers" };
    const refused = await h.admin("PUT", `/v1/admin/verticals/${SOLO}`, { ...solo, floor: 50, ceiling: 40 });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.field, "ceiling");
    const saved = await h.admin("PUT", `/v1/admin/verticals/${SOLO}`, { ...solo, ceiling: 40 });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));

    const direct = await sendDirect(h, { extra: { vertical: SOLO } });
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    assert.equal(direct.body.price, 17, "cheap's $20 wins, in the first band ($3 kept)");
    const { lead, trace } = await leadWithTrace(h, direct.body.lead_id);
    assert.equal(lead.buyer_id, "cheap");
    const risky = trace.find((l) => l.phase === "ping" && l.campaign_id === "risky-solo");
    assert.equal(risky?.outcome, "above_ceiling", "the raw $50 is checked, not the $25 it would rank at");
    assert.equal(risky?.detail, "ceiling 40");
  });
});
