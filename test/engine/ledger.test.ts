// The money ledger end to end, on both backends: after a long mixed run (pings and posts, direct posts, shared and
// exclusive leads, fallbacks after rejected posts, test leads, unsold leads), every lead's entries balance
// (Σ buyer − Σ source = Σ margin), each sold lead's entries match what it says it cost and paid, and the period
// totals add up to the cent, before and after a round of approved and rejected returns.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Vertical } from "../../src/domain/vertical.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { sendDirect, sendPing, sendPost } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const shared: Vertical = {
  ...personalInjury,
  id: "pi_shared",
  routing: { mode: "highest_bid", max_buyers: 3 },
};
const buyers = ["steady", "choosy", "picky", "cheap"];

interface LedgerLine {
  kind: string;
  party_id: string;
  amount: number;
}

describe(`[${BACKEND}] money ledger`, () => {
  let h: Harness;
  const started = new Date(Date.now() - 1_000).toISOString();

  before(async () => {
    h = await startHarness(
      [
        bidder("steady", 30, { price: [20, 45] }),
        bidder("choosy", 40, { price: [25, 60], postAcceptRate: 0.6 }),
        bidder("picky", 35, { price: [10, 50], bidRate: 0.7, postAcceptRate: 0.8 }),
        bidder("cheap", 12, { price: [5, 15] }),
      ],
      (farm) => ({
        verticals: [shared],
        sources: [testSource()],
        buyers: buyers.map((id) => ({ id, name: id, status: "active" as const })),
        campaigns: buyers.flatMap((id) => [
          realtimeCampaign(farm, id, { return_window_days: 30 }),
          realtimeCampaign(farm, id, { id: `${id}-shared`, vertical: "pi_shared", return_window_days: 30 }),
        ]),
      }),
    );
  });
  after(() => h?.close());

  test("a long mixed run: every lead balances, and each sold lead's entries are its charges and payout", async () => {
    const leadIds: string[] = [];
    for (let i = 0; i < 60; i++) {
      const vertical = i % 3 === 0 ? "pi_shared" : "personal_injury";
      if (i % 2 === 0) {
        const direct = await sendDirect(h, { extra: { vertical, ...(i % 10 === 4 ? { test: true } : {}) } });
        assert.equal(direct.status, 200, JSON.stringify(direct.body));
        leadIds.push(direct.body.lead_id);
      } else {
        const ping = await sendPing(h, { extra: { vertical } });
        if (ping.body.status !== "bid") continue;
        const post = await sendPost(h, ping.body.ping_id);
        assert.equal(post.status, 200, JSON.stringify(post.body));
        leadIds.push(post.body.lead_id);
      }
    }

    const check = await h.admin("GET", "/v1/admin/ledger/check");
    assert.deepEqual(check.body, { balanced: true, imbalances: [] });

    let revenueCents = 0;
    let payoutCents = 0;
    let sharedSold = 0;
    let testSold = 0;
    for (const id of leadIds) {
      const { body } = await h.admin("GET", `/v1/admin/leads/${id}`);
      // biome-ignore lint/suspicious/noExplicitAny: the admin API's lead record is read as JSON
      const { lead, ledger } = body as { lead: any; ledger: LedgerLine[] };
      if (lead.status !== "sold" || lead.test) {
        assert.deepEqual(ledger, [], `${lead.status}${lead.test ? " test" : ""} lead ${id} moves no money`);
        if (lead.test && lead.status === "sold") testSold++;
        continue;
      }
      const sales = [{ buyer_id: lead.buyer_id, buyer_price: lead.buyer_price }, ...(lead.shares ?? [])];
      if (sales.length > 1) sharedSold++;
      const charges = ledger.filter((line) => line.kind === "buyer_charge");
      assert.deepEqual(
        charges.map((line) => [line.party_id, line.amount]).sort(),
        sales
          .map((sale: { buyer_id: string; buyer_price: number }) => [sale.buyer_id, sale.buyer_price])
          .sort(),
      );
      const payout = ledger.filter((line) => line.kind === "source_payout");
      assert.deepEqual(
        payout.map((line) => [line.party_id, line.amount]),
        [["src-main", lead.price]],
      );
      const chargedCents = charges.reduce((sum, line) => sum + Math.round(line.amount * 100), 0);
      const margin = ledger.find((line) => line.kind === "margin")!;
      assert.equal(Math.round(margin.amount * 100), chargedCents - Math.round(lead.price * 100));
      revenueCents += chargedCents;
      payoutCents += Math.round(lead.price * 100);
    }
    assert.ok(sharedSold > 0, "the run sold some leads shared");
    assert.ok(testSold > 0, "the run sold some test leads");

    const totals = await h.admin("GET", `/v1/admin/ledger?from=${started}`);
    assert.equal(totals.status, 200, JSON.stringify(totals.body));
    assert.equal(Math.round(totals.body.revenue * 100), revenueCents);
    assert.equal(Math.round(totals.body.payouts * 100), payoutCents);
    assert.equal(Math.round(totals.body.margin * 100), revenueCents - payoutCents);
    assert.equal(totals.body.balanced, true);
    const perBuyer = totals.body.buyers.reduce(
      (sum: number, b: { charged: number }) => sum + b.charged * 100,
      0,
    );
    assert.equal(Math.round(perBuyer), revenueCents);

    // Returns on top: every third sold lead comes back (a shared one from one of its buyers); every other return is
    // approved. The books still balance lead by lead, and the period's net is the sales less what was approved.
    let refundedCents = 0;
    let reversedCents = 0;
    let returned = 0;
    for (const [index, id] of leadIds.entries()) {
      if (index % 3 !== 0) continue;
      const { lead } = (await h.admin("GET", `/v1/admin/leads/${id}`)).body;
      if (lead.status !== "sold" || lead.test) continue;
      const buyer = lead.shares?.length ? { buyer_id: lead.shares[0].buyer_id } : {};
      const request = await h.admin("POST", `/v1/admin/leads/${id}/returns`, {
        reason: "invalid_contact",
        ...buyer,
      });
      assert.equal(request.status, 201, JSON.stringify(request.body));
      const approve = returned++ % 2 === 0;
      const decided = await h.admin(
        "POST",
        `/v1/admin/returns/${request.body.return.id}/${approve ? "approve" : "reject"}`,
      );
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
      if (approve) {
        refundedCents += Math.round(decided.body.return.refund * 100);
        reversedCents += Math.round(decided.body.return.reversal * 100);
      }
    }
    assert.ok(returned >= 4, `returned ${returned} leads`);
    assert.deepEqual((await h.admin("GET", "/v1/admin/ledger/check")).body, {
      balanced: true,
      imbalances: [],
    });
    const net = (await h.admin("GET", `/v1/admin/ledger?from=${started}`)).body;
    assert.equal(Math.round(net.revenue * 100), revenueCents - refundedCents);
    assert.equal(Math.round(net.payouts * 100), payoutCents - reversedCents);
    assert.equal(Math.round(net.margin * 100), revenueCents - refundedCents - (payoutCents - reversedCents));
    assert.equal(net.balanced, true);
  });

  test("a bad period is a 400 naming the field", async () => {
    const reply = await h.admin("GET", "/v1/admin/ledger?from=yesterday");
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    assert.equal(reply.body.error.field, "from");
    const backwards = await h.admin(
      "GET",
      "/v1/admin/ledger?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
    );
    assert.equal(backwards.status, 400);
  });
});
