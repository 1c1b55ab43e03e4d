// Outbox workers on one real store of each kind, sending to a real HTTP receiver: two instances and overlapping drains
// send each item once; a result the store refused at first is recorded before the lease lapses, so the next claim finds
// nothing to send again; a result recorded after another claim took the item over changes nothing. Only a worker that
// could not record its result within the lease leaves the item to be sent again (at least once, never lost).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import pino from "pino";
import { BuyerHttpClient } from "../../src/buyers/buyer-http-client.ts";
import type { OutboxItem } from "../../src/domain/records.ts";
import { OutboxWorker } from "../../src/engine/outbox-worker.ts";
import type { Store } from "../../src/store/store.ts";
import { PostbackReceiver } from "../helpers/postback-receiver.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const T0 = 1_750_000_000_000;
const LEASE_MS = 30_000;

/**
 * The store with each result write (settleOutbox) going first through `before`, which may refuse it the way a store
 * under load does (pg's pool: "timeout exceeded when trying to connect") or let another worker act meanwhile.
 */
function withSettleHook(store: Store, before: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === "settleOutbox") {
        return async (...args: Parameters<Store["settleOutbox"]>) => {
          await before();
          return target.settleOutbox(...args);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function refusedAtConnect(): never {
  throw new Error("timeout exceeded when trying to connect");
}

for (const implementation of STORES) {
  describe(`outbox workers on ${implementation.name}`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(implementation, (opened) => {
      store = opened;
    });
    let receiver: PostbackReceiver;
    let client: BuyerHttpClient;

    beforeEach(async () => {
      receiver = new PostbackReceiver();
      await receiver.start();
      client = new BuyerHttpClient({ maxResponseBytes: 1024 });
    });

    afterEach(async () => {
      await client.close();
      await receiver.stop();
    });

    const postback = (id: string): OutboxItem => ({
      id,
      kind: "source_postback",
      owner_id: "src-1",
      url: receiver.url,
      body: { event: "lead.sold", lead_id: id },
      // The receiver runs in this process: on the loaded machine it may read a request seconds late, and an attempt
      // timed out would rightly be sent again. These tests are about claims and results, not late receivers.
      timeout_ms: 20_000,
      status: "pending",
      attempts: 0,
      run_at: T0,
      created_at: T0,
    });

    const worker = (on: Store, now: () => number) =>
      new OutboxWorker({ store: on, client, log: pino({ level: "silent" }), now });

    const sentIds = () => receiver.received.map((body) => String(body.lead_id));

    test("two instances and overlapping drains of one send every item once", async () => {
      const ids = Array.from({ length: 60 }, (_, i) => `m${String(i).padStart(2, "0")}`);
      await store.enqueueOutbox(ids.map(postback));
      const a = worker(store, () => T0);
      const b = worker(await reopen(), () => T0);

      const attempted = await Promise.all([a.drain(), a.drain(), b.drain(), b.drain()]);

      assert.equal(
        attempted.reduce((sum, n) => sum + n, 0),
        60,
      );
      assert.deepEqual(sentIds().sort(), ids);
      const items = await store.listOutbox({ limit: 100 });
      assert.deepEqual(
        items.filter((item) => item.status !== "done" || item.attempts !== 1),
        [],
        "each done after one attempt",
      );
    });

    test("a result the store refused at first is recorded before the lease lapses: the next claim finds nothing", async () => {
      await store.enqueueOutbox([postback("m")]);
      let refusals = 2;
      const a = worker(
        withSettleHook(store, async () => {
          if (refusals-- > 0) refusedAtConnect();
        }),
        () => T0,
      );
      assert.equal(await a.drain(), 1);
      assert.equal(refusals, -1, "recorded at the third try");

      // Another instance, once A's lease would have lapsed.
      const b = worker(await reopen(), () => T0 + LEASE_MS + 1_000);
      assert.equal(await b.drain(), 0);

      assert.deepEqual(sentIds(), ["m"]);
      const [item] = await store.listOutbox({ limit: 10 });
      assert.deepEqual([item!.status, item!.attempts], ["done", 1]);
    });

    test("a store that stays down past the lease: the worker gives up, and the next claim sends the item again", async () => {
      await store.enqueueOutbox([postback("m")]);
      let clock = T0;
      let refusals = 0;
      const a = worker(
        withSettleHook(store, async () => {
          refusals++;
          // Each refusal takes long on this clock: after three, too little of the lease is left for another try.
          clock += 9_999;
          refusedAtConnect();
        }),
        () => clock,
      );
      assert.equal(await a.drain(), 1);
      assert.equal(refusals, 3, "tried while the lease held, then gave up");

      const b = worker(await reopen(), () => T0 + LEASE_MS + 1_000);
      assert.equal(await b.drain(), 1, "at least once: the lapsed item is due again");

      assert.deepEqual(sentIds(), ["m", "m"]);
      const [item] = await store.listOutbox({ limit: 10 });
      assert.deepEqual([item!.status, item!.attempts], ["done", 2]);
    });

    test("a worker whose lease lapsed mid-send does not undo the result of the claim that took over", async () => {
      await store.enqueueOutbox([postback("m")]);
      receiver.plan(500); // A's attempt fails; it will ask for a retry
      const other = await reopen();
      let takenOver = false;
      const a = worker(
        withSettleHook(store, async () => {
          if (takenOver) return;
          takenOver = true;
          // Before A records its failure, its lease lapses and B claims the item, sends it and records it done.
          assert.equal(await worker(other, () => T0 + LEASE_MS).drain(), 1);
        }),
        () => T0,
      );

      assert.equal(await a.drain(), 1);

      const [item] = await store.listOutbox({ limit: 10 });
      assert.deepEqual([item!.status, item!.attempts, item!.last_error], ["done", 2, undefined]);
      assert.equal(await worker(other, () => T0 + 3_600_000).drain(), 0, "nothing left to send");
      assert.deepEqual(sentIds(), ["m", "m"]);
    });
  });
}
