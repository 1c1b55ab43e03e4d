// Cap holds in real auctions, on both backends (docs/configuration.md#caps-and-throttles): a won ping holds its cap
// unit only until its bid expires; holds overbook by settings.cap_hold_overbook; the trace says `held` while unposted
// pings hold the room and `capped` once the cap is sold out.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { lineOf, pingWithTrace, sendPing, sendPost } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

// The capped buyer bids 1 s holds: its unposted pings give their unit back a second after they won.
const CAPPED = bidder("capped", 40, { expiresInS: 1 });
const BACKSTOP = bidder("backstop", 10);

let h: Harness;

before(async () => {
  h = await startHarness([CAPPED, BACKSTOP], (farm) => ({
    sources: [testSource({ payout: { model: "fixed", amount: 5 } })],
    buyers: ["capped", "backstop"].map((id) => ({ id, name: id, status: "active" as const })),
    campaigns: [
      realtimeCampaign(farm, "capped", { caps: { leads: { day: 2 } } }),
      realtimeCampaign(farm, "backstop"),
    ],
  }));
});
after(() => h?.close());

beforeEach(async () => {
  for (const behavior of [CAPPED, BACKSTOP]) await h.farm.setBehavior(behavior);
});

async function pingOutcome(): Promise<{ pingId: string; outcome: string; detail?: string | undefined }> {
  const ping = await sendPing(h);
  assert.equal(ping.body.status, "bid");
  const { trace } = await pingWithTrace(h, ping.body.ping_id);
  const line = lineOf(trace, "ping", "capped");
  return { pingId: ping.body.ping_id, outcome: line.outcome, detail: line.detail };
}

describe(`[${BACKEND}] cap holds`, () => {
  test("holds overbook the cap 2× (the default), then the trace says held; a hold ends with its bid", async () => {
    // A daily cap of 2: four won pings may hold it, the fifth finds it held (not sold out).
    for (let i = 0; i < 4; i++) assert.equal((await pingOutcome()).outcome, "won", `ping ${i}`);
    const fifth = await pingOutcome();
    assert.equal(fifth.outcome, "held");
    assert.match(fifth.detail ?? "", /campaign:.*:day:/);
    // None posted: the holds end with their 1 s bids (polled, generously bounded) and the buyer wins again.
    let again = fifth.outcome;
    for (let tries = 0; again !== "won" && tries < 40; tries++) {
      await sleep(250);
      again = (await pingOutcome()).outcome;
    }
    assert.equal(again, "won", "the buyer won again once the unposted pings' holds expired");
  });

  test("sold out, the trace says capped; a held ping's post that finds the cap sold out falls back", async () => {
    await sleep(1_500); // the previous test's holds have expired
    const settings = await h.admin("PUT", "/v1/admin/settings", { cap_hold_overbook: 2 });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    // Bids that last while this test posts: the holds stand until their posts.
    await h.farm.setBehavior({ ...CAPPED, expiresInS: 60 });
    const pings: string[] = [];
    for (let i = 0; i < 4; i++) {
      const won = await pingOutcome();
      assert.equal(won.outcome, "won");
      pings.push(won.pingId);
    }
    // The first two posts sell the cap.
    for (const pingId of pings.slice(0, 2)) {
      const post = await sendPost(h, pingId);
      assert.equal(post.body.status, "sold");
    }
    // The third won ping's post finds the cap sold out: the backstop buys it.
    const third = await sendPost(h, pings[2]!);
    assert.equal(third.body.status, "sold");
    const { trace } = await pingWithTrace(h, pings[2]!);
    assert.equal(lineOf(trace, "post", "capped").outcome, "capped");
    assert.equal(lineOf(trace, "post", "backstop").outcome, "post_accepted");
    // A new ping finds it sold out, not merely held.
    assert.equal((await pingOutcome()).outcome, "capped");
  });
});
