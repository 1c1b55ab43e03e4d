// The retention purge's schedule (src/compliance/privacy/pii-retention.ts), over a store that records what it was
// asked: each vertical and status with its own cutoff (the vertical's period, else the default; none: skipped), full
// batches followed by more until a short one, and stop() ending a pass between batches.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { PiiRetention } from "../../src/compliance/privacy/pii-retention.ts";
import type { Settings } from "../../src/domain/config-schema.ts";
import type { PiiPurgeSelection } from "../../src/domain/records.ts";
import type { Vertical } from "../../src/domain/vertical.ts";
import { buildSnapshot } from "../../src/engine/config-snapshot.ts";
import type { Store } from "../../src/store/store.ts";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const DAY = 86_400_000;
const vertical = (id: string, retention?: Vertical["retention"]): Vertical => ({
  id,
  name: id,
  fields: [{ name: "state", type: "state", pii: false, required: true }],
  ...(retention ? { retention } : {}),
});

/** A store whose purge answers `leadsDue` leads per selection, `limit` at a time, and records every call. */
function recordingStore(leadsDue: number) {
  const calls: PiiPurgeSelection[] = [];
  const left = new Map<string, number>();
  const store = {
    async purgeExpiredPii(selection: PiiPurgeSelection) {
      calls.push(selection);
      const key = `${selection.vertical}/${selection.status}`;
      const remaining = left.get(key) ?? leadsDue;
      const batch = Math.min(remaining, selection.limit);
      left.set(key, remaining - batch);
      return batch;
    },
  } as unknown as Store;
  return { store, calls };
}

const retentionOver = (store: Store, verticals: Vertical[], settings: Partial<Settings>) =>
  new PiiRetention({
    store,
    config: () =>
      buildSnapshot({ settings: settings as Settings, verticals, sources: [], buyers: [], campaigns: [] }),
    log: pino({ level: "silent" }),
    now: () => NOW,
    batchSize: 10,
    pauseMs: 0,
  });

describe("PII retention schedule", () => {
  test("each vertical and status gets its own cutoff; a period set nowhere is skipped", async () => {
    const { store, calls } = recordingStore(0);
    const retention = retentionOver(
      store,
      [vertical("pi", { sold_days: 365 }), vertical("auto"), vertical("solar", { unsold_days: 3 })],
      { retention: { unsold_days: 30 } },
    );
    assert.equal(await retention.purgeNow(), 0);
    assert.deepEqual(
      calls.map(({ vertical: id, status, created_before }) => [id, status, (NOW - created_before) / DAY]),
      [
        ["pi", "sold", 365],
        ["pi", "unsold", 30],
        ["auto", "unsold", 30],
        ["solar", "unsold", 3],
      ],
    );
  });

  test("full batches are followed by more until a short one", async () => {
    const { store, calls } = recordingStore(25);
    const retention = retentionOver(store, [vertical("pi", { sold_days: 1 })], {});
    assert.equal(await retention.purgeNow(), 25);
    assert.equal(calls.length, 3);
    assert.ok(calls.every((call) => call.limit === 10));
  });

  test("stop() ends a pass between batches, and no pass starts after it", async () => {
    const { store, calls } = recordingStore(1_000);
    const retention = retentionOver(store, [vertical("pi", { sold_days: 1 })], {});
    const pass = retention.purgeNow();
    await retention.stop();
    const purged = await pass;
    assert.ok(purged < 1_000, `stopped after ${calls.length} batches`);
  });
});
