// Buyer funds over every Store implementation: idempotent deposits, deposit totals and lifetime spend per buyer, and
// both surviving a reopen (a restart must never reset a balance).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BuyerCents, BuyerDeposit, Store } from "../../src/store/store.ts";
import { soldLead, T0, unsoldLead } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

function deposit(id: string, buyer_id: string, amount_cents: number, note?: string): BuyerDeposit {
  return { id, buyer_id, amount_cents, ...(note === undefined ? {} : { note }), created_at: T0 };
}

function sale(id: string, buyer_id: string, buyer_price_cents: number, status: "sold" | "unsold" = "sold") {
  return status === "sold"
    ? soldLead(id, { price_cents: 1000, buyer_price_cents, campaign_id: `${buyer_id}-c`, buyer_id })
    : unsoldLead(id);
}

const byBuyer = (rows: BuyerCents[]) =>
  Object.fromEntries(rows.map((row) => [row.buyer_id, row.cents] as const).sort());

for (const impl of STORES) {
  describe(`${impl.name} buyer funds`, () => {
    let store: Store;
    const { reopen, close } = freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("a deposit is added once per id; a repeat returns the one stored first", async () => {
      assert.deepEqual(await store.addDeposit(deposit("d-1", "buyer-a", 10_000, "wire 42")), {
        added: true,
        deposit: deposit("d-1", "buyer-a", 10_000, "wire 42"),
      });
      const again = await store.addDeposit(deposit("d-1", "buyer-a", 99_999));
      assert.equal(again.added, false);
      assert.deepEqual(again.deposit, deposit("d-1", "buyer-a", 10_000, "wire 42"));
      assert.deepEqual(byBuyer(await store.depositTotals()), { "buyer-a": 10_000 });
    });

    test("deposit totals per buyer, for all buyers or one", async () => {
      await store.addDeposit(deposit("d-1", "buyer-a", 10_000));
      await store.addDeposit(deposit("d-2", "buyer-a", 2_550));
      await store.addDeposit(deposit("d-3", "buyer-b", 700));
      assert.deepEqual(byBuyer(await store.depositTotals()), { "buyer-a": 12_550, "buyer-b": 700 });
      assert.deepEqual(await store.depositTotals("buyer-b"), [{ buyer_id: "buyer-b", cents: 700 }]);
      assert.deepEqual(await store.depositTotals("nobody"), []);
    });

    test("lifetime spend sums the sold leads per buyer, unsold ones not", async () => {
      await store.saveLead(sale("l-1", "buyer-a", 4_000), []);
      await store.saveLead(sale("l-2", "buyer-a", 3_525), []);
      await store.saveLead(sale("l-3", "buyer-b", 1_000), []);
      await store.saveLead(sale("l-4", "buyer-b", 0, "unsold"), []);
      assert.deepEqual(byBuyer(await store.spendTotals()), { "buyer-a": 7_525, "buyer-b": 1_000 });
      assert.deepEqual(await store.spendTotals("buyer-a"), [{ buyer_id: "buyer-a", cents: 7_525 }]);
      assert.deepEqual(await store.spendTotals("nobody"), []);
    });

    test("deposits and spend survive reopening the database", async () => {
      await store.addDeposit(deposit("d-1", "buyer-a", 10_000));
      await store.saveLead(sale("l-1", "buyer-a", 4_000), []);
      await close(store);
      const again = await reopen();
      assert.deepEqual(byBuyer(await again.depositTotals()), { "buyer-a": 10_000 });
      assert.deepEqual(byBuyer(await again.spendTotals()), { "buyer-a": 4_000 });
      assert.equal((await again.addDeposit(deposit("d-1", "buyer-a", 10_000))).added, false);
    });
  });
}
