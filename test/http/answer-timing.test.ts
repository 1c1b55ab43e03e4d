// The console's live numbers time every seller answer, native and compatible, refused ones included, and nothing else
// (src/http/answer-timing.ts: a route-level hook on the seller routes, not a root hook reading every route's options).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LiveStats } from "../../src/console/live-stats.ts";
import { bidder, type Harness, personalInjuryLead, startHarness } from "../helpers/exchange-harness.ts";

const timed: number[] = [];
const observe = LiveStats.prototype.observeSellerRequest;
let h: Harness;

before(async () => {
  LiveStats.prototype.observeSellerRequest = (ms: number) => void timed.push(ms);
  h = await startHarness([bidder("top", 30)]);
});
after(async () => {
  LiveStats.prototype.observeSellerRequest = observe;
  await h?.close();
});

/** How many answers `send` made the live numbers time. */
async function answersTimed(send: () => Promise<unknown>): Promise<number> {
  const before = timed.length;
  await send();
  return timed.length - before;
}

test("pings, posts and direct posts are timed, refused and invalid ones too", async () => {
  const lead = personalInjuryLead();
  let pingId = "";
  assert.equal(
    await answersTimed(async () => {
      const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
      assert.equal(ping.status, 200, JSON.stringify(ping.body));
      pingId = ping.body.ping_id;
    }),
    1,
  );
  assert.equal(
    await answersTimed(() => h.call("/v1/post", { ping_id: pingId, lead: lead.full, consent: lead.consent })),
    1,
  );
  assert.equal(
    await answersTimed(() =>
      h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent }),
    ),
    1,
  );
  assert.equal(await answersTimed(() => h.call("/v1/ping", {}, { key: "wrong" })), 1, "a 401");
  assert.equal(await answersTimed(() => h.call("/v1/ping", {}, { rawBody: "{" })), 1, "a 400");
  assert.ok(timed.every((ms) => Number.isFinite(ms) && ms >= 0));
});

test("the compatible endpoints' answers are timed", async () => {
  const answered = await answersTimed(async () => {
    const reply = await h.gavel.inject({
      method: "POST",
      url: "/leadprosper/ping",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ lp_key: "wrong" }),
    });
    assert.equal(reply.statusCode, 200);
  });
  assert.equal(answered, 1);
});

test("the verticals, admin and health routes are not seller answers", async () => {
  const answered = await answersTimed(async () => {
    assert.equal(
      (await h.gavel.inject({ url: "/v1/verticals", headers: { authorization: "Bearer test-source-key" } }))
        .statusCode,
      200,
    );
    assert.equal((await h.admin("GET", "/v1/admin/config")).status, 200);
    await h.gavel.inject({ url: "/healthz" });
    await h.gavel.inject({ url: "/no/such/route" });
  });
  assert.equal(answered, 0);
});
