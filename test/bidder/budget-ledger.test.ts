// The budget ledger alone: holds count until committed or expired, and a commit that lands in a new period is checked
// against that period's budget, so neither side of midnight is overspent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BudgetLedger } from "../../src/bidder/budget-ledger.ts";

const ZONE = "America/New_York";
const BEFORE_MIDNIGHT = Date.parse("2026-12-08T04:59:00Z"); // 23:59 in New York
const AFTER_MIDNIGHT = Date.parse("2026-12-08T05:01:00Z"); // 00:01 the next day

test("a bid held at 23:59 and posted at 00:01 spends the new day's budget, and is refused when that is full", () => {
  const ledger = new BudgetLedger(ZONE, new Map([["c", [{ period: "day" as const, spendCents: 10_000 }]]]));
  assert.ok(ledger.reserve("late", "c", 10_000, BEFORE_MIDNIGHT, BEFORE_MIDNIGHT + 300_000).ok);
  // Just after midnight the new day's budget is taken by a bid made and posted in it.
  assert.ok(ledger.reserve("early", "c", 10_000, AFTER_MIDNIGHT, AFTER_MIDNIGHT + 60_000).ok);
  assert.deepEqual(ledger.commit("early", AFTER_MIDNIGHT), { ok: true });
  assert.deepEqual(ledger.commit("late", AFTER_MIDNIGHT), { ok: false, reason: "day budget reached" });
  assert.equal(ledger.usage("c", AFTER_MIDNIGHT)[0]!.spentCents, 10_000);
});

test("holds expire, are released, and are committed once", () => {
  const ledger = new BudgetLedger(ZONE, new Map([["c", [{ period: "week" as const, leads: 1 }]]]));
  const now = AFTER_MIDNIGHT;
  assert.ok(ledger.reserve("a", "c", 100, now, now + 1000).ok);
  assert.deepEqual(ledger.reserve("b", "c", 100, now, now + 1000), {
    ok: false,
    reason: "week lead cap reached",
  });
  assert.ok(ledger.reserve("b", "c", 100, now + 1000, now + 2000).ok, "a's hold lapsed at its expiry");
  ledger.release("b");
  assert.ok(ledger.reserve("c", "c", 100, now + 1000, now + 2000).ok);
  assert.deepEqual(ledger.commit("c", now + 1500), { ok: true });
  assert.equal(ledger.commit("c", now + 1500).ok, false, "a second commit of one hold");
  assert.equal(ledger.reserve("d", "c", 100, now + 1500, now + 2500).ok, false);
});
