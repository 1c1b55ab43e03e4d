// The lead list's orders over every Store implementation: created, source payout and buyer price, each way, paged
// with `before` (the last lead id of the page before) through ties and leads without a buyer price, alone and with
// the status and source filters. Every page walk must give every matching lead exactly once, in the order computed
// here: by the sort value (no buyer price counting as below every price), then by id, byte-wise, in the same direction.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { LeadRecord } from "../../src/domain/records.ts";
import {
  LEAD_SORTS,
  type LeadQuery,
  type LeadSort,
  SORT_DIRECTIONS,
  type Store,
} from "../../src/store/store.ts";
import { soldLead, T0, unsoldLead } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

// Ties everywhere: equal timestamps, equal payouts and buyer prices, five unsold leads (no buyer price, payout 0), a
// buyer price of 0 (just above none), ids that differ only in case (byte order: upper case first).
const LEADS: LeadRecord[] = [
  soldLead("l-01", { created_at: T0 + 1, price_cents: 3_000, buyer_price_cents: 4_000 }),
  soldLead("l-02", { created_at: T0 + 2, price_cents: 2_000, buyer_price_cents: 2_500, source_id: "src-2" }),
  unsoldLead("l-03", { created_at: T0 + 2 }),
  soldLead("l-04", { created_at: T0 + 2, price_cents: 3_000, buyer_price_cents: 4_000 }),
  unsoldLead("l-05", { created_at: T0 + 3, source_id: "src-2" }),
  soldLead("l-06", { created_at: T0 + 4, price_cents: 0, buyer_price_cents: 0 }),
  unsoldLead("l-07", { created_at: T0 + 4 }),
  soldLead("L-08", { created_at: T0 + 4, price_cents: 2_000, buyer_price_cents: 2_500 }),
  soldLead("l-08", { created_at: T0 + 5, price_cents: 2_000, buyer_price_cents: 2_500, source_id: "src-2" }),
  unsoldLead("l-09", { created_at: T0 + 6 }),
  soldLead("l-10", { created_at: T0 + 6, price_cents: 5_000, buyer_price_cents: 6_000 }),
  unsoldLead("l-11", { created_at: T0 + 6, source_id: "src-2" }),
  soldLead("l-12", { created_at: T0 + 7, price_cents: 3_000, buyer_price_cents: 3_500 }),
];

const VALUE: Record<LeadSort, (lead: LeadRecord) => number> = {
  created_at: (l) => l.created_at,
  price: (l) => l.price_cents,
  buyer_price: (l) => l.buyer_price_cents ?? -1,
};

function expected(query: Omit<LeadQuery, "limit" | "before">): string[] {
  const value = VALUE[query.sort ?? "created_at"];
  const sign = query.direction === "asc" ? 1 : -1;
  return LEADS.filter(
    (l) =>
      (!query.status || l.status === query.status) && (!query.source_id || l.source_id === query.source_id),
  )
    .sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    .map((l) => l.id);
}

async function walk(store: Store, query: Omit<LeadQuery, "before">): Promise<string[][]> {
  const pages: string[][] = [];
  let before: string | undefined;
  for (let page = 0; page <= LEADS.length; page++) {
    const rows = await store.listLeads({ ...query, ...(before ? { before } : {}) });
    if (rows.length === 0) return pages;
    assert.ok(rows.length <= query.limit);
    pages.push(rows.map((row) => row.id));
    before = rows.at(-1)!.id;
  }
  assert.fail("paging did not end");
}

const FILTERS: Pick<LeadQuery, "status" | "source_id">[] = [
  {},
  { status: "sold" },
  { status: "unsold" },
  { source_id: "src-2" },
  { status: "sold", source_id: "src-1" },
];

for (const impl of STORES) {
  describe(`${impl.name} lead list orders`, () => {
    let store: Store;
    freshStoreEach(impl, (opened) => {
      store = opened;
    });

    beforeEach(async () => {
      // Saved out of order, so no order comes from the insertion order.
      for (const l of [...LEADS].reverse()) await store.saveLead(l, []);
    });

    test("every order and filter, paged 1, 2, 3 and 5 at a time, gives each lead once, in order", async () => {
      for (const sort of LEAD_SORTS)
        for (const direction of SORT_DIRECTIONS)
          for (const filter of FILTERS) {
            const order = expected({ sort, direction, ...filter });
            for (const limit of [1, 2, 3, 5]) {
              const pages = await walk(store, { limit, sort, direction, ...filter });
              assert.deepEqual(
                pages.flat(),
                order,
                `${sort} ${direction} ${JSON.stringify(filter)} by ${limit}`,
              );
              assert.ok(pages.slice(0, -1).every((page) => page.length === limit));
            }
          }
    });

    test("no buyer price sorts below every price: unsold leads last highest first, first lowest first", async () => {
      const highest = await store.listLeads({ limit: 50, sort: "buyer_price", direction: "desc" });
      assert.deepEqual(
        highest.map((l) => l.id),
        [
          "l-10",
          "l-04",
          "l-01",
          "l-12",
          "l-08",
          "l-02",
          "L-08",
          "l-06",
          "l-11",
          "l-09",
          "l-07",
          "l-05",
          "l-03",
        ],
      );
      const lowest = await store.listLeads({ limit: 6, sort: "buyer_price", direction: "asc" });
      assert.deepEqual(
        lowest.map((l) => l.id),
        ["l-03", "l-05", "l-07", "l-09", "l-11", "l-06"],
      );
    });

    test("the default is newest first, as before sorting existed; oldest first reverses it", async () => {
      const newest = (await store.listLeads({ limit: 50 })).map((l) => l.id);
      assert.deepEqual(newest, expected({}));
      assert.deepEqual(newest.slice(0, 3), ["l-12", "l-11", "l-10"]);
      const oldest = (await store.listLeads({ limit: 50, direction: "asc" })).map((l) => l.id);
      assert.deepEqual(oldest, [...newest].reverse());
      assert.deepEqual(
        (await store.listLeads({ limit: 2, before: "l-10" })).map((l) => l.id),
        ["l-09", "l-08"],
      );
    });

    test("a buyer's purchases page oldest first too, shares included, each once", async () => {
      // Bought by another buyer, shared with buyer-a; and one buyer-a has no part in.
      const share = { campaign_id: "camp-a", buyer_id: "buyer-a", buyer_price_cents: 1_000 };
      await store.saveLead(soldLead("s-1", { created_at: T0 + 4, buyer_id: "buyer-b", shares: [share] }), []);
      await store.saveLead(soldLead("s-2", { created_at: T0 + 4, buyer_id: "buyer-b" }), []);
      const newest = (await store.listPurchases({ buyer_id: "buyer-a", limit: 50 })).map((l) => l.id);
      assert.equal(newest.length, 9);
      assert.ok(newest.includes("s-1") && !newest.includes("s-2"));
      for (const limit of [1, 2, 4]) {
        const seen: string[] = [];
        let before: string | undefined;
        for (let page = 0; page < 20; page++) {
          const rows = await store.listPurchases({
            buyer_id: "buyer-a",
            limit,
            direction: "asc",
            ...(before ? { before } : {}),
          });
          if (rows.length === 0) break;
          seen.push(...rows.map((row) => row.id));
          before = rows.at(-1)!.id;
        }
        assert.deepEqual(seen, [...newest].reverse(), `by ${limit}`);
      }
    });

    test("a cursor that is no lead gives an empty page, whatever the order", async () => {
      for (const sort of LEAD_SORTS)
        for (const status of [undefined, "sold"] as const)
          assert.deepEqual(
            await store.listLeads({ limit: 5, sort, before: "l-none", ...(status ? { status } : {}) }),
            [],
          );
    });
  });
}
