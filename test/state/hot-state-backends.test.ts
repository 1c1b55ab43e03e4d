// The hot state is opened in one place (openHotState, src/backends.ts): in memory without Redis; with Redis, every part
// (held pings, caps, throttles, duplicate windows, failure streaks, the seed marker, the console's login throttle and
// live board) on one connection, closed with them. A redis-server of this test's own, so CLIENT LIST sees only it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { openHotState } from "../../src/backends.ts";
import { MemoryLoginThrottle } from "../../src/console/memory-login-throttle.ts";
import { ConfigService } from "../../src/engine/config-service.ts";
import { type PrivateRedis, startPrivateRedis } from "../../src/sim/private-redis.ts";
import { MemoryCapLedger } from "../../src/state/counters/memory-cap-ledger.ts";
import type { MemoryDuplicateWindows } from "../../src/state/duplicates/memory-duplicate-windows.ts";
import { MemoryHotState } from "../../src/state/memory-hot-state.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

const log = pino({ level: "silent" });
let dir: string;
let store: SqliteStore;
let config: ConfigService;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gavel-hot-state-"));
  store = new SqliteStore(dir);
  await store.migrate();
  config = await ConfigService.open(store, undefined);
});

after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = () => ({ store, config: () => config.snapshot, now: Date.now, log });

describe("openHotState with Redis", () => {
  let redis: PrivateRedis;
  let admin: Awaited<ReturnType<PrivateRedis["admin"]>>;
  before(async () => {
    redis = await startPrivateRedis();
    admin = await redis.admin();
  });
  after(() => redis?.stop());

  /** The connections Redis sees, other than the admin client asking. */
  const exchangeConnections = async () => {
    const list = (await admin.client("LIST")) as string;
    const own = await admin.client("ID");
    return list
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith(`id=${own} `))
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "");
  };

  test("every part works over one connection, and close() closes it", async () => {
    const hot = await openHotState({ ...options(), redisUrl: redis.url, redisKeyPrefix: "one-conn" });
    try {
      assert.deepEqual(await exchangeConnections(), ["gavel-hot-state"]);
      assert.equal(await hot.seedMarker?.isSeeded(), true, "seeded from the store at open");
      const now = Date.now();
      await hot.hotState.holdPing({
        id: "p1",
        kind: "ping",
        source_id: "s1",
        vertical: "personal_injury",
        lead: { zip: "90210" },
        test: false,
        created_at: now,
        expires_at: now + 60_000,
        status: "no_bid",
        price_cents: 0,
        bids: [],
      });
      assert.equal((await hot.hotState.getHeldPing("p1", now))?.id, "p1");
      assert.equal(await hot.throttle.tryAcquire("c1", 1, 60_000, now), true);
      assert.equal(await hot.throttle.tryAcquire("c1", 1, 60_000, now), false);
      assert.equal(await hot.duplicates.firstSeen("fp", 60_000), true);
      await hot.duplicates.remember(["consumer"], 60_000);
      assert.equal(await hot.duplicates.seen(["consumer"]), "consumer");
      assert.equal(await hot.failureStreaks.recordFailure("b1"), 1);
      const counter = {
        key: "address:x",
        limit: { attempts: 1, windowMs: 60_000 },
        onSuccess: "clear" as const,
      };
      assert.equal(await hot.loginThrottle.tryAttempt([counter], now), undefined);
      assert.equal((await hot.loginThrottle.tryAttempt([counter], now))?.key, "address:x");
      assert.ok(hot.liveBoard, "instances share live numbers through Redis");
      assert.deepEqual(
        await exchangeConnections(),
        ["gavel-hot-state"],
        "still one after every part was used",
      );
    } finally {
      await hot.close();
    }
    assert.deepEqual(await exchangeConnections(), [], "closed with the parts");
  });
});

describe("openHotState without Redis", () => {
  test("process memory, seeded from the store", async () => {
    const hot = await openHotState(options());
    try {
      assert.ok(hot.hotState instanceof MemoryHotState);
      assert.ok(hot.caps instanceof MemoryCapLedger);
      assert.ok(hot.loginThrottle instanceof MemoryLoginThrottle);
      assert.equal(hot.liveBoard, undefined);
      assert.equal(hot.seedMarker, undefined);
    } finally {
      await hot.close();
    }
  });

  test("the duplicate windows' ceiling is storage.duplicate_window_max_keys, and evicting at it is logged", async () => {
    const warnings: unknown[] = [];
    const listening = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const hot = await openHotState({ ...options(), log: listening, duplicateWindowMaxKeys: 2048 });
    try {
      const windows = hot.duplicates as MemoryDuplicateWindows;
      assert.equal(windows.maxKeys, 2048);
      for (let i = 0; i < 3000; i++) {
        const hash = createHash("sha256").update(String(i)).digest("hex");
        // A minute more for each: the first ones end first, and are the ones evicted.
        await windows.remember([`v:auto:email:${hash}`], 86_400_000 + i * 60_000);
      }
      assert.ok(
        windows.size <= 2048 && windows.evicted > 0,
        `${windows.size} held, ${windows.evicted} evicted`,
      );
      const warning = warnings.find((w) => /duplicate windows full/.test((w as { msg: string }).msg)) as
        | { evicted_keys: number; max_keys: number }
        | undefined;
      assert.ok(warning, "the eviction was logged");
      assert.equal(warning.max_keys, 2048);
      assert.ok(warning.evicted_keys > 0);
    } finally {
      await hot.close();
    }
  });
});
