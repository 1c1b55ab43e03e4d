// The outbox on every store: written with its lead in one transaction, claimed with a lease, settled, listed,
// replayed; and on a store several instances share, concurrent claims never hand one item to two of them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { OutboxItem } from "../../src/domain/records.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const T0 = 1_750_000_000_000;

function message(id: string, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id,
    kind: "source_postback",
    owner_id: "src-1",
    url: "http://127.0.0.1:9/postback",
    body: { event: "lead.sold", lead_id: id },
    timeout_ms: 1000,
    status: "pending",
    attempts: 0,
    run_at: T0,
    created_at: T0,
    ...overrides,
  };
}

for (const implementation of STORES) {
  describe(`outbox on ${implementation.name}`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(implementation, (opened) => {
      store = opened;
    });

    test("messages are written with their lead, and not at all when the lead is refused", async () => {
      await store.saveLead(soldLead("l1"), [], [message("m1"), message("m2")]);
      await assert.rejects(
        store.saveLead(soldLead("l1"), [], [message("m3")]),
        "a second lead with the same id",
      );
      const items = await store.listOutbox({ limit: 10 });
      assert.deepEqual(items.map((item) => item.id).sort(), ["m1", "m2"]);
      assert.deepEqual(items.find((item) => item.id === "m1")?.body, { event: "lead.sold", lead_id: "m1" });
    });

    test("items enqueued on their own: an id already there is kept as it was (one message per alert)", async () => {
      const alert = (body: Record<string, unknown>) =>
        message("alert-1", { kind: "alert_webhook", owner_id: "buyer:broke", body });
      assert.equal(
        await store.enqueueOutbox([alert({ n: 1 }), message("alert-2", { kind: "alert_email" })]),
        2,
      );
      // Another instance writing the same alert at once: nothing changes.
      assert.equal(await store.enqueueOutbox([alert({ n: 2 })]), 0);
      assert.equal(await store.enqueueOutbox([]), 0);
      const items = await store.listOutbox({ limit: 10 });
      assert.deepEqual(items.map((item) => [item.id, item.kind]).sort(), [
        ["alert-1", "alert_webhook"],
        ["alert-2", "alert_email"],
      ]);
      assert.deepEqual(items.find((item) => item.id === "alert-1")?.body, { n: 1 });
      assert.equal((await store.claimOutbox(T0, 10, 1000)).length, 2, "due like any other message");
    });

    test("a claim takes due items only, counts the attempt and leases them", async () => {
      await store.saveLead(soldLead("l1"), [], [message("due"), message("later", { run_at: T0 + 60_000 })]);
      const claimed = await store.claimOutbox(T0, 10, 30_000);
      assert.deepEqual(
        claimed.map((item) => [item.id, item.attempts, item.run_at]),
        [["due", 1, T0 + 30_000]],
      );
      assert.deepEqual(await store.claimOutbox(T0 + 1_000, 10, 30_000), [], "leased, so not claimed again");
      const lapsed = await store.claimOutbox(T0 + 30_000, 10, 30_000);
      assert.deepEqual(
        lapsed.map((item) => [item.id, item.attempts]),
        [["due", 2]],
        "a lapsed lease (a worker died) makes it due again",
      );
    });

    test("settling: done, retry later, dead; replay brings a dead letter back", async () => {
      await store.saveLead(soldLead("l1"), [], [message("a"), message("b"), message("c")]);
      const lease = T0 + 30_000;
      assert.deepEqual(
        (await store.claimOutbox(T0, 10, 30_000)).map((item) => item.run_at),
        [lease, lease, lease],
      );
      assert.equal(await store.settleOutbox("a", lease, { status: "done", at: T0 + 5 }), true);
      assert.equal(
        await store.settleOutbox("b", lease, { status: "pending", run_at: T0 + 2_000, error: "HTTP 500" }),
        true,
      );
      assert.equal(await store.settleOutbox("c", lease, { status: "dead", error: "timeout" }), true);
      const byId = new Map((await store.listOutbox({ limit: 10 })).map((item) => [item.id, item]));
      assert.equal(byId.get("a")?.status, "done");
      assert.equal(byId.get("a")?.delivered_at, T0 + 5);
      assert.deepEqual(
        [byId.get("b")?.status, byId.get("b")?.run_at, byId.get("b")?.last_error],
        ["pending", T0 + 2_000, "HTTP 500"],
      );
      assert.deepEqual([byId.get("c")?.status, byId.get("c")?.last_error], ["dead", "timeout"]);
      assert.deepEqual(
        (await store.listOutbox({ status: "dead", limit: 10 })).map((item) => item.id),
        ["c"],
      );

      assert.equal(await store.replayOutbox("c", T0 + 10_000), true);
      assert.equal(await store.replayOutbox("nope", T0 + 10_000), false);
      const again = await store.claimOutbox(T0 + 10_000, 10, 30_000);
      assert.deepEqual(again.map((item) => [item.id, item.attempts]).sort(), [
        ["b", 2],
        ["c", 1],
      ]);
    });

    test("a result recorded after another claim took the item over changes nothing", async () => {
      await store.saveLead(soldLead("l1"), [], [message("m")]);
      const [first] = await store.claimOutbox(T0, 10, 30_000);
      // The first worker's lease lapsed (it was stalled); another claims the item and is sending it.
      const [second] = await store.claimOutbox(T0 + 30_000, 10, 30_000);
      assert.deepEqual([first!.run_at, second!.run_at, second!.attempts], [T0 + 30_000, T0 + 60_000, 2]);

      const late = await store.settleOutbox("m", first!.run_at, {
        status: "pending",
        run_at: T0,
        error: "HTTP 500",
      });

      assert.equal(late, false, "the first claim no longer holds");
      const [item] = await store.listOutbox({ limit: 10 });
      assert.deepEqual([item!.status, item!.run_at, item!.last_error], ["pending", T0 + 60_000, undefined]);
      assert.deepEqual(
        await store.claimOutbox(T0 + 31_000, 10, 30_000),
        [],
        "still leased to the second claim",
      );
      assert.equal(await store.settleOutbox("m", second!.run_at, { status: "done", at: T0 + 31_000 }), true);
      assert.equal(
        await store.settleOutbox("m", second!.run_at, { status: "done", at: T0 + 32_000 }),
        false,
        "a settled item is settled once",
      );
      assert.equal((await store.listOutbox({ limit: 10 }))[0]!.delivered_at, T0 + 31_000);
    });

    test("two instances claiming at once never get the same item", async () => {
      const other = await reopen();
      const items = Array.from({ length: 200 }, (_, i) => message(`m${String(i).padStart(3, "0")}`));
      await store.saveLead(soldLead("l1"), [], items);
      const claims: OutboxItem[][] = [];
      // Small batches from both sides, in parallel, until nothing is left.
      await Promise.all(
        [store, other, store, other].map(async (instance) => {
          for (;;) {
            const batch = await instance.claimOutbox(T0, 7, 60_000);
            if (batch.length === 0) return;
            claims.push(batch);
          }
        }),
      );
      const ids = claims.flat().map((item) => item.id);
      assert.equal(ids.length, 200, "every item claimed");
      assert.equal(new Set(ids).size, 200, "no item claimed twice");
    });
  });
}
