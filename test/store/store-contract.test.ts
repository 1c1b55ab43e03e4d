// One suite over every Store implementation (DESIGN "Where state lives"), the way kysely runs one suite over every
// dialect. Each implementation supplies a factory. PostgreSQL runs on the test database (GAVEL_TEST_DATABASE_URL), each
// test in a schema of its own; when the server is unreachable every PostgresStore test fails at once, with the reason.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { Buyer, Campaign, Source } from "../../src/domain/config-schema.ts";
import type { LeadRecord, OutcomeRecord, PingRecord } from "../../src/domain/records.ts";
import { TimeOrderedIds } from "../../src/engine/time-ordered-ids.ts";
import type { Store } from "../../src/store/store.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const T0 = 1_750_000_000_000;

function ping(id: string, overrides: Partial<PingRecord> = {}): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA", injury_severity: 7, insured: true },
    test: false,
    created_at: T0,
    expires_at: T0 + 120_000,
    status: "bid",
    price_cents: 2500,
    bids: [
      {
        campaign_id: "camp-a",
        buyer_id: "buyer-a",
        bid_cents: 4000,
        source_price_cents: 2500,
        bid_id: "b-1",
        expires_at: T0 + 120_000,
      },
      {
        campaign_id: "camp-b",
        buyer_id: "buyer-b",
        bid_cents: 3000,
        source_price_cents: 1875,
        expires_at: T0 + 60_000,
      },
    ],
    ...overrides,
  };
}

function outcome(
  auction_id: string,
  phase: "ping" | "post",
  reason: OutcomeRecord["reason"],
  at: number,
): OutcomeRecord {
  return { auction_id, phase, campaign_id: "camp-a", buyer_id: "buyer-a", reason, at };
}

function lead(id: string, auction_id: string, overrides: Partial<LeadRecord> = {}): LeadRecord {
  return {
    id,
    auction_id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA", first_name: "Jane", phone: "2125550147" },
    consent: { trustedform_cert_url: "https://cert.trustedform.com/abc" },
    test: false,
    status: "sold",
    price_cents: 2500,
    buyer_price_cents: 4000,
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    buyer_lead_id: "L-1",
    created_at: T0,
    ...overrides,
  };
}

const source: Source = {
  id: "src-1",
  name: "Source one",
  status: "live",
  payout: { model: "margin", amount: 5 },
};
const buyer: Buyer = { id: "buyer-a", name: "Buyer A", status: "active" };
const campaign: Campaign = {
  id: "camp-a",
  buyer_id: "buyer-a",
  vertical: "personal_injury",
  name: "PI California",
  status: "active",
  filters: [{ field: "state", op: "in", value: ["CA"] }],
  pricing: { type: "realtime", max_price: 100 },
  ping: { url: "http://127.0.0.1:9/ping", timeout_ms: 300 },
  post: { url: "http://127.0.0.1:9/post", timeout_ms: 1000 },
};

for (const impl of STORES) {
  describe(impl.name, () => {
    let store: Store;
    const { reopen } = freshStoreEach(impl, (opened) => {
      store = opened;
    });

    describe("migrations", () => {
      test("migrating again, on the same or a new connection, is harmless and keeps data", async () => {
        await store.putConfig("source", source);
        await store.migrate();
        await store.migrate();
        const again = await reopen();
        assert.deepEqual((await again.loadConfig()).sources, [source]);
      });
    });

    describe("configuration", () => {
      test("a fresh store has empty configuration", async () => {
        assert.deepEqual(await store.loadConfig(), {
          settings: {},
          verticals: [],
          sources: [],
          buyers: [],
          campaigns: [],
        });
      });

      test("putConfig and putSettings round-trip through loadConfig", async () => {
        const vertical = {
          id: "pets",
          name: "Pet insurance",
          fields: [{ name: "zip", type: "zip" as const, pii: false, required: true }],
        };
        await store.putConfig("vertical", vertical);
        await store.putConfig("source", source);
        await store.putConfig("buyer", buyer);
        await store.putConfig("campaign", campaign);
        await store.putSettings({ hold_s: 60, reserve_ms: 20 });
        assert.deepEqual(await store.loadConfig(), {
          settings: { hold_s: 60, reserve_ms: 20 },
          verticals: [vertical],
          sources: [source],
          buyers: [buyer],
          campaigns: [campaign],
        });
      });

      test("putConfig replaces by id, per kind; settings are replaced whole", async () => {
        const buyerB: Buyer = { ...buyer, id: "buyer-b", name: "Buyer B" };
        const pausedA: Buyer = { ...buyer, status: "paused" };
        await store.putConfig("buyer", buyer);
        await store.putConfig("buyer", buyerB);
        await store.putConfig("buyer", pausedA);
        await store.putConfig("source", { ...source, id: "buyer-a" });
        await store.putSettings({ hold_s: 60 });
        await store.putSettings({ reserve_ms: 5 });
        const config = await store.loadConfig();
        const buyers = [...config.buyers].sort((a, b) => a.id.localeCompare(b.id));
        assert.deepEqual(buyers, [pausedA, buyerB]);
        assert.equal(config.sources.length, 1, "the same id under another kind is another entity");
        assert.deepEqual(config.settings, { reserve_ms: 5 });
      });
    });

    describe("auctions and decision traces", () => {
      test("appendAuctionEvents then getPing returns the ping as written", async () => {
        const withSub = ping("p-1", { sub_id: "sub-9", test: true });
        const noBid = ping("p-2", { status: "no_bid", price_cents: 0, bids: [] });
        await store.appendAuctionEvents([withSub, noBid], []);
        assert.deepEqual(await store.getPing("p-1"), withSub);
        assert.deepEqual(await store.getPing("p-2"), noBid);
        assert.equal(await store.getPing("p-unknown"), undefined);
      });

      test("outcomes round-trip with only the optional fields that were set", async () => {
        const full: OutcomeRecord = {
          ...outcome("p-1", "ping", "bid", T0 + 5),
          bid_cents: 4000,
          latency_ms: 12.5,
          detail: "bid-9",
        };
        const bare = outcome("p-1", "ping", "timeout", T0 + 6);
        await store.appendAuctionEvents([ping("p-1")], [full, bare]);
        assert.deepEqual(await store.getOutcomes("p-1"), [full, bare]);
        assert.deepEqual(await store.getOutcomes("p-none"), []);
      });

      test("getOutcomes lists the ping phase before the post phase, even when the post was written first", async () => {
        // A lead (and its post outcomes) is written at once; ping analytics arrive later in a batch.
        const post1 = outcome("p-1", "post", "post_rejected", T0 + 1000);
        const post2 = { ...outcome("p-1", "post", "post_accepted", T0 + 1100), campaign_id: "camp-b" };
        await store.saveLead(lead("l-1", "p-1"), [post1, post2]);
        const ping1 = outcome("p-1", "ping", "won", T0 + 10);
        const ping2 = { ...outcome("p-1", "ping", "lost", T0 + 10), campaign_id: "camp-b" };
        await store.appendAuctionEvents([ping("p-1")], [ping1, ping2]);
        await store.appendAuctionEvents([], [outcome("p-other", "ping", "no_bid", T0)]);
        assert.deepEqual(await store.getOutcomes("p-1"), [ping1, ping2, post1, post2]);
      });

      test("a ping written again (a retried batch, or twice in one) is kept once, as first written", async () => {
        const first = ping("p-1");
        await store.appendAuctionEvents([first, ping("p-1", { price_cents: 1 })], []);
        await store.appendAuctionEvents([ping("p-1", { price_cents: 2 }), ping("p-2")], []);
        assert.deepEqual(await store.getPing("p-1"), first);
        assert.ok(await store.getPing("p-2"));
      });

      test("a large batch is written whole, its outcomes in the order given", async () => {
        const pings = Array.from({ length: 500 }, (_, i) => ping(`p-${i}`));
        const reasons: OutcomeRecord["reason"][] = ["bid", "no_bid", "timeout", "filtered", "won", "lost"];
        const outcomes = pings.flatMap((p, i) =>
          reasons.map((reason, j) => ({
            ...outcome(p.id, "ping", reason, T0 + i),
            campaign_id: `camp-${j}`,
          })),
        );
        await store.appendAuctionEvents(pings, outcomes);
        assert.deepEqual(await store.getPing("p-499"), pings[499]);
        assert.deepEqual(await store.getOutcomes("p-250"), outcomes.slice(250 * 6, 251 * 6));
        // The last rows, in SQLite's smaller statements after its 64-row ones.
        assert.deepEqual(await store.getOutcomes("p-499"), outcomes.slice(499 * 6));
        assert.deepEqual(await store.getOutcomes("p-0"), outcomes.slice(0, 6));
      });
    });

    describe("leads", () => {
      test("saveLead then getLead and getLeadByAuction return the lead as written", async () => {
        const sold = lead("l-1", "p-1", { sub_id: "sub-1", test: true });
        const { buyer_price_cents, campaign_id, buyer_id, buyer_lead_id, ...base } = lead("l-2", "p-2");
        const unsold: LeadRecord = { ...base, status: "unsold", price_cents: 0, reason: "no_bids" };
        await store.saveLead(sold, []);
        await store.saveLead(unsold, []);
        assert.deepEqual(await store.getLead("l-1"), sold);
        assert.deepEqual(await store.getLead("l-2"), unsold);
        assert.deepEqual(await store.getLeadByAuction("p-2"), unsold);
        assert.equal(await store.getLead("l-none"), undefined);
        assert.equal(await store.getLeadByAuction("p-none"), undefined);
      });

      test("a shared lead keeps its other buyers; sales and spend count every buyer of it", async () => {
        const shared = lead("l-s", "p-s", {
          price_cents: 6_400,
          buyer_price_cents: 5_000,
          shares: [
            { campaign_id: "camp-b", buyer_id: "buyer-b", buyer_price_cents: 3_000, buyer_lead_id: "B-9" },
            { campaign_id: "camp-c", buyer_id: "buyer-c", buyer_price_cents: 1_234 },
          ],
        });
        await store.saveLead(shared, []);
        await store.saveLead(lead("l-x", "p-x", { created_at: T0 + 5 }), []);
        assert.deepEqual(await store.getLead("l-s"), shared);
        assert.deepEqual(
          (await store.listLeads({ limit: 10 })).find((l) => l.id === "l-s"),
          shared,
        );
        const sales = (await store.salesSince(T0)).map((s) => [
          s.campaign_id,
          s.buyer_id,
          s.buyer_price_cents,
        ]);
        assert.deepEqual(
          sales.sort(),
          [
            ["camp-a", "buyer-a", 4_000],
            ["camp-a", "buyer-a", 5_000],
            ["camp-b", "buyer-b", 3_000],
            ["camp-c", "buyer-c", 1_234],
          ].sort(),
        );
        assert.ok((await store.salesSince(T0)).every((s) => s.source_id === "src-1" && s.created_at >= T0));
        const spend = Object.fromEntries((await store.spendTotals()).map((row) => [row.buyer_id, row.cents]));
        assert.deepEqual(spend, { "buyer-a": 9_000, "buyer-b": 3_000, "buyer-c": 1_234 });
        assert.deepEqual(await store.spendTotals("buyer-c"), [{ buyer_id: "buyer-c", cents: 1_234 }]);
        assert.deepEqual(await store.salesSince(T0 + 10), []);
      });

      test("a second lead for the same auction is refused, and none of its outcomes are kept", async () => {
        const first = lead("l-1", "p-1");
        await store.saveLead(first, [outcome("p-1", "post", "post_accepted", T0)]);
        await assert.rejects(
          store.saveLead(lead("l-2", "p-1"), [outcome("p-1", "post", "post_rejected", T0 + 1)]),
        );
        assert.deepEqual(await store.getLeadByAuction("p-1"), first);
        assert.equal(await store.getLead("l-2"), undefined);
        assert.deepEqual(
          (await store.getOutcomes("p-1")).map((o) => o.reason),
          ["post_accepted"],
        );
      });

      test("sales written at once (SQLite commits them as a group) are each durable, and a refused one fails alone", async () => {
        await store.saveLead(lead("l-0", "p-0"), []);
        // Twenty sales in flight together, one of them reusing a sold auction: group commit must roll back only it.
        const writes = Array.from({ length: 20 }, (_, i) =>
          i === 7
            ? store.saveLead(lead("l-dup", "p-0"), [outcome("p-0", "post", "post_rejected", T0 + 1)])
            : store.saveLead(lead(`l-g${i}`, `p-g${i}`), [outcome(`p-g${i}`, "post", "post_accepted", T0)]),
        );
        const settled = await Promise.allSettled(writes);
        assert.deepEqual(
          settled.map((result) => result.status),
          settled.map((_, i) => (i === 7 ? "rejected" : "fulfilled")),
        );
        // Read back on a new connection: what was answered is committed.
        const again = await reopen();
        for (let i = 0; i < 20; i++) {
          if (i === 7) continue;
          assert.equal((await again.getLeadByAuction(`p-g${i}`))?.id, `l-g${i}`);
          assert.deepEqual(
            (await again.getOutcomes(`p-g${i}`)).map((o) => o.reason),
            ["post_accepted"],
          );
        }
        assert.equal(await again.getLead("l-dup"), undefined);
        assert.deepEqual(await again.getOutcomes("p-0"), []);
      });

      // SQLite only: PostgreSQL runs writes in flight on connections of their own, in no order among them.
      const oneWriter = impl.name === "SqliteStore";
      test("ping events, sales and configuration written at once (SQLite: one group) keep their order, each its own answer", {
        skip: !oneWriter && "one writer only",
      }, async () => {
        // Issued in one tick: the SQLite writer sends them as one message and commits them as one group, synced
        // because sales are in it; the refused sale fails alone and the two writes of one key land in issue order.
        const first: Source = { ...source, name: "first" };
        const second: Source = { ...source, name: "second" };
        const writes = [
          store.appendAuctionEvents([ping("p-a")], [outcome("p-a", "ping", "won", T0)]),
          store.saveLead(lead("l-a", "p-a"), [outcome("p-a", "post", "post_accepted", T0 + 1)]),
          store.putConfig("source", first),
          store.appendAuctionEvents([ping("p-a", { price_cents: 1 }), ping("p-b")], []),
          store.saveLead(lead("l-a", "p-b"), []),
          store.putConfig("source", second),
        ];
        const settled = await Promise.allSettled(writes);
        assert.deepEqual(
          settled.map((result) => result.status),
          ["fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled"],
        );
        const again = await reopen();
        assert.deepEqual(await again.getPing("p-a"), ping("p-a"));
        assert.ok(await again.getPing("p-b"));
        assert.equal((await again.getLeadByAuction("p-a"))?.id, "l-a");
        assert.equal(await again.getLeadByAuction("p-b"), undefined);
        assert.deepEqual(
          (await again.getOutcomes("p-a")).map((o) => o.reason),
          ["won", "post_accepted"],
        );
        assert.deepEqual(
          (await again.loadConfig()).sources.map((s) => s.name),
          ["second"],
        );
      });

      test("a second lead with the same id is refused", async () => {
        await store.saveLead(lead("l-1", "p-1"), []);
        await assert.rejects(store.saveLead(lead("l-1", "p-2"), []));
        assert.equal(await store.getLeadByAuction("p-2"), undefined);
      });

      test("random (v4) ids stored before time-ordered (v7) ones: each found, traced and paged as before", async () => {
        const ids = new TimeOrderedIds({ clock: () => T0 + 20 });
        // Ids from before the change, one that sorts above every v7 id and one below; then two v7 ids.
        const auctions = ["f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b", "00b1c2d4-5b6e-4f70-9a9b-0c1d2e3f4a5b"];
        const leadIds = ["e2a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b", "01a1c2d4-5b6e-4f70-ba9b-0c1d2e3f4a5b"];
        auctions.push(ids.next(), ids.next());
        leadIds.push(ids.next(), ids.next());
        await store.appendAuctionEvents(
          auctions.map((id) => ping(id, { created_at: T0 + 20 })),
          auctions.map((id) => outcome(id, "ping", "won", T0 + 20)),
        );
        for (const [i, id] of leadIds.entries())
          await store.saveLead(lead(id, auctions[i]!, { created_at: T0 + 20 }), []);
        for (const [i, id] of auctions.entries()) {
          assert.equal((await store.getPing(id))?.id, id);
          assert.deepEqual(await store.getOutcomes(id), [outcome(id, "ping", "won", T0 + 20)]);
          assert.equal((await store.getLeadByAuction(id))?.id, leadIds[i]);
        }
        // One timestamp: the ids break the tie, byte-wise, old and new alike; a page at a time visits each once.
        const seen: string[] = [];
        let before: string | undefined;
        for (let page = 0; page < 10; page++) {
          const rows = await store.listLeads({ limit: 1, ...(before ? { before } : {}) });
          if (rows.length === 0) break;
          seen.push(rows[0]!.id);
          before = rows[0]!.id;
        }
        assert.deepEqual(seen, [...leadIds].sort().reverse());
      });

      describe("listLeads", () => {
        // Newest first; l-3 and l-4 share a timestamp, so the id breaks the tie.
        const leads = [
          lead("l-1", "p-1", { created_at: T0 + 1, source_id: "src-1", status: "sold" }),
          lead("l-2", "p-2", { created_at: T0 + 2, source_id: "src-2", status: "unsold", price_cents: 0 }),
          lead("l-3", "p-3", { created_at: T0 + 3, source_id: "src-1", status: "unsold", price_cents: 0 }),
          lead("l-4", "p-4", { created_at: T0 + 3, source_id: "src-2", status: "sold" }),
          lead("l-5", "p-5", { created_at: T0 + 5, source_id: "src-1", status: "sold" }),
        ];
        const idsOf = (list: LeadRecord[]) => list.map((l) => l.id);

        beforeEach(async () => {
          for (const l of [leads[2]!, leads[0]!, leads[4]!, leads[1]!, leads[3]!])
            await store.saveLead(l, []);
        });

        test("newest first, limited", async () => {
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10 })), ["l-5", "l-4", "l-3", "l-2", "l-1"]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 2 })), ["l-5", "l-4"]);
          assert.deepEqual(await store.listLeads({ limit: 1 }), [leads[4]]);
        });

        test("paging with `before` visits every lead once, across equal timestamps", async () => {
          const seen: string[] = [];
          let before: string | undefined;
          for (let page = 0; page < 10; page++) {
            const rows = await store.listLeads({ limit: 2, ...(before ? { before } : {}) });
            if (rows.length === 0) break;
            seen.push(...idsOf(rows));
            before = rows.at(-1)!.id;
          }
          assert.deepEqual(seen, ["l-5", "l-4", "l-3", "l-2", "l-1"]);
        });

        test("equal timestamps order ids byte-wise (as SQLite does), whatever the database's collation", async () => {
          const at = T0 + 10;
          for (const id of ["l-a", "L-b", "l-B"])
            await store.saveLead(lead(id, `a-${id}`, { created_at: at }), []);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 3 })), ["l-a", "l-B", "L-b"]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 2, before: "l-B" })), ["L-b", "l-5"]);
        });

        test("filters by source and status, also while paging", async () => {
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10, source_id: "src-1" })), [
            "l-5",
            "l-3",
            "l-1",
          ]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10, status: "unsold" })), ["l-3", "l-2"]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10, source_id: "src-2", status: "sold" })), [
            "l-4",
          ]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10, source_id: "src-1", before: "l-5" })), [
            "l-3",
            "l-1",
          ]);
          assert.deepEqual(idsOf(await store.listLeads({ limit: 10, status: "sold", before: "l-4" })), [
            "l-1",
          ]);
        });
      });
    });

    describe("heldPings", () => {
      test("only unexpired bid pings of kind ping that have no lead", async () => {
        const now = T0 + 10_000;
        await store.appendAuctionEvents(
          [
            ping("held", { expires_at: now + 1 }),
            ping("held-2", { expires_at: now + 60_000 }),
            ping("expired", { expires_at: now - 1 }),
            ping("expires-now", { expires_at: now }),
            ping("no-bid", { status: "no_bid", price_cents: 0, bids: [] }),
            ping("direct", { kind: "direct" }),
            ping("posted"),
          ],
          [],
        );
        await store.saveLead(lead("l-1", "posted"), []);
        const held = await store.heldPings(now);
        assert.deepEqual(held.map((p) => p.id).sort(), ["held", "held-2"]);
        assert.deepEqual(
          held.find((p) => p.id === "held"),
          ping("held", { expires_at: now + 1 }),
        );
        assert.deepEqual(await store.heldPings(now + 60_000), []);
      });
    });

    describe("durability", () => {
      test("everything survives closing and reopening", async () => {
        const p = ping("p-1", { sub_id: "s" });
        const o = outcome("p-1", "ping", "won", T0);
        const l = lead("l-1", "p-1");
        await store.putConfig("campaign", campaign);
        await store.putSettings({ hold_s: 30 });
        await store.appendAuctionEvents([p, ping("p-2")], [o]);
        await store.saveLead(l, [outcome("p-1", "post", "post_accepted", T0 + 1)]);
        await store.close();
        await store.close(); // closing twice is harmless

        const reopened = await reopen();
        const config = await reopened.loadConfig();
        assert.deepEqual(config.campaigns, [campaign]);
        assert.deepEqual(config.settings, { hold_s: 30 });
        assert.deepEqual(await reopened.getPing("p-1"), p);
        assert.deepEqual(await reopened.getLead("l-1"), l);
        assert.deepEqual(
          (await reopened.getOutcomes("p-1")).map((x) => x.reason),
          ["won", "post_accepted"],
        );
        assert.deepEqual(
          (await reopened.heldPings(T0)).map((x) => x.id),
          ["p-2"],
        );
      });
    });
  });
}
