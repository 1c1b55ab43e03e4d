// Returns end to end, on both backends: a buyer's return with a reason code, within its campaign's window; the
// operator's approval (refund, payout reversal, margin moved: the books still balance, and the source hears
// `lead.returned`) or rejection; auto-approval per buyer; a shared lead's buyer returning its share only; a prepaid
// buyer's refund spendable again; return rates; and the clear errors around them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Vertical } from "../../src/domain/vertical.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import { ManualClock, sendDirect } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { walkPages } from "../helpers/paging.ts";
import { PostbackReceiver } from "../helpers/postback-receiver.ts";

const shared: Vertical = {
  ...personalInjury,
  id: "pi_shared",
  routing: { mode: "highest_bid", max_buyers: 2 },
};
const DAY_MS = 86_400_000;

async function pollFor<T>(read: () => T | undefined, limitMs = 5_000): Promise<T | undefined> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe(`[${BACKEND}] returns`, () => {
  let h: Harness;
  const postbacks = new PostbackReceiver();
  const clock = new ManualClock();

  before(async () => {
    await postbacks.start();
    h = await startHarness(
      [
        bidder("fair", 40),
        bidder("trusted", 30),
        bidder("prepaid", 25),
        bidder("norefund", 20),
        bidder("backup", 35),
      ],
      (farm) => ({
        verticals: [
          shared,
          { ...personalInjury, id: "pi_prepaid" },
          { ...personalInjury, id: "pi_norefund" },
        ],
        sources: [testSource({ postback: { url: postbacks.url } })],
        buyers: [
          { id: "fair", name: "fair", status: "active" },
          { id: "trusted", name: "trusted", status: "active", auto_approve_returns: true },
          { id: "prepaid", name: "prepaid", status: "active", funds: { credit_limit: 0 } },
          { id: "norefund", name: "norefund", status: "active" },
          { id: "backup", name: "backup", status: "active" },
        ],
        campaigns: [
          realtimeCampaign(farm, "fair", { return_window_days: 7 }),
          realtimeCampaign(farm, "backup"),
          realtimeCampaign(farm, "trusted", {
            id: "trusted-shared",
            vertical: "pi_shared",
            return_window_days: 7,
          }),
          realtimeCampaign(farm, "fair", { id: "fair-shared", vertical: "pi_shared", return_window_days: 7 }),
          realtimeCampaign(farm, "prepaid", {
            id: "prepaid-solo",
            vertical: "pi_prepaid",
            return_window_days: 3,
          }),
          realtimeCampaign(farm, "norefund", { id: "norefund-solo", vertical: "pi_norefund" }),
        ],
      }),
      { now: clock.now },
    );
  });
  after(async () => {
    await h?.close();
    await postbacks.stop();
  });

  const sell = async (vertical = "personal_injury") => {
    const direct = await sendDirect(h, { extra: { vertical } });
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    return direct.body.lead_id as string;
  };
  const ledgerOf = async (leadId: string) =>
    (
      (await h.admin("GET", `/v1/admin/leads/${leadId}`)).body.ledger as { kind: string; amount: number }[]
    ).map((line) => [line.kind, line.amount]);

  test("approved: the buyer is refunded, the source gives back its payout, the books balance, the source hears it", async () => {
    const leadId = await sell();
    const requested = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, {
      reason: "invalid_contact",
      note: "number disconnected",
    });
    assert.equal(requested.status, 201, JSON.stringify(requested.body));
    assert.equal(requested.body.return.status, "pending");
    assert.equal(requested.body.return.buyer_id, "fair");
    assert.deepEqual([requested.body.return.refund, requested.body.return.reversal], [40, 32]);
    const pending = await h.admin("GET", "/v1/admin/returns?status=pending");
    assert.ok(pending.body.returns.some((r: { id: string }) => r.id === requested.body.return.id));
    const again = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "invalid_contact" });
    assert.equal(again.status, 200, "a repeated request answers the first");
    assert.equal(again.body.return.id, requested.body.return.id);

    const id = requested.body.return.id;
    // Pending: still sold, not returned, in the list and on the lead.
    assert.equal((await h.admin("GET", `/v1/admin/leads/${leadId}`)).body.lead.returned, undefined);
    const approved = await h.admin("POST", `/v1/admin/returns/${id}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    // Approved: the lead stays sold in the store, and the admin API says it was returned, in the list and on the lead.
    const detail = (await h.admin("GET", `/v1/admin/leads/${leadId}`)).body.lead;
    assert.deepEqual([detail.status, detail.returned], ["sold", true]);
    const listed = (await h.admin("GET", "/v1/admin/leads?limit=100")).body.leads as {
      id: string;
      returned?: boolean;
    }[];
    assert.equal(listed.find((lead) => lead.id === leadId)?.returned, true);
    assert.ok(
      listed.filter((lead) => lead.id !== leadId).every((lead) => lead.returned === undefined),
      "no other lead reads returned",
    );
    assert.equal(approved.body.return.status, "approved");
    assert.equal(approved.body.return.decided_by, "operator");
    assert.deepEqual(await ledgerOf(leadId), [
      ["buyer_charge", 40],
      ["source_payout", 32],
      ["margin", 8],
      ["buyer_refund", -40],
      ["payout_reversal", -32],
      ["margin_reversal", -8],
    ]);
    assert.deepEqual((await h.admin("GET", "/v1/admin/ledger/check")).body, {
      balanced: true,
      imbalances: [],
    });
    const returned = await pollFor(() => postbacks.received.find((p) => p.event === "lead.returned"));
    assert.deepEqual(
      { lead_id: returned?.lead_id, reason: returned?.reason, price: returned?.price },
      { lead_id: leadId, reason: "invalid_contact", price: -32 },
    );
    assert.equal(JSON.stringify(returned).includes("fair"), false, "the source is not told who returned it");

    assert.equal(
      (await h.admin("POST", `/v1/admin/returns/${id}/approve`)).status,
      200,
      "approving again is harmless",
    );
    const reject = await h.admin("POST", `/v1/admin/returns/${id}/reject`);
    assert.equal(reject.status, 409);
    assert.equal(reject.body.error.code, "GAVEL_RETURN_DECIDED");
  });

  test("rejected: the sale stands and no money moves", async () => {
    const leadId = await sell();
    const requested = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "not_qualified" });
    const rejected = await h.admin("POST", `/v1/admin/returns/${requested.body.return.id}/reject`);
    assert.equal(rejected.body.return.status, "rejected");
    assert.deepEqual(await ledgerOf(leadId), [
      ["buyer_charge", 40],
      ["source_payout", 32],
      ["margin", 8],
    ]);
  });

  test("a shared lead: the returning buyer must be named, and gets back its own share only; auto-approved", async () => {
    const leadId = await sell("pi_shared");
    const unnamed = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "duplicate" });
    assert.equal(unnamed.status, 400, JSON.stringify(unnamed.body));
    assert.equal(unnamed.body.error.field, "buyer_id");
    const stranger = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, {
      reason: "duplicate",
      buyer_id: "prepaid",
    });
    assert.equal(stranger.status, 400);

    const requested = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, {
      reason: "duplicate",
      buyer_id: "trusted",
    });
    assert.equal(requested.status, 201, JSON.stringify(requested.body));
    assert.equal(requested.body.return.status, "approved", "trusted's returns are approved at once");
    assert.equal(requested.body.return.decided_by, "auto");
    // Sold for $40 + $30; the source got 80% of each ($56): trusted's share of it is 30/70 of $56 = $24.
    assert.deepEqual([requested.body.return.refund, requested.body.return.reversal], [30, 24]);
    assert.deepEqual((await h.admin("GET", "/v1/admin/ledger/check")).body.balanced, true);
  });

  test("a prepaid buyer's refund is spendable again", async () => {
    await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 50 });
    const leadId = await sell("pi_prepaid");
    const before = (await h.admin("GET", "/v1/admin/buyers/prepaid/funds")).body;
    const requested = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "fraud" });
    await h.admin("POST", `/v1/admin/returns/${requested.body.return.id}/approve`);
    const afterReturn = (await h.admin("GET", "/v1/admin/buyers/prepaid/funds")).body;
    assert.equal(afterReturn.balance - before.balance, 25, JSON.stringify({ before, afterReturn }));
  });

  test("approved with resell: the lead is sold again to another buyer, never the one who returned it, once", async () => {
    const leadId = await sell();
    const requested = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "not_qualified" });
    const id = requested.body.return.id;
    const approved = await h.admin("POST", `/v1/admin/returns/${id}/approve`, { resell: true });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.return.status, "approved");
    const { resale } = approved.body;
    assert.equal(resale.status, "sold", JSON.stringify(resale));
    assert.notEqual(resale.lead_id, leadId);
    assert.equal(approved.body.return.resale_lead_id, resale.lead_id);
    const { lead, trace } = (await h.admin("GET", `/v1/admin/leads/${resale.lead_id}`)).body;
    assert.equal(lead.buyer_id, "backup", "the next buyer, at its own price");
    assert.equal(lead.buyer_price, 35);
    const fair = trace.find((line: { campaign_id: string; phase: string }) => line.campaign_id === "fair");
    assert.deepEqual([fair.outcome, fair.detail], ["duplicate", "returned this lead"]);
    assert.equal(resale.price, 28, "the source is paid for the resale under its model");

    const again = await h.admin("POST", `/v1/admin/returns/${id}/approve`, { resell: true });
    assert.equal(again.body.resale.lead_id, resale.lead_id, "a return is resold once");
    assert.deepEqual((await h.admin("GET", "/v1/admin/ledger/check")).body.balanced, true);
  });

  test("the return window closes; a campaign without one takes no returns; bad input is a 400", async () => {
    const noWindow = await sell("pi_norefund");
    const refused = await h.admin("POST", `/v1/admin/leads/${noWindow}/returns`, { reason: "other" });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "GAVEL_RETURNS_NOT_ACCEPTED");

    const leadId = await sell();
    clock.advance(8 * DAY_MS);
    const late = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "other" });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.equal(late.body.error.code, "GAVEL_RETURN_WINDOW_CLOSED");
    assert.match(late.body.error.message, /window/);

    const badReason = await h.admin("POST", `/v1/admin/leads/${leadId}/returns`, { reason: "changed_mind" });
    assert.equal(badReason.status, 400);
    assert.match(badReason.body.error.field, /reason/);
    assert.equal((await h.admin("POST", "/v1/admin/leads/nope/returns", { reason: "other" })).status, 404);
    assert.equal((await h.admin("POST", "/v1/admin/returns/nope/approve")).status, 404);
  });

  test("the returns list pages newest first through next_before, every return once", async () => {
    const { body: all } = await h.admin("GET", "/v1/admin/returns?limit=500");
    assert.ok(all.returns, JSON.stringify(all));
    assert.ok(all.returns.length >= 3, `several returns by now: ${all.returns.length}`);
    // A last full page answers next_before too; the page after it is empty.
    const walked = await walkPages(h, "/v1/admin/returns", "returns", 1);
    assert.deepEqual(
      walked,
      all.returns.map((r: { id: string }) => r.id),
    );
  });

  test("return rate: approved returns over leads bought, flagged above the buyer's threshold", async () => {
    const rate = await h.admin("GET", "/v1/admin/buyers/fair/return-rate");
    assert.equal(rate.status, 200, JSON.stringify(rate.body));
    assert.equal(rate.body.approved, 2, "the plain approval and the one resold");
    assert.ok(rate.body.bought >= 4, JSON.stringify(rate.body));
    assert.equal(rate.body.rate, 2 / rate.body.bought);
    assert.equal(rate.body.over_alert, rate.body.rate * 100 > 10);
  });
});
