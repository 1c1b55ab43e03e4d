// The embedded backend's post claim across a stall of the event loop (a long GC pause, a blocking call, a starved CPU):
// the post is still running in this process, so it keeps its claim and falls back to the next buyer as usual, rather
// than stop with 409 GAVEL_POST_IN_PROGRESS and leave the lead to the seller's retry. Embedded only: with Redis the
// lease runs on Redis's clock, and another instance taking a stalled instance's post over is the designed behaviour.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { receivers, requestsFor, sendPing, sendPost } from "../helpers/engine-steps.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

/** The shortest lease the settings allow: renewed every 333 ms while the post runs. */
const LEASE_MS = 1_000;
/** Longer than the lease, so a lease measured on the wall clock alone lapses during it. */
const STALL_MS = 1_600;
/** The first buyer takes this long to refuse the post: the stall falls inside its wait. */
const FIRST_POST_LATENCY_MS = 800;

const FIRST = bidder("first", 30, { postAcceptRate: 0, postLatencyMs: FIRST_POST_LATENCY_MS });
const SECOND = bidder("second", 25);

let h: Harness;

before(async () => {
  if (BACKEND !== "embedded") return;
  h = await startHarness([FIRST, SECOND], (farm) => ({
    settings: { post_claim_lease_ms: LEASE_MS },
    // A fixed payout both bids cover, so the post falls back from the refusing buyer to the next.
    sources: [testSource({ payout: { model: "fixed", amount: 10 } })],
    buyers: [FIRST, SECOND].map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
    // Post timeouts well past the stall: the point is the lease, not a buyer's timeout.
    campaigns: [FIRST, SECOND].map((b) =>
      realtimeCampaign(farm, b.name, { post: { url: farm.buyers[b.name]!.post, timeout_ms: 10_000 } }),
    ),
  }));
});
after(() => h?.close());

function stallEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
}

test("a post whose process stalls longer than its lease keeps its claim, falls back, and sells once", {
  skip: BACKEND !== "embedded" && "the Redis lease runs on Redis's clock (test/faults/post-lease.test.ts)",
}, async () => {
  const ping = await sendPing(h);
  assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
  const pingId: string = ping.body.ping_id;
  const posting = sendPost(h, pingId);
  // The first buyer has the post (the claim is held and renewing); stall the whole process while it answers.
  await eventually(
    async () => (receivers(await requestsFor(h, pingId), "post").includes("first") ? true : undefined),
    "the first buyer receiving the post",
  );
  stallEventLoop(STALL_MS);
  const answer = await posting;
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.status, "sold");
  assert.deepEqual(receivers(await requestsFor(h, pingId), "post"), ["first", "second"]);
  const retry = await sendPost(h, pingId);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.lead_id, answer.body.lead_id, "a retry gets the first answer");
});
