// Suppression lists over every Store implementation: idempotent batch adds, removes, counts, a start-up load, and
// entries that survive reopening the database. Only hashes are stored; the engine suite checks no clear value is.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import pg from "pg";
import { Suppressions } from "../../src/compliance/suppression/suppressions.ts";
import type { Store, SuppressionEntry, SuppressionHash } from "../../src/store/store.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const email = (text: string): SuppressionHash => ({ kind: "email", sha256: sha(text) });
const phone = (digits: string): SuppressionHash => ({ kind: "phone", sha256: sha(digits) });

/**
 * How long a 100,000-hash batch may take on a machine to ourselves (stretched by cpuSlowdown on a loaded one). It was
 * 10 s of wall time before the stretch; the batch takes under 1 s unloaded, and a statement per hash on PostgreSQL
 * (100,000 round trips) over 40 s at load ~15.
 */
const QUICK_WRITE_MS = 5_000;

/**
 * Awaits `work` while measuring how many times longer than its own CPU time a CPU-bound piece of work takes in wall
 * time meanwhile: about 1 on a machine to ourselves, the share of a core we get on a loaded one (at least 1). The
 * probe hashes in slices of ~5 ms on this thread (idle while the write runs on the store's writer thread or the
 * database server), yielding between them, for as long as the work runs: so the stretch is the load during the write
 * itself, not a sample taken before or after it (a quiet moment before a busy write understated it, and the bound
 * failed at load ~20).
 */
async function withSlowdown<T>(work: Promise<T>): Promise<{ result: T; slowdown: number }> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  done.catch(() => {}); // awaited below, after the probe: a rejection meanwhile is not unhandled
  let wallMs = 0;
  let cpuMs = 0;
  let digest = "";
  do {
    const wallStarted = performance.now();
    const cpuStarted = process.threadCpuUsage();
    for (let i = 0; i < 2_000; i++) digest = sha(`${digest}${i}`);
    const cpu = process.threadCpuUsage(cpuStarted);
    wallMs += performance.now() - wallStarted;
    cpuMs += (cpu.user + cpu.system) / 1000;
    await new Promise((resolve) => setImmediate(resolve));
  } while (!settled);
  return { result: await done, slowdown: Math.max(1, wallMs / Math.max(cpuMs, 1)) };
}

/**
 * Counts the statements this process sends PostgreSQL while `work` runs (every query of the pg driver goes through
 * Client#query, the pool's too): a batch written as one statement sends a handful, a statement per hash 100,000.
 */
async function countingPostgresStatements<T>(
  work: () => Promise<T>,
): Promise<{ result: T; statements: number }> {
  const query = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { result: await work(), statements };
  } finally {
    pg.Client.prototype.query = query;
  }
}

for (const impl of STORES) {
  describe(`${impl.name} suppression lists`, () => {
    let store: Store;
    const { reopen } = freshStoreEach(impl, (opened) => {
      store = opened;
    });

    test("adding is idempotent, per list, and says how many were new", async () => {
      assert.equal(await store.addSuppressions("global", [email("a@x.com"), phone("2125550147")]), 2);
      assert.equal(await store.addSuppressions("global", [email("a@x.com"), email("b@x.com")]), 1);
      assert.equal(await store.addSuppressions("buyer-a", [email("a@x.com")]), 1);
      assert.equal(await store.addSuppressions("buyer-a", []), 0);
      assert.equal(await store.countSuppressions("global"), 3);
      assert.equal(await store.countSuppressions("buyer-a"), 1);
      assert.equal(await store.countSuppressions("buyer-b"), 0);
    });

    test("a hash repeated within one batch is stored once", async () => {
      assert.equal(await store.addSuppressions("global", [email("a@x.com"), email("a@x.com")]), 1);
      assert.equal(await store.countSuppressions("global"), 1);
    });

    test("removing takes hashes off one list only and says how many were there", async () => {
      await store.addSuppressions("global", [email("a@x.com"), phone("2125550147")]);
      await store.addSuppressions("buyer-a", [email("a@x.com")]);
      assert.equal(await store.removeSuppressions("global", [email("a@x.com"), email("never@x.com")]), 1);
      assert.equal(await store.removeSuppressions("global", []), 0);
      assert.equal(await store.countSuppressions("global"), 1);
      assert.equal(await store.countSuppressions("buyer-a"), 1);
    });

    test("loading returns every entry of every list, also after reopening", async () => {
      await store.addSuppressions("global", [email("a@x.com")]);
      await store.addSuppressions("buyer-a", [phone("2125550147")]);
      const other = await reopen();
      const sort = (entries: SuppressionEntry[]) =>
        [...entries].sort((a, b) => `${a.list_id}${a.sha256}`.localeCompare(`${b.list_id}${b.sha256}`));
      assert.deepEqual(
        sort((await other.loadSuppressions()).map((e) => ({ ...e }))),
        sort([
          { list_id: "buyer-a", kind: "phone", sha256: sha("2125550147") },
          { list_id: "global", kind: "email", sha256: sha("a@x.com") },
        ]),
      );
    });

    test("another instance's change reaches this instance's index (where the store can watch)", async (t) => {
      const here = await Suppressions.open(store);
      const otherStore = await reopen();
      if (!otherStore.watchConfig) return t.skip("one process owns this store");
      const there = await Suppressions.open(otherStore);
      // Every list read from here on: a small change must arrive with its hashes, not as a read of the list.
      const reads: (string | undefined)[] = [];
      const load = otherStore.loadSuppressions.bind(otherStore);
      otherStore.loadSuppressions = (listId?: string) => {
        reads.push(listId);
        return load(listId);
      };
      const stop = await otherStore.watchConfig((change) => {
        if (change?.topic === "suppressions") void there.hear(change);
      });
      const until = async (what: string, done: () => boolean) => {
        const deadline = Date.now() + 3000;
        while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(done(), `the other instance never saw ${what}`);
      };
      try {
        await here.add("buyer-a", [phone("2125550147")]);
        await until("the addition", () => there.index.has("buyer-a", sha("2125550147")));
        await here.remove("buyer-a", [phone("2125550147")]);
        await until("the removal", () => !there.index.has("buyer-a", sha("2125550147")));
        assert.deepEqual(reads, [], "one-hash changes carry their hash: no list was read");

        // Too many hashes to announce: that list, and only it, is read again.
        const many = Array.from({ length: 200 }, (_, n) => email(`bulk${n}@x.com`));
        await here.add("buyer-b", many);
        await until("the bulk addition", () => there.index.size("buyer-b") === 200);
        assert.deepEqual(reads, ["buyer-b"]);
      } finally {
        await stop();
      }
    });

    test("the instance that made a change does not read its own list back (where the store can watch)", async (t) => {
      const here = await Suppressions.open(store);
      const otherStore = await reopen();
      if (!store.watchConfig || !otherStore.watchConfig) return t.skip("one process owns this store");
      const there = await Suppressions.open(otherStore);
      // The lists this instance reads from here on: its own bulk addition must not be one of them.
      const reads: (string | undefined)[] = [];
      const load = store.loadSuppressions.bind(store);
      store.loadSuppressions = (listId?: string) => {
        reads.push(listId);
        return load(listId);
      };
      const heardHere: string[] = [];
      const stopHere = await store.watchConfig((change) => {
        heardHere.push(change?.topic ?? "everything");
        if (change?.topic === "suppressions") void here.hear(change);
      });
      const stopThere = await otherStore.watchConfig((change) => {
        if (change?.topic === "suppressions") void there.hear(change);
      });
      const until = async (what: string, done: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.ok(done(), `never saw ${what}`);
      };
      try {
        const many = Array.from({ length: 200 }, (_, n) => email(`bulk${n}@x.com`));
        await here.add("buyer-b", many);
        assert.equal(here.index.size("buyer-b"), 200, "this instance's index took the change as it wrote it");
        await until("the bulk addition on the other instance", () => there.index.size("buyer-b") === 200);
        // A later announcement from the other instance: heard here only after the addition's (in commit order).
        await otherStore.notifyConfigChanged?.({ topic: "funds" });
        await until("the other instance's announcement here", () => heardHere.includes("funds"));
        assert.deepEqual(heardHere, ["funds"], "its own suppression change is not heard back");
        assert.deepEqual(reads, [], "no list was read back");
      } finally {
        await stopHere();
        await stopThere();
      }
    });

    test("one list is read again on its own: the others stay as the index holds them", async () => {
      await store.addSuppressions("buyer-a", [phone("2125550147")]);
      await store.addSuppressions("buyer-b", [email("b@x.com")]);
      const index = await Suppressions.open(store);
      assert.deepEqual(
        (await store.loadSuppressions("buyer-b")).map((entry) => entry.list_id),
        ["buyer-b"],
      );
      // Written behind the index's back, as another instance would: only a reload of that list shows them.
      await store.addSuppressions("buyer-a", [phone("2125550148")]);
      await store.removeSuppressions("buyer-b", [email("b@x.com")]);
      await index.reload("buyer-b");
      assert.equal(index.index.has("buyer-b", sha("b@x.com")), false, "buyer-b read again");
      assert.equal(index.index.has("buyer-a", sha("2125550148")), false, "buyer-a not read");
      assert.equal(index.index.has("buyer-a", sha("2125550147")), true, "buyer-a kept");
      await index.reload("buyer-a");
      assert.equal(index.index.has("buyer-a", sha("2125550148")), true);
    });

    test("a 100,000-hash batch is one quick write", async (t) => {
      const hashes = Array.from({ length: 100_000 }, (_, i) => email(`person${i}@example.com`));
      // The bound is for a machine to ourselves: on a loaded one (load ~20 on 2 cores) the same write takes
      // several times as long, so the bound is stretched by how much slower CPU work runs during the write. A write
      // per hash (100,000 round trips) stays far past it either way.
      // On PostgreSQL, where each statement is a round trip, their number is counted too: that holds at any load.
      const started = performance.now();
      const { result, statements } = await countingPostgresStatements(() =>
        withSlowdown(store.addSuppressions("global", hashes)),
      );
      const { result: added, slowdown } = result;
      const elapsedMs = performance.now() - started;
      if (impl.name === "PostgresStore") assert.ok(statements <= 5, `${statements} statements for one batch`);
      assert.equal(added, 100_000);
      assert.equal(await store.countSuppressions("global"), 100_000);
      const boundMs = QUICK_WRITE_MS * slowdown;
      const took = `took ${elapsedMs.toFixed(0)} ms, bound ${boundMs.toFixed(0)} ms (${QUICK_WRITE_MS} ms × slowdown ${slowdown.toFixed(1)})`;
      assert.ok(elapsedMs < boundMs, took);
      t.diagnostic(impl.name === "PostgresStore" ? `${took}; ${statements} statements` : took);
      assert.equal((await store.loadSuppressions()).length, 100_000);
    });
  });
}
