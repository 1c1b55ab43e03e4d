// Notices to buyers end to end, on both backends: the winner hears it won (and what it was charged), a bidder that
// did not buy hears it lost (its own bid and why, never the winning price), an approved return is a refund notice;
// each buyer gets only the events it asked for, and no notice carries personal data.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sendDirect } from "../helpers/engine-steps.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { PostbackReceiver } from "../helpers/postback-receiver.ts";

const PII = ["Jordan", "Rivera", "555-0147", "5550147", "example.com"];

describe(`[${BACKEND}] notices to buyers`, () => {
  let h: Harness;
  const winnerInbox = new PostbackReceiver();
  const runnerInbox = new PostbackReceiver();

  before(async () => {
    await winnerInbox.start();
    await runnerInbox.start();
    h = await startHarness([bidder("winner", 40), bidder("runner", 30), bidder("quiet", 20)], (farm) => ({
      sources: [testSource()],
      buyers: [
        { id: "winner", name: "winner", status: "active", notices: { url: winnerInbox.url } },
        {
          id: "runner",
          name: "runner",
          status: "active",
          notices: { url: runnerInbox.url, events: ["loss"] },
        },
        { id: "quiet", name: "quiet", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "winner", { return_window_days: 7 }),
        realtimeCampaign(farm, "runner"),
        realtimeCampaign(farm, "quiet"),
      ],
    }));
  });
  after(async () => {
    await h?.close();
    await winnerInbox.stop();
    await runnerInbox.stop();
  });

  test("the winner hears it won and its price; the runner-up hears it lost, with its own bid only", async () => {
    const direct = await sendDirect(h);
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    const leadId = direct.body.lead_id;

    const won = await eventually(
      () => winnerInbox.received.find((n) => n.lead_id === leadId),
      "the win notice",
    );
    assert.deepEqual(
      { event: won?.event, campaign_id: won?.campaign_id, price: won?.price },
      { event: "lead.won", campaign_id: "winner", price: 40 },
    );
    const lost = await eventually(
      () => runnerInbox.received.find((n) => n.lead_id === leadId),
      "the loss notice",
    );
    assert.deepEqual(
      { event: lost?.event, campaign_id: lost?.campaign_id, bid: lost?.bid, reason: lost?.reason },
      { event: "lead.lost", campaign_id: "runner", bid: 30, reason: "outbid" },
    );
    assert.equal("price" in (lost ?? {}), false, "a loser is not told the winning price");

    const outbox = await h.admin("GET", "/v1/admin/outbox?limit=50");
    const notices = outbox.body.items.filter((item: { kind: string }) => item.kind === "buyer_notice");
    assert.deepEqual(
      notices.map((item: { owner_id: string }) => item.owner_id).sort(),
      ["runner", "winner"],
      "quiet asked for no notices; runner only for losses",
    );
  });

  test("an approved return is a refund notice to its buyer", async () => {
    const direct = await sendDirect(h);
    const requested = await h.admin("POST", `/v1/admin/leads/${direct.body.lead_id}/returns`, {
      reason: "fraud",
    });
    await h.admin("POST", `/v1/admin/returns/${requested.body.return.id}/approve`);
    const refund = await eventually(
      () =>
        winnerInbox.received.find((n) => n.event === "lead.refunded" && n.lead_id === direct.body.lead_id),
      "the refund notice",
    );
    assert.deepEqual({ amount: refund?.amount, reason: refund?.reason }, { amount: 40, reason: "fraud" });
  });

  test("no notice carries personal data", () => {
    const text = JSON.stringify([...winnerInbox.received, ...runnerInbox.received]);
    for (const pii of PII) assert.ok(!text.includes(pii), `${pii} in a notice`);
    assert.ok(winnerInbox.received.length >= 3);
  });
});
