// The outbox and returns lists on every store, as the console pages them: newest first (ties by id), a page at a time
// with `before` (the last id of the page before), alone or filtered by status (and buyer), every item exactly once.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { OutboxItem, ReturnRecord } from "../../src/domain/records.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const STATUSES = ["pending", "done", "dead"] as const;

/** 12 messages: three share each instant, statuses cycle. */
const MESSAGES: OutboxItem[] = Array.from({ length: 12 }, (_, n) => ({
  id: `m-${String(n).padStart(2, "0")}`,
  kind: "source_postback",
  owner_id: "src-1",
  url: "http://127.0.0.1:9/postback",
  body: { n },
  timeout_ms: 1000,
  status: STATUSES[n % 3]!,
  attempts: 0,
  run_at: T0,
  created_at: T0 + Math.floor(n / 3),
}));

/** 10 returns of 10 leads, by two buyers; two share each instant; every third is still pending. */
const RETURNS: ReturnRecord[] = Array.from({ length: 10 }, (_, n) => ({
  id: `r-${String(n).padStart(2, "0")}`,
  lead_id: `l-${n}`,
  buyer_id: n % 2 === 0 ? "buyer-a" : "buyer-b",
  campaign_id: "camp-a",
  reason: "invalid_contact",
  status: n % 3 === 0 ? "pending" : "rejected",
  refund_cents: 4_000,
  reversal_cents: 3_200,
  requested_at: T0 + Math.floor(n / 2),
}));

/** Newest first, then the higher id first. */
function newestFirst<T extends { id: string }>(items: readonly T[], time: (item: T) => number): string[] {
  return [...items].sort((a, b) => time(b) - time(a) || (a.id < b.id ? 1 : -1)).map((item) => item.id);
}

async function pages(next: (before: string | undefined) => Promise<{ id: string }[]>): Promise<string[]> {
  const seen: string[] = [];
  let before: string | undefined;
  for (let page = 0; page < 20; page++) {
    const items = await next(before);
    if (items.length === 0) return seen;
    seen.push(...items.map((item) => item.id));
    before = items.at(-1)!.id;
  }
  assert.fail("paging did not end");
}

for (const impl of STORES) {
  describe(`${impl.name}: outbox and returns pages`, () => {
    let store: Store;
    freshStoreEach(impl, (fresh) => {
      store = fresh;
    });

    test("the outbox pages newest first, alone and by status, each item once", async () => {
      await store.saveLead(soldLead("l-0"), [], MESSAGES);
      for (const status of [undefined, ...STATUSES]) {
        for (const limit of [1, 2, 5]) {
          const walked = await pages((before) =>
            store.listOutbox({ limit, ...(status ? { status } : {}), ...(before ? { before } : {}) }),
          );
          const expected = newestFirst(
            MESSAGES.filter((item) => !status || item.status === status),
            (item) => item.created_at,
          );
          assert.deepEqual(walked, expected, `status ${status ?? "any"}, pages of ${limit}`);
        }
      }
      assert.deepEqual(await store.listOutbox({ limit: 5, before: "no-such-item" }), []);
    });

    test("returns page newest first, alone and by status and buyer, each once", async () => {
      for (const record of RETURNS) {
        await store.saveLead(soldLead(record.lead_id, { auction_id: `a-${record.lead_id}` }), []);
        assert.equal((await store.createReturn(record)).created, true);
      }
      const filters: { status?: ReturnRecord["status"]; buyer_id?: string }[] = [
        {},
        { status: "pending" },
        { buyer_id: "buyer-b" },
        { status: "rejected", buyer_id: "buyer-a" },
      ];
      for (const filter of filters) {
        for (const limit of [1, 3]) {
          const walked = await pages((before) =>
            store.listReturns({ limit, ...filter, ...(before ? { before } : {}) }),
          );
          const expected = newestFirst(
            RETURNS.filter(
              (r) =>
                (!filter.status || r.status === filter.status) &&
                (!filter.buyer_id || r.buyer_id === filter.buyer_id),
            ),
            (r) => r.requested_at,
          );
          assert.deepEqual(walked, expected, `${JSON.stringify(filter)}, pages of ${limit}`);
        }
      }
    });
  });
}
