// The fallback margin rule (docs/configuration.md#fallback-margin), end to end over real HTTP with the buyer farm.
// Under a revenue share of 80%, the winner bids $50 (the source is quoted $40) and rejects the post:
// - `strict`: the next bid of $45 would pay the source 80% = $36 < $40, so it does not cover the quote: unsold;
// - `honour_quote`: $45 still covers the $40 quoted, so it buys the lead, the source is paid $40 and the exchange
//   keeps $5; a next bid of $35 covers nothing under either rule.
// Backend-independent: the margin rule and the money it splits are computed in the engine from bids and config; the
// lead and ledger it writes round-trip on both backends in test/store (store-contract, ledger-contract).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import {
  leadWithTrace,
  lineOf,
  postAttempts,
  receivers,
  requestsFor,
  sendPing,
  sendPost,
} from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  OTHER_SOURCE_KEY,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const WINNER = bidder("winner", 50, { postAcceptRate: 0 });
const NEXT = bidder("next", 45);
const HONOUR = { key: OTHER_SOURCE_KEY };
const VERTICAL = "personal_injury";

let h: Harness;

before(async () => {
  h = await startHarness([WINNER, NEXT], (farm) => ({
    sources: [
      // The main source states no rule of its own: the vertical's, else strict.
      testSource({ payout: { model: "revenue_share", percent: 80 } }),
      testSource({
        id: "src-honour",
        payout: { model: "revenue_share", percent: 80 },
        fallback_margin: "honour_quote",
        api_key_sha256: sha256Hex(OTHER_SOURCE_KEY),
      }),
    ],
    buyers: ["winner", "next"].map((id) => ({ id, name: id, status: "active" as const })),
    campaigns: [realtimeCampaign(farm, "winner"), realtimeCampaign(farm, "next")],
  }));
});
after(() => h?.close());

beforeEach(async () => {
  for (const behavior of [WINNER, NEXT]) await h.farm.setBehavior(behavior);
  await setVerticalRule(undefined);
});

async function setVerticalRule(rule: "strict" | "honour_quote" | undefined): Promise<void> {
  const current = await h.admin("GET", `/v1/admin/verticals/${VERTICAL}`);
  assert.equal(current.status, 200);
  const { fallback_margin: _old, ...vertical } = current.body;
  const put = await h.admin("PUT", `/v1/admin/verticals/${VERTICAL}`, {
    ...vertical,
    ...(rule ? { fallback_margin: rule } : {}),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

async function pingAndPost(key?: string) {
  const options = key === undefined ? {} : { key };
  const ping = await sendPing(h, options);
  assert.equal(ping.body.status, "bid");
  assert.equal(ping.body.price, 40, "80% of the winning $50");
  const post = await sendPost(h, ping.body.ping_id, options);
  assert.equal(post.status, 200);
  const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
  const requests = await requestsFor(h, ping.body.ping_id);
  return { post: post.body, lead, trace, requests };
}

async function ledger() {
  const reply = await h.admin("GET", "/v1/admin/ledger");
  assert.equal(reply.status, 200);
  return reply.body as {
    revenue: number;
    payouts: number;
    margin: number;
    balanced: boolean;
    sources: { source_id: string; paid: number }[];
  };
}

describe(`[${BACKEND}] fallback margin`, () => {
  test("strict (the default): a next bid of $45 pays the source $36 < $40 quoted, so the lead goes unsold", async () => {
    const { post, trace, requests } = await pingAndPost();
    assert.equal(post.status, "unsold");
    assert.equal(post.reason, "not_covering");
    assert.deepEqual(postAttempts(trace), [
      ["winner", "post_rejected"],
      ["next", "not_covering"],
    ]);
    assert.deepEqual(receivers(requests, "post"), ["winner"], "the next buyer never received the lead");
  });

  test("honour_quote: the $45 bid buys the lead, the source is paid the $40 quoted, the exchange keeps $5", async () => {
    const before = await ledger();
    const { post, lead, trace, requests } = await pingAndPost(HONOUR.key);
    assert.equal(post.status, "sold");
    assert.equal(post.price, 40, "the source gets what it was quoted");
    assert.equal(lead.buyer_id, "next");
    assert.equal(lead.buyer_price, 45, "the next buyer pays its own bid");
    assert.equal(lead.price, 40);
    assert.deepEqual(postAttempts(trace), [
      ["winner", "post_rejected"],
      ["next", "post_accepted"],
    ]);
    assert.match(lineOf(trace, "post", "next").detail ?? "", /quote honoured: margin 5\.00/);
    assert.deepEqual(receivers(requests, "post"), ["next", "winner"], "both buyers received the lead");

    const after = await ledger();
    assert.equal(after.balanced, true);
    assert.equal(Math.round((after.revenue - before.revenue) * 100), 4500);
    assert.equal(Math.round((after.payouts - before.payouts) * 100), 4000);
    assert.equal(Math.round((after.margin - before.margin) * 100), 500, "the margin shrank from $10 to $5");
    const paid = (l: Awaited<ReturnType<typeof ledger>>) =>
      l.sources.find((s) => s.source_id === "src-honour")?.paid ?? 0;
    assert.equal(Math.round((paid(after) - paid(before)) * 100), 4000);
  });

  test("a next bid of $35 does not cover the $40 quoted: unsold under strict and under honour_quote", async () => {
    await h.farm.setBehavior({ ...NEXT, price: [35, 35] });
    for (const key of [undefined, HONOUR.key]) {
      const { post, trace, requests } = await pingAndPost(key);
      assert.equal(post.status, "unsold", `source ${key ?? "main"}`);
      assert.equal(post.reason, "not_covering");
      assert.deepEqual(postAttempts(trace), [
        ["winner", "post_rejected"],
        ["next", "not_covering"],
      ]);
      assert.deepEqual(receivers(requests, "post"), ["winner"]);
    }
  });

  test("a vertical's honour_quote applies to its sources without a rule of their own", async () => {
    await setVerticalRule("honour_quote");
    const { post, lead } = await pingAndPost();
    assert.equal(post.status, "sold");
    assert.equal(post.price, 40);
    assert.equal(lead.buyer_price, 45);
  });

  test("a source's own strict wins over its vertical's honour_quote", async () => {
    await setVerticalRule("honour_quote");
    const main = await h.admin("GET", "/v1/admin/sources/src-main");
    await h.admin("PUT", "/v1/admin/sources/src-main", { ...main.body, fallback_margin: "strict" });
    try {
      const { post } = await pingAndPost();
      assert.equal(post.status, "unsold");
      assert.equal(post.reason, "not_covering");
    } finally {
      const { fallback_margin: _rule, ...plain } = (await h.admin("GET", "/v1/admin/sources/src-main")).body;
      await h.admin("PUT", "/v1/admin/sources/src-main", plain);
    }
  });
});
