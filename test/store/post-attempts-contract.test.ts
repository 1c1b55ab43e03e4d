// The post attempts journal on every store (src/store/post-attempts.ts): an attempt begins once per auction and
// campaign (a second poster is shown the first attempt instead), refusals are written before the next attempt begins,
// the sale's transaction ends its attempts, and attempts nobody will answer become uncertain for the operator.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { OutcomeRecord } from "../../src/domain/records.ts";
import type { PostAttempt } from "../../src/store/post-attempts.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0, unsoldLead } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

function attempt(id: string, overrides: Partial<PostAttempt> = {}): PostAttempt {
  return {
    id,
    auction_id: "a-l1",
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    bid_cents: 4_000,
    started_at: T0,
    state: "posting",
    ...overrides,
  };
}

function postOutcome(campaign: string, reason: OutcomeRecord["reason"]): OutcomeRecord {
  return {
    auction_id: "a-l1",
    phase: "post",
    at: T0 + 500,
    campaign_id: campaign,
    buyer_id: campaign,
    reason,
  };
}

for (const implementation of STORES) {
  describe(`post attempts on ${implementation.name}`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(implementation, (opened) => {
      store = opened;
    });

    test("an attempt begins once per auction and campaign, durably; a second poster is shown the first", async () => {
      assert.deepEqual(await store.beginPostAttempt(attempt("t1")), { begun: true });
      const again = await store.beginPostAttempt(attempt("t2", { started_at: T0 + 9 }));
      assert.equal(again.begun, false);
      assert.equal(!again.begun && again.earlier.id, "t1");
      assert.deepEqual(await store.beginPostAttempt(attempt("t3", { campaign_id: "camp-b" })), {
        begun: true,
      });
      const other = await reopen();
      assert.deepEqual(await other.getPostAttempt("t1"), attempt("t1"), "durable, as written");
      assert.equal(await other.getPostAttempt("t2"), undefined);
    });

    test("the same attempt begun again (a write repeated after its reply was lost) has begun, once", async () => {
      assert.deepEqual(await store.beginPostAttempt(attempt("t1")), { begun: true });
      assert.deepEqual(await store.beginPostAttempt(attempt("t1")), { begun: true });
      assert.deepEqual(await store.listPostAttempts({ limit: 10 }), [attempt("t1")]);
    });

    test("100 concurrent beginnings for one campaign: exactly one begins", async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.beginPostAttempt(attempt(`r${i}`))),
      );
      assert.equal(results.filter((result) => result.begun).length, 1);
    });

    test("settling: known ends written, attempts never posted withdrawn, only while posting", async () => {
      await store.beginPostAttempt(attempt("t1"));
      await store.beginPostAttempt(attempt("t2", { campaign_id: "camp-b" }));
      await store.beginPostAttempt(attempt("t3", { campaign_id: "camp-c" }));
      assert.equal(await store.markPostAttemptUncertain("t3"), true);
      await store.settlePostAttempts([{ id: "t1", state: "rejected", ended_at: T0 + 100 }], ["t2", "t3"]);
      const other = await reopen();
      assert.deepEqual(await other.getPostAttempt("t1"), {
        ...attempt("t1"),
        state: "rejected",
        ended_at: T0 + 100,
      });
      assert.equal(await other.getPostAttempt("t2"), undefined, "withdrawn: its buyer was never called");
      assert.equal(
        (await other.getPostAttempt("t3"))?.state,
        "uncertain",
        "the operator's now: left as it is",
      );
      // Its campaign may be posted the lead now, as a new attempt.
      assert.deepEqual(await other.beginPostAttempt(attempt("t4", { campaign_id: "camp-b" })), {
        begun: true,
      });
    });

    test("the refusals before an attempt are written with its beginning", async () => {
      await store.beginPostAttempt(attempt("t1"));
      await store.beginPostAttempt(attempt("t2", { campaign_id: "camp-b" }), [
        { id: "t1", state: "rejected", ended_at: T0 + 100 },
      ]);
      assert.deepEqual(
        await store.getPostAttempt("t1"),
        attempt("t1", { state: "rejected", ended_at: T0 + 100 }),
      );
    });

    test("the sale ends its attempts in its own transaction, with the buyer's reference", async () => {
      await store.beginPostAttempt(attempt("t1", { campaign_id: "camp-x" }));
      await store.beginPostAttempt(attempt("t2"));
      await store.saveLead(soldLead("l1", { buyer_lead_id: "ref-9" }), [
        postOutcome("camp-x", "post_timeout"),
        postOutcome("camp-a", "post_accepted"),
      ]);
      assert.equal((await store.getPostAttempt("t1"))?.state, "failed");
      const accepted = await store.getPostAttempt("t2");
      assert.deepEqual(
        [accepted?.state, accepted?.buyer_lead_id, accepted?.ended_at],
        ["accepted", "ref-9", T0 + 500],
      );
      assert.equal(await store.reconcilePostAttempts(T0 + 60_000), 0, "nothing left to reconcile");
    });

    test("reconciling marks uncertain the attempts begun before the time whose auction has no lead", async () => {
      await store.beginPostAttempt(attempt("old"));
      await store.beginPostAttempt(attempt("recent", { auction_id: "a-l2", started_at: T0 + 10_000 }));
      await store.beginPostAttempt(attempt("recorded", { auction_id: "a-l3" }));
      await store.saveLead(unsoldLead("l3"), []);
      assert.equal(await store.reconcilePostAttempts(T0 + 5_000), 1);
      assert.equal((await store.getPostAttempt("old"))?.state, "uncertain");
      assert.equal((await store.getPostAttempt("recent"))?.state, "posting", "may still be answered");
      assert.equal((await store.getPostAttempt("recorded"))?.state, "posting", "its lead answers for it");
      assert.equal(await store.markPostAttemptUncertain("recent"), true);
      assert.equal(await store.markPostAttemptUncertain("recent"), false, "only a posting attempt");
    });

    test("a sale recorded late (its poster was only slow) ends an uncertain attempt", async () => {
      await store.beginPostAttempt(attempt("t1"));
      await store.markPostAttemptUncertain("t1");
      await store.saveLead(soldLead("l1"), [postOutcome("camp-a", "post_accepted")]);
      assert.equal((await store.getPostAttempt("t1"))?.state, "accepted");
    });

    test("resolving: once, only an uncertain attempt; not sold ends it rejected", async () => {
      await store.beginPostAttempt(attempt("t1"));
      await store.beginPostAttempt(attempt("t2", { auction_id: "a-l2" }));
      assert.equal(await store.resolvePostAttempt("t1", "not_sold", T0 + 1), false, "still posting");
      await store.markPostAttemptUncertain("t1");
      await store.markPostAttemptUncertain("t2");
      assert.equal(await store.resolvePostAttempt("t1", "not_sold", T0 + 1), true);
      assert.equal(await store.resolvePostAttempt("t1", "sold", T0 + 2), false, "once");
      assert.deepEqual(await store.getPostAttempt("t1"), {
        ...attempt("t1"),
        state: "rejected",
        resolution: "not_sold",
        resolved_at: T0 + 1,
      });
      // Sold: the sale's transaction ended it as accepted; the resolution is recorded after.
      await store.saveLead(soldLead("l2"), [
        { ...postOutcome("camp-a", "post_accepted"), auction_id: "a-l2" },
      ]);
      assert.equal(await store.resolvePostAttempt("t2", "sold", T0 + 3), true);
      const sold = await store.getPostAttempt("t2");
      assert.deepEqual([sold?.state, sold?.resolution], ["accepted", "sold"]);
    });

    test("listed newest first, by state, in keyset pages", async () => {
      for (let i = 0; i < 7; i++) {
        await store.beginPostAttempt(attempt(`t${i}`, { auction_id: `a-${i}`, started_at: T0 + i }));
      }
      for (const id of ["t1", "t2", "t4", "t6"]) await store.markPostAttemptUncertain(id);
      const first = await store.listPostAttempts({ state: "uncertain", limit: 3 });
      assert.deepEqual(
        first.map((a) => a.id),
        ["t6", "t4", "t2"],
      );
      const next = await store.listPostAttempts({ state: "uncertain", limit: 3, before: "t2" });
      assert.deepEqual(
        next.map((a) => a.id),
        ["t1"],
      );
      assert.deepEqual(
        (await store.listPostAttempts({ limit: 2 })).map((a) => a.id),
        ["t6", "t5"],
      );
      assert.deepEqual(await store.listPostAttempts({ limit: 2, before: "unknown" }), []);
    });
  });
}
