// One suite over every DuplicateWindows: the memory default and Redis (GAVEL_TEST_REDIS_URL, which must be up).
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { DuplicateWindows } from "../../../src/state/duplicates/duplicate-windows.ts";
import { MemoryDuplicateWindows } from "../../../src/state/duplicates/memory-duplicate-windows.ts";
import { RedisDuplicateWindows } from "../../../src/state/duplicates/redis-duplicate-windows.ts";
import { deleteKeysWithPrefix, testRunPrefix } from "../../store/redis-test-helpers.ts";
import { type CounterImplementation, connectTestRedis } from "../counters/counter-implementations.ts";

const prefix = testRunPrefix("duplicates");
let namespaces = 0;

const IMPLEMENTATIONS: CounterImplementation<DuplicateWindows>[] = [
  { name: "MemoryDuplicateWindows", create: async () => new MemoryDuplicateWindows() },
  {
    name: "RedisDuplicateWindows",
    create: () =>
      connectTestRedis((options) =>
        RedisDuplicateWindows.connect({ ...options, keyPrefix: `${prefix}:${++namespaces}` }),
      ),
    cleanup: () => deleteKeysWithPrefix(prefix),
  },
];

const EMAIL = `v:auto:email:${"a".repeat(64)}`;
const PHONE = `v:auto:phone:${"b".repeat(64)}`;

for (const impl of IMPLEMENTATIONS) {
  describe(impl.name, () => {
    let windows: DuplicateWindows;

    beforeEach(async () => {
      windows = await impl.create();
    });

    afterEach(async () => {
      await windows.close();
    });

    after(async () => {
      await impl.cleanup?.();
    });

    test("seen answers the first remembered key, in the order asked", async () => {
      assert.equal(await windows.seen([EMAIL, PHONE]), undefined);
      assert.equal(await windows.seen([]), undefined);
      await windows.remember([PHONE], 60_000);
      assert.equal(await windows.seen([EMAIL, PHONE]), PHONE);
      await windows.remember([EMAIL, PHONE], 60_000);
      assert.equal(await windows.seen([EMAIL, PHONE]), EMAIL);
      assert.equal(await windows.seen([`b:alpha:email:${"a".repeat(64)}`]), undefined, "scopes are apart");
    });

    test("seenEach answers each group's first remembered key, groups apart, in one call", async () => {
      const other = `b:beta:email:${"c".repeat(64)}`;
      assert.deepEqual(await windows.seenEach([]), []);
      assert.deepEqual(await windows.seenEach([[EMAIL, PHONE], [], [other]]), [
        undefined,
        undefined,
        undefined,
      ]);
      await windows.remember([PHONE, other], 60_000);
      assert.deepEqual(await windows.seenEach([[EMAIL, PHONE], [EMAIL], [], [other, PHONE]]), [
        PHONE,
        undefined,
        undefined,
        other,
      ]);
    });

    test("seenEach over thousands of buyers finds the one that saw the consumer, wherever it is", async () => {
      // The Redis script first asks about every key at once, in slices of a thousand (Lua's unpack() is bounded).
      const groups = Array.from({ length: 4500 }, (_, n) => [
        `b:buyer${n}:email:${"a".repeat(64)}`,
        `b:buyer${n}:phone:${"b".repeat(64)}`,
      ]);
      assert.ok((await windows.seenEach(groups)).every((seen) => seen === undefined));
      const late = groups[4400]![1]!;
      await windows.remember([late], 60_000);
      const seen = await windows.seenEach(groups);
      assert.equal(seen[4400], late);
      assert.equal(seen.filter((key) => key !== undefined).length, 1);
    });

    test("seenAny reads scope + hash as the key seenEach reads, engine keys or not, windows short or long", async () => {
      const a = "a".repeat(64);
      const b = "b".repeat(64);
      const c = "c".repeat(64);
      const groups = [
        { scopes: ["v:auto:email:", "v:auto:phone:"], hashes: [a, b] },
        { scopes: ["b:alpha:email:", "b:alpha:phone:"], hashes: [a, b] },
        { scopes: ["b:beta:phone:"], hashes: [b] },
        { scopes: [], hashes: [] },
        // Not an engine key (no ":" before the hash; a hash that is not one): read as their text.
        { scopes: ["odd", "b:beta:email:"], hashes: [c, "NOT-A-HASH"] },
        // Remembered for under a minute (kept apart from the long windows in memory).
        { scopes: ["r:src-1:"], hashes: [c] },
      ];
      const texts = groups.map((group) => group.scopes.map((scope, index) => scope + group.hashes[index]));
      assert.deepEqual(await windows.seenAny([]), []);
      assert.deepEqual(await windows.seenAny(groups), [false, false, false, false, false, false]);
      await windows.remember([PHONE, `b:beta:phone:${b}`, `odd${c}`], 60_000);
      await windows.remember([`r:src-1:${c}`], 5_000);
      const expected = (await windows.seenEach(texts)).map((key) => key !== undefined);
      assert.deepEqual(expected, [true, false, true, false, true, true]);
      assert.deepEqual(await windows.seenAny(groups), expected);
      // Hashes read in another order, and more than two of them, are each still matched to their own.
      assert.deepEqual(
        await windows.seenAny([
          { scopes: ["b:beta:phone:"], hashes: [c] },
          { scopes: ["b:beta:phone:"], hashes: [a] },
          { scopes: ["v:auto:email:", "v:auto:phone:"], hashes: [c, b] },
          { scopes: ["b:beta:phone:"], hashes: [b] },
        ]),
        [false, false, true, true],
      );
    });

    test("rememberEach gives each group its own window; a key in two groups keeps the longer", async () => {
      const buyer = `b:alpha:phone:${"b".repeat(64)}`;
      await windows.rememberEach([
        { keys: [EMAIL, PHONE], ttlMs: 80 },
        { keys: [], ttlMs: 80 },
        { keys: [buyer, PHONE], ttlMs: 60_000 },
      ]);
      await windows.rememberEach([]);
      assert.deepEqual(await windows.seenEach([[EMAIL], [PHONE], [buyer]]), [EMAIL, PHONE, buyer]);
      await sleep(200);
      assert.deepEqual(await windows.seenEach([[EMAIL], [PHONE], [buyer]]), [undefined, PHONE, buyer]);
      await assert.rejects(windows.rememberEach([{ keys: [EMAIL], ttlMs: 0 }]), TypeError);
    });

    test("a key leaves its window after its TTL; remembering again never shortens it", async () => {
      await windows.remember([EMAIL], 80);
      await windows.remember([PHONE], 60_000);
      await windows.remember([PHONE], 80);
      assert.equal(await windows.seen([EMAIL]), EMAIL);
      await sleep(200);
      assert.equal(await windows.seen([EMAIL]), undefined);
      assert.equal(await windows.seen([EMAIL, PHONE]), PHONE);
    });

    test("firstSeen: of 50 concurrent callers exactly one is first; again after the window", async () => {
      const key = `r:src-1:${"c".repeat(64)}`;
      const results = await Promise.all(Array.from({ length: 50 }, () => windows.firstSeen(key, 150)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await windows.seen([key]), key);
      await sleep(300);
      assert.equal(await windows.firstSeen(key, 150), true);
    });

    test("forget takes a mark back, in a long window (the memory key table) and a short one", async () => {
      for (const [key, ttlMs] of [
        [`r:src-1:${"d".repeat(64)}`, 3_600_000],
        [`r:src-1:${"e".repeat(64)}`, 1_000],
      ] as const) {
        assert.equal(await windows.firstSeen(key, ttlMs), true);
        assert.equal(await windows.firstSeen(key, ttlMs), false);
        await windows.forget(key);
        assert.equal(await windows.seen([key]), undefined);
        assert.equal(await windows.firstSeen(key, ttlMs), true, "first again once forgotten");
      }
      await windows.forget(`r:src-1:${"f".repeat(64)}`); // never marked: nothing to do
    });

    test("bad arguments are refused", async () => {
      await assert.rejects(windows.remember([EMAIL], 0), TypeError);
      await assert.rejects(windows.remember([""], 1000), TypeError);
      await assert.rejects(windows.firstSeen(EMAIL, -1), TypeError);
    });
  });
}
