// The buyer's own duplicate check across exchanges: a consumer bought yesterday from one exchange is refused from
// another (no bid when the ping carries the consumer's hashes, a rejected post otherwise). The clock is injected.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { hashContact } from "../../src/compliance/suppression/suppression-hash.ts";
import { ManualClock } from "../helpers/engine-steps.ts";
import {
  BOBERDOO_KEY,
  BOBERDOO_LEAD_TYPE,
  LEADSPEDIA_CAMPAIGN,
  LEADSPEDIA_KEY,
  startTestBidder,
  type TestBidder,
  testBidderConfig,
  uniqueLead,
} from "./bidder-harness.ts";
import { BoberdooSender, LeadsPediaSender } from "./platform-senders.ts";

const DAY_MS = 86_400_000;
const clock = new ManualClock();
let bidder: TestBidder;
let boberdoo: BoberdooSender;

describe("bidder-duplicates", () => {
  before(async () => {
    bidder = await startTestBidder(testBidderConfig(), { now: clock.now });
    boberdoo = new BoberdooSender(`${bidder.url}/bid/bob/api.php`, BOBERDOO_KEY, BOBERDOO_LEAD_TYPE);
  });
  after(() => bidder?.stop());

  /** Buys the consumer through the boberdoo exchange. */
  async function buyFromBoberdoo(contact: { phone: string; email: string }) {
    const ping = await boberdoo.ping("pub-1");
    assert.equal(ping.body.response.status, "Matched");
    const post = await boberdoo.post("pub-1", ping.body.response.lead_id, contact);
    assert.equal(post.body.response.status, "Matched", JSON.stringify(post.body));
  }

  test("bought yesterday from boberdoo, the same consumer pinged with hashes from a Gavel exchange gets no bid", async () => {
    const { ping, full } = uniqueLead();
    await buyFromBoberdoo({ phone: full.phone, email: full.email });
    clock.advance(DAY_MS);
    const hashed = await bidder.nativePing({
      vertical: "personal_injury",
      lead: ping,
      // The hash of the email as a seller would normalise it (trimmed, lower case).
      contact_hash: { email_sha256: hashContact("email", `  ${full.email.toUpperCase()} `)!.sha256 },
    });
    assert.deepEqual(hashed.body, { bid: false, reason: "duplicate" });
    // Another consumer with hashes still gets a bid.
    const other = uniqueLead();
    const fresh = await bidder.nativePing({
      vertical: "personal_injury",
      lead: other.ping,
      contact_hash: { email_sha256: hashContact("email", other.full.email)!.sha256 },
    });
    assert.equal(fresh.body.bid, true);
  });

  test("without hashes on the ping, the post from another exchange is refused as a duplicate (phone matched)", async () => {
    const { ping, full } = uniqueLead();
    await buyFromBoberdoo({ phone: full.phone, email: full.email });
    clock.advance(DAY_MS);
    const bid = await bidder.nativePing({ vertical: "personal_injury", lead: ping });
    assert.equal(bid.body.bid, true);
    // A different email, the same phone written differently: still the same consumer.
    const post = await bidder.nativePost({
      bid_id: bid.body.bid_id,
      lead: { ...full, email: "someone.else@example.com", phone: full.phone.replace(/\D/g, "") },
    });
    assert.equal(post.body.accepted, false);
    assert.match(post.body.reason, /^duplicate/);
    // LeadsPedia's buyer-side answer for the same refusal.
    const lp = new LeadsPediaSender(`${bidder.url}/bid/lp`, LEADSPEDIA_CAMPAIGN, LEADSPEDIA_KEY);
    const lpPing = await lp.ping("s1");
    const lpPost = await lp.post("s1", lpPing.body.ping_id, { phone: full.phone, email: full.email });
    assert.equal(lpPost.body.result, "failed");
    assert.equal(lpPost.body.errors[0].error, "Duplicate");
  });

  test("the duplicate refusal releases the bid's budget hold, and a consumer past the window is bought again", async () => {
    const limited = await startTestBidder(testBidderConfig({ budgets: [{ period: "day", leads: 1 }] }), {
      now: clock.now,
    });
    try {
      const { ping, full } = uniqueLead();
      const first = await limited.nativePing({ vertical: "personal_injury", lead: ping });
      assert.equal((await limited.nativePost({ bid_id: first.body.bid_id, lead: full })).body.accepted, true);
      clock.advance(DAY_MS);
      const again = await limited.nativePing({ vertical: "personal_injury", lead: ping });
      const refused = await limited.nativePost({ bid_id: again.body.bid_id, lead: full });
      assert.equal(refused.body.accepted, false);
      // The day's one lead is still free for someone else.
      const other = uniqueLead();
      const next = await limited.nativePing({ vertical: "personal_injury", lead: other.ping });
      assert.equal(next.body.bid, true, JSON.stringify(next.body));
      clock.advance(91 * DAY_MS); // past the default 90-day window
      const later = await limited.nativePing({ vertical: "personal_injury", lead: ping });
      assert.equal((await limited.nativePost({ bid_id: later.body.bid_id, lead: full })).body.accepted, true);
    } finally {
      await limited.stop();
    }
  });

  test("the duplicate list survives a restart (seeded from the bidder's store)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gavel-bidder-restart-"));
    try {
      const { ping, full } = uniqueLead();
      const first = await startTestBidder(testBidderConfig(), { now: clock.now, dataDir });
      try {
        const bid = await first.nativePing({ vertical: "personal_injury", lead: ping });
        assert.equal((await first.nativePost({ bid_id: bid.body.bid_id, lead: full })).body.accepted, true);
      } finally {
        await first.stop();
      }
      const reopened = await startTestBidder(testBidderConfig(), { now: clock.now, dataDir });
      try {
        const answer = await reopened.nativePing({
          vertical: "personal_injury",
          lead: ping,
          contact_hash: { phone_sha256: hashContact("phone", full.phone)!.sha256 },
        });
        assert.deepEqual(answer.body, { bid: false, reason: "duplicate" });
      } finally {
        await reopened.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
