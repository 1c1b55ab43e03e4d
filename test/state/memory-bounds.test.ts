// What the in-process hot state keeps per lead must be bounded by what it needs, not grow with every lead (issue 14:
// the heap grew ~1 KB per lead and never came back). 20,000 leads go through each structure on an injected clock,
// at 10 leads a second (so 2,000 simulated seconds: longer than any retention), with no sleeps.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { DEFAULT_FINISHED_RETENTION_MS } from "../../src/state/counters/cap-ledger.ts";
import { MemoryCapLedger } from "../../src/state/counters/memory-cap-ledger.ts";
import { MemoryDuplicateWindows } from "../../src/state/duplicates/memory-duplicate-windows.ts";

const T0 = 1_750_000_000_000;
const LEADS = 20_000;
const LEAD_INTERVAL_MS = 100;
const MONTH_MS = 31 * 24 * 3_600_000;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

test("the cap ledger forgets finished reservations after the retention, whatever the traffic", async () => {
  let now = T0;
  const ledger = new MemoryCapLedger({ now: () => now });
  const ttlMs = 70_000; // what the engine gives a direct post's winner: the post deadline plus 60 s
  const units = (lead: number) => [
    { key: "campaign:c1:day:d", countLimit: 10_000_000, cents: 1000, periodEndsAt: T0 + MONTH_MS },
    { key: `buyer:b1:month:m`, centsLimit: 100_000_000_000, cents: 1000, periodEndsAt: T0 + MONTH_MS },
    {
      key: `source:s${lead % 3}:campaign:c1:day:d`,
      countLimit: 10_000_000,
      cents: 1000,
      periodEndsAt: T0 + MONTH_MS,
    },
  ];
  let largest = 0;
  for (let lead = 0; lead < LEADS; lead++) {
    now += LEAD_INTERVAL_MS;
    const ref = { buyerId: "b1", reservationId: `auction-${lead}:c1` };
    assert.equal((await ledger.reserve({ ...ref, units: units(lead), ttlMs })).ok, true);
    // Most are sold, some refused at the post, some never posted (the ping's hold expires).
    if (lead % 10 < 7) assert.equal(await ledger.commit(ref), "committed");
    else if (lead % 10 < 9) await ledger.release(ref);
    largest = Math.max(largest, ledger.rememberedReservations);
  }
  // At most the leads of one retention plus one ttl (an expired one is remembered from its deadline on).
  const bound = (DEFAULT_FINISHED_RETENTION_MS + ttlMs) / LEAD_INTERVAL_MS;
  assert.ok(
    largest <= bound,
    `${largest} reservations remembered at once; the retention needs at most ${bound}`,
  );
  assert.ok(largest < LEADS / 4, `${largest} of ${LEADS} reservations remembered: not bounded`);
  // Still idempotent within the retention: the last sale's commit is recognised, a repeated release is a no-op.
  const last = { buyerId: "b1", reservationId: `auction-${LEADS - 4}:c1` };
  assert.equal(await ledger.commit(last), "committed");
  const usage = await ledger.usage("b1", "campaign:c1:day:d");
  assert.equal(usage.committed.count, LEADS * 0.7, "every sale counted once");
  // Once idle for longer than the retention and the ttl, nothing finished is left.
  now += DEFAULT_FINISHED_RETENTION_MS + ttlMs + 1;
  await ledger.usage("b1", "campaign:c1:day:d");
  await ledger.release({ buyerId: "b1", reservationId: "nothing" });
  assert.equal(ledger.rememberedReservations, 0);
  await ledger.close();
});

test("duplicate windows keep what their lookback needs, compactly, and answer for the whole lookback", async () => {
  let now = T0;
  const windows = new MemoryDuplicateWindows({ now: () => now });
  const lookbackMs = 1_000_000; // 1,000 s: shorter than the run, so keys must leave as they pass it
  const keysOf = (lead: number) => {
    const email = sha256(`consumer-${lead}@example.com`);
    const phone = sha256(`555${lead}`);
    return [`v:auto:email:${email}`, `v:auto:phone:${phone}`, `b:b1:email:${email}`, `b:b1:phone:${phone}`];
  };
  let largest = 0;
  for (let lead = 0; lead < LEADS; lead++) {
    now += LEAD_INTERVAL_MS;
    const keys = keysOf(lead);
    assert.equal(await windows.seen(keys), undefined, "a new consumer is not a duplicate");
    await windows.remember(keys, lookbackMs);
    // Replay guard: a one-minute window per ping fingerprint.
    assert.equal(await windows.firstSeen(`r:s1:${sha256(`ping-${lead}`)}`, 60_000), true);
    if (lead % 1000 === 0) windows.sweep();
    largest = Math.max(largest, windows.size);
  }
  // Four keys per lead for the lookback, one per ping for a minute, plus up to one sweep interval (1,000 leads).
  const bound = (lookbackMs / LEAD_INTERVAL_MS) * 4 + 60_000 / LEAD_INTERVAL_MS + 1000 * 5;
  assert.ok(largest <= bound, `${largest} keys kept at once; the lookback needs at most ${bound}`);
  // Correct for the whole lookback: a consumer sold just inside it is a duplicate, one just outside is not.
  const insideLead = LEADS - lookbackMs / LEAD_INTERVAL_MS + 1;
  assert.equal(await windows.seen(keysOf(insideLead).slice(2)), keysOf(insideLead)[2]);
  assert.equal(await windows.seen(keysOf(insideLead - 2)), undefined);
  assert.equal(await windows.firstSeen(`r:s1:${sha256(`ping-${LEADS - 1}`)}`, 60_000), false);
  // Scopes stay apart once compacted: the same hash under another buyer or vertical is not seen.
  const email = keysOf(LEADS - 1)[0]!.slice("v:auto:email:".length);
  assert.equal(await windows.seen([`b:b2:email:${email}`, `v:home:email:${email}`]), undefined);
  now += lookbackMs + 1;
  windows.sweep();
  assert.equal(windows.size, 0);
  await windows.close();
});

test("a key in a 30-day duplicate window costs no heap and under 80 bytes of table (it cost ~200 of heap as given)", () => {
  // Measured in a process of its own: this group runs many files in one process (--test-isolation=none), and what
  // their tests allocate meanwhile (timers, lazily loaded datasets) would be counted against the keys.
  const measure = `
    import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
    import { MemoryDuplicateWindows } from ${JSON.stringify(import.meta.resolve("../../src/state/duplicates/memory-duplicate-windows.ts"))};
    const sha256 = (text) => createHash("sha256").update(text).digest("hex");
    const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    const windows = new MemoryDuplicateWindows({ now: () => ${T0} });
    const before = heap();
    // Each key built by concatenation from a fresh hash, as the engine builds them; then only the windows hold it.
    for (let i = 0; i < ${LEADS * 4}; i++) await windows.remember([\`v:auto:email:\${sha256(String(i))}\`], ${MONTH_MS});
    const perKey = (heap() - before) / ${LEADS * 4};
    console.log(JSON.stringify({ perKey, tablePerKey: windows.tableBytes / windows.size, size: windows.size }));
    await windows.close();
  `;
  const run = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", measure], {
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  const { perKey, tablePerKey, size } = JSON.parse(run.stdout) as {
    perKey: number;
    tablePerKey: number;
    size: number;
  };
  // The keys live in a typed array's buffer, outside the JS heap (92 bytes of heap each as a Map of strings).
  assert.ok(perKey < 8, `${perKey.toFixed(1)} bytes of heap per remembered key`);
  assert.ok(tablePerKey < 80, `${tablePerKey.toFixed(1)} bytes of key table per remembered key`);
  assert.equal(size, LEADS * 4);
});
