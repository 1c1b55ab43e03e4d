// The money ledger over every Store implementation: entries written with the sale in its transaction, idempotent by
// id, totals per kind and party over a period, and the invariant check that finds a lead whose books do not balance.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LedgerEntry } from "../../src/domain/records.ts";
import { imbalanceCents, saleEntries } from "../../src/engine/ledger.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

describe("saleEntries", () => {
  test("a shared sale: a charge per buyer, one payout, the margin that balances them", () => {
    const lead = soldLead("l-1", {
      price_cents: 5_600,
      shares: [{ campaign_id: "camp-b", buyer_id: "buyer-b", buyer_price_cents: 3_000 }],
    });
    const entries = saleEntries(lead);
    assert.deepEqual(
      entries.map((e) => [e.kind, e.party_id, e.amount_cents]),
      [
        ["buyer_charge", "buyer-a", 4_000],
        ["buyer_charge", "buyer-b", 3_000],
        ["source_payout", "src-1", 5_600],
        ["margin", "exchange", 1_400],
      ],
    );
    assert.equal(imbalanceCents(entries), 0);
  });

  test("unsold and test leads move no money", () => {
    assert.deepEqual(saleEntries(soldLead("l-2", { status: "unsold", price_cents: 0 })), []);
    assert.deepEqual(saleEntries(soldLead("l-3", { test: true })), []);
  });
});

for (const impl of STORES) {
  describe(`${impl.name} money ledger`, () => {
    let store: Store;
    freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("entries are written with the sale, read back in order, and repeated ids are kept once", async () => {
      const lead = soldLead("l-1");
      const entries = saleEntries(lead);
      await store.saveLead(lead, [], [], entries);
      assert.deepEqual(await store.ledgerFor("l-1"), entries);
      await store.appendLedger(entries);
      assert.deepEqual(
        await store.ledgerFor("l-1"),
        entries,
        "appending the same entries again changes nothing",
      );
      assert.deepEqual(await store.ledgerFor("l-none"), []);
    });

    test("a refused sale writes none of its entries", async () => {
      await store.saveLead(soldLead("l-1"), [], [], saleEntries(soldLead("l-1")));
      const clash = soldLead("l-2", { auction_id: "a-l-1" });
      await assert.rejects(store.saveLead(clash, [], [], saleEntries(clash)));
      assert.deepEqual(await store.ledgerFor("l-2"), []);
    });

    test("totals per kind and party cover [from, to)", async () => {
      await store.saveLead(soldLead("l-1"), [], [], saleEntries(soldLead("l-1")));
      const later = soldLead("l-2", {
        created_at: T0 + 1_000,
        buyer_id: "buyer-b",
        buyer_price_cents: 2_500,
      });
      await store.saveLead(later, [], [], saleEntries(later));
      const totals = await store.ledgerTotals(T0, T0 + 1_000);
      assert.deepEqual(
        totals.map((t) => [t.kind, t.party_id, t.cents]),
        [
          ["buyer_charge", "buyer-a", 4_000],
          ["margin", "exchange", 800],
          ["source_payout", "src-1", 3_200],
        ],
      );
      const both = await store.ledgerTotals(T0, T0 + 1_001);
      assert.equal(both.find((t) => t.kind === "source_payout")?.cents, 6_400);
      assert.equal(both.find((t) => t.kind === "margin")?.cents, 800 - 700);
    });

    test("the invariant check finds the lead whose entries do not balance", async () => {
      await store.saveLead(soldLead("l-1"), [], [], saleEntries(soldLead("l-1")));
      assert.deepEqual(await store.ledgerImbalances(), []);
      const stray: LedgerEntry = {
        id: "l-1:adjustment",
        lead_id: "l-1",
        kind: "buyer_refund",
        party_id: "buyer-a",
        amount_cents: -500,
        created_at: T0 + 5,
      };
      await store.appendLedger([stray]);
      assert.deepEqual(await store.ledgerImbalances(), [{ lead_id: "l-1", cents: -500 }]);
    });
  });
}
