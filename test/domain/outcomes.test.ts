// Reason codes reach traces, metrics and buyers' reports: two reasons sharing a code would be told apart by nobody.
import assert from "node:assert/strict";
import { test } from "node:test";
import { REASONS } from "../../src/domain/outcomes.ts";

test("every outcome reason has a code of its own", () => {
  const byCode = new Map<number, string[]>();
  for (const [reason, { code }] of Object.entries(REASONS))
    byCode.set(code, [...(byCode.get(code) ?? []), reason]);
  const shared = [...byCode].filter(([, reasons]) => reasons.length > 1);
  assert.deepEqual(shared, []);
});
