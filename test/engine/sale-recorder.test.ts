// The sale recorder against a real SQLite store whose saveLead can be made to fail (the database away) or to lose its
// reply after committing (a connection cut mid-commit): a sale a buyer accepted is written exactly once, however
// many callers ask for it at the same moment.
// Backend-independent: it builds its own SqliteStore whatever GAVEL_TEST_BACKEND says: on the distributed run it would
// be the same test again.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import pino from "pino";
import type { LeadRecord } from "../../src/domain/records.ts";
import { type Sale, SaleRecorder } from "../../src/engine/sale-recorder.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const sale = (auctionId: string): Sale => ({
  lead: {
    id: `lead-${auctionId}`,
    auction_id: auctionId,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    consent: {},
    test: false,
    status: "sold",
    price_cents: 2500,
    buyer_price_cents: 4000,
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    created_at: 1_700_000_000_000,
  } satisfies LeadRecord,
  outcomes: [],
  outbox: [],
});

/** A real store whose saveLead fails while `down`, or commits and then throws while `loseReply`. */
function flakyStore(store: SqliteStore) {
  const state = { down: false, loseReply: false, saveCalls: 0 };
  const saveLead: SqliteStore["saveLead"] = async (...args) => {
    state.saveCalls++;
    if (state.down) throw new ServiceUnavailableError("the store is away");
    // Gives concurrent callers time to overlap, as a real network round trip would.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.saveLead(...args);
    if (state.loseReply) throw new ServiceUnavailableError("the reply to COMMIT was lost");
  };
  const flaky = new Proxy(store, {
    get(target, property) {
      if (property === "saveLead") return saveLead;
      const value = Reflect.get(target, property);
      // The store's methods use private fields, so they must run on the store itself, not the proxy.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { state, store: flaky };
}

describe("SaleRecorder", () => {
  let dir: string;
  let store: SqliteStore;
  let saved: string[];
  let recorders: SaleRecorder[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "gavel-sales-"));
    store = new SqliteStore(dir);
    await store.migrate();
    saved = [];
    recorders = [];
  });
  afterEach(async () => {
    // Stops any background retry, also when a test failed before its own close().
    for (const sales of recorders) await sales.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const recorder = (flaky: ReturnType<typeof flakyStore>) => {
    const sales = new SaleRecorder({
      store: flaky.store,
      log: pino({ level: "silent" }),
      onSaved: (s) => saved.push(s.lead.auction_id),
    });
    recorders.push(sales);
    return sales;
  };

  test("an unsaved sale asked for by several retries at once is written once, and all of them succeed", async () => {
    const flaky = flakyStore(store);
    const sales = recorder(flaky);
    flaky.state.down = true;
    await assert.rejects(sales.save(sale("a1")), ServiceUnavailableError);
    assert.ok(sales.unsaved("a1"), "kept for the retry");
    flaky.state.down = false;
    const pending = sales.unsaved("a1")!;
    // Three source retries arriving together (the background retry would be a fourth).
    await Promise.all([sales.save(pending), sales.save(pending), sales.save(pending)]);
    assert.equal(flaky.state.saveCalls, 2, "one failed write, then exactly one more");
    assert.equal((await store.getLeadByAuction("a1"))?.id, "lead-a1");
    assert.equal(sales.unsaved("a1"), undefined);
    assert.deepEqual(saved, ["a1"]);
  });

  test("a write that committed but lost its reply is not written again on retry", async () => {
    const flaky = flakyStore(store);
    const sales = recorder(flaky);
    flaky.state.loseReply = true;
    await assert.rejects(sales.save(sale("a2")), ServiceUnavailableError);
    flaky.state.loseReply = false;
    await sales.save(sales.unsaved("a2")!);
    assert.equal(flaky.state.saveCalls, 1, "the retry found the committed lead and did not insert it again");
    assert.deepEqual(saved, ["a2"]);
  });

  test("the background retry writes what the store refused once it is back", async () => {
    const flaky = flakyStore(store);
    const sales = recorder(flaky);
    flaky.state.down = true;
    await assert.rejects(sales.save(sale("a3")));
    flaky.state.down = false;
    const deadline = Date.now() + 5_000;
    while (sales.unsaved("a3") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.equal(sales.unsaved("a3"), undefined, "written by the background retry");
    assert.equal((await store.getLeadByAuction("a3"))?.id, "lead-a3");
  });
});
