// Buyer feedback over every Store implementation: conversions recorded once per lead, buyer and stage (a repeat
// answers the first), read back in funnel order; the conversion report's sales and stages per group; and a buyer's
// purchases, newest first, as the first buyer or one of a shared lead's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LeadRecord } from "../../src/domain/records.ts";
import type { ConversionRecord, Store } from "../../src/store/store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const MINUTE = 60_000;

/** A sold lead whose consumer has an email (the purchases carry the PII). */
const sold = (id: string, overrides: Partial<LeadRecord> = {}): LeadRecord =>
  soldLead(id, { lead: { state: "CA", email: "pat@example.com" }, ...overrides });

function conversion(
  leadId: string,
  stage: ConversionRecord["stage"],
  overrides: Partial<ConversionRecord> = {},
): ConversionRecord {
  return {
    id: `${leadId}:${stage}:${overrides.buyer_id ?? "buyer-a"}`,
    lead_id: leadId,
    buyer_id: "buyer-a",
    campaign_id: "camp-a",
    stage,
    at: T0 + MINUTE,
    created_at: T0 + 2 * MINUTE,
    ...overrides,
  };
}

const shared = (id: string, overrides: Partial<LeadRecord> = {}) =>
  sold(id, {
    price_cents: 5_600,
    shares: [{ campaign_id: "camp-b", buyer_id: "buyer-b", buyer_price_cents: 3_000 }],
    ...overrides,
  });

for (const impl of STORES) {
  describe(`${impl.name} conversions`, () => {
    let store: Store;
    freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("a conversion is recorded once per lead, buyer and stage; a repeat answers the first", async () => {
      await store.saveLead(sold("l-1"), []);
      const first = conversion("l-1", "quoted", { value_cents: 120_050, note: "6-month policy" });
      assert.deepEqual(await store.recordConversion(first), { created: true, record: first });
      const again = conversion("l-1", "quoted", { id: "other-id", value_cents: 1, at: T0 + 9 * MINUTE });
      assert.deepEqual(await store.recordConversion(again), { created: false, record: first });
      const contacted = conversion("l-1", "contacted");
      await store.recordConversion(contacted);
      const otherBuyer = conversion("l-1", "contacted", { buyer_id: "buyer-b", campaign_id: "camp-b" });
      assert.equal((await store.recordConversion(otherBuyer)).created, true);
      assert.deepEqual(
        await store.conversionsOf("l-1", "buyer-a"),
        [contacted, first],
        "in funnel order, optional fields kept",
      );
      assert.deepEqual(await store.conversionsOf("l-1", "buyer-b"), [otherBuyer]);
      assert.deepEqual(await store.conversionsOf("l-none", "buyer-a"), []);
    });

    test("the report counts each sale once, by the furthest stage it reached, and sums closed values", async () => {
      await store.saveLead(sold("l-1", { sub_id: "aff-1" }), []);
      await store.saveLead(sold("l-2", { created_at: T0 + MINUTE }), []);
      await store.saveLead(sold("l-3", { source_id: "src-2", created_at: T0 + 2 * MINUTE }), []);
      await store.saveLead(shared("l-4", { created_at: T0 + 3 * MINUTE }), []);
      await store.saveLead(sold("l-test", { test: true }), []);
      await store.saveLead(
        sold("l-unsold", { status: "unsold", price_cents: 0, buyer_id: undefined, campaign_id: undefined }),
        [],
      );
      await store.saveLead(sold("l-late", { created_at: T0 + 60 * MINUTE }), []);
      // l-1 closed (stages reported out of order), l-2 only contacted, l-3 nothing; l-4: buyer-b quoted, buyer-a closed.
      await store.recordConversion(conversion("l-1", "closed", { value_cents: 150_000 }));
      await store.recordConversion(conversion("l-1", "contacted"));
      await store.recordConversion(conversion("l-2", "contacted", { value_cents: 999 }));
      await store.recordConversion(
        conversion("l-4", "quoted", { buyer_id: "buyer-b", campaign_id: "camp-b", value_cents: 80_000 }),
      );
      await store.recordConversion(conversion("l-4", "closed", { value_cents: 20_000 }));
      await store.recordConversion(conversion("l-test", "closed", { value_cents: 1_000_000 }));
      await store.recordConversion(conversion("l-late", "closed", { value_cents: 1_000_000 }));

      const range = { from: T0, to: T0 + 30 * MINUTE };
      assert.deepEqual(await store.conversionReport(range), [
        { sold: 5, contacted: 4, quoted: 3, closed: 2, closed_value_cents: 170_000 },
      ]);
      assert.deepEqual(await store.conversionReport({ ...range, group_by: "source" }), [
        { group: "src-1", sold: 4, contacted: 4, quoted: 3, closed: 2, closed_value_cents: 170_000 },
        { group: "src-2", sold: 1, contacted: 0, quoted: 0, closed: 0, closed_value_cents: 0 },
      ]);
      assert.deepEqual(await store.conversionReport({ ...range, group_by: "buyer" }), [
        { group: "buyer-a", sold: 4, contacted: 3, quoted: 2, closed: 2, closed_value_cents: 170_000 },
        { group: "buyer-b", sold: 1, contacted: 1, quoted: 1, closed: 0, closed_value_cents: 0 },
      ]);
      assert.deepEqual(
        (await store.conversionReport({ ...range, group_by: "campaign" })).map((row) => [
          row.group,
          row.sold,
        ]),
        [
          ["camp-a", 4],
          ["camp-b", 1],
        ],
      );
      assert.deepEqual(
        (await store.conversionReport({ ...range, group_by: "sub_id" })).map((row) => [
          row.group,
          row.closed,
        ]),
        [
          ["", 1],
          ["aff-1", 1],
        ],
      );
      assert.deepEqual(
        (await store.conversionReport({ ...range, group_by: "vertical" })).map((row) => [
          row.group,
          row.sold,
        ]),
        [["personal_injury", 5]],
      );
      assert.deepEqual(await store.conversionReport({ from: T0 - 60 * MINUTE, to: T0 }), [
        { sold: 0, contacted: 0, quoted: 0, closed: 0, closed_value_cents: 0 },
      ]);
    });

    test("a buyer's purchases: its own and its shares, newest first, paged; never another buyer's", async () => {
      await store.saveLead(sold("l-1"), []);
      await store.saveLead(
        sold("l-2", { buyer_id: "buyer-b", campaign_id: "camp-b", created_at: T0 + MINUTE }),
        [],
      );
      await store.saveLead(shared("l-3", { created_at: T0 + 2 * MINUTE }), []);
      await store.saveLead(
        shared("l-4", {
          buyer_id: "buyer-b",
          campaign_id: "camp-b",
          shares: [{ campaign_id: "camp-a", buyer_id: "buyer-a", buyer_price_cents: 2_500 }],
          created_at: T0 + 3 * MINUTE,
        }),
        [],
      );
      await store.saveLead(sold("l-5", { test: true, created_at: T0 + 4 * MINUTE }), []);
      await store.saveLead(
        sold("l-6", {
          status: "unsold",
          price_cents: 0,
          buyer_id: undefined,
          campaign_id: undefined,
          created_at: T0 + 5 * MINUTE,
        }),
        [],
      );
      const ids = async (query: { buyer_id: string; limit: number; before?: string }) =>
        (await store.listPurchases(query)).map((lead) => lead.id);
      assert.deepEqual(await ids({ buyer_id: "buyer-a", limit: 50 }), ["l-5", "l-4", "l-3", "l-1"]);
      assert.deepEqual(await ids({ buyer_id: "buyer-b", limit: 50 }), ["l-4", "l-3", "l-2"]);
      assert.deepEqual(await ids({ buyer_id: "buyer-a", limit: 2 }), ["l-5", "l-4"]);
      assert.deepEqual(await ids({ buyer_id: "buyer-a", limit: 2, before: "l-4" }), ["l-3", "l-1"]);
      assert.deepEqual(await ids({ buyer_id: "buyer-a", limit: 2, before: "l-1" }), []);
      assert.deepEqual(await ids({ buyer_id: "buyer-c", limit: 50 }), []);
      const [lead] = await store.listPurchases({ buyer_id: "buyer-a", limit: 1, before: "l-5" });
      assert.deepEqual(lead?.lead, { state: "CA", email: "pat@example.com" }, "with the lead's PII");
    });
  });
}
