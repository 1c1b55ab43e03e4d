// The SQLite writer's messages: the writes of one turn travel together, so one the thread cannot receive (a value
// structured clone refuses) must fail alone, and the others of its turn still be written, in order; a ping batch's
// JSON columns travel as text, and are stored as the thread made them before.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { NO_PII_KEYS } from "../../src/compliance/privacy/pii-cipher.ts";
import { payloadJson } from "../../src/domain/payload-json.ts";
import type { PingRecord } from "../../src/domain/records.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { SqliteWriter } from "../../src/store/sqlite/sqlite-writer.ts";

test("a write that cannot be sent to the thread fails alone; the rest of its turn is written in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-writer-"));
  const store = new SqliteStore(dir);
  const writer = new SqliteWriter(join(dir, "gavel.db"), NO_PII_KEYS);
  try {
    await store.migrate();
    const source = (name: string) => ({
      id: "src-1",
      name,
      status: "live",
      payout: { model: "fixed", amount: 5 },
    });
    const settled = await Promise.allSettled([
      writer.write("putEntity", ["source", "src-1", source("first")]),
      writer.write("putEntity", ["source", "src-1", { ...source("bad"), clone: () => "not cloneable" }]),
      writer.write("putEntity", ["source", "src-1", source("last")]),
    ]);
    assert.deepEqual(
      settled.map((result) => result.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /could not be cloned/);
    assert.deepEqual(
      (await store.loadConfig()).sources.map((s) => s.name),
      ["last"],
    );
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a ping batch sends its JSON columns as text: the lead's text its native ping body made, the rest made here", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-writer-"));
  const store = new SqliteStore(dir);
  try {
    await store.migrate();
    const lead = { state: "CA", note: 'a "quoted" value', injury_severity: 7, insured: true };
    const made = payloadJson(lead); // as buildPingBody makes it for the auction's native buyers
    const ping: PingRecord = {
      id: "ping-1",
      kind: "ping",
      source_id: "src-1",
      vertical: "personal_injury",
      lead,
      test: false,
      created_at: 1_000,
      expires_at: 61_000,
      status: "bid",
      price_cents: 2500,
      bids: [
        {
          campaign_id: "camp-a",
          buyer_id: "buyer-a",
          bid_cents: 4000,
          source_price_cents: 2500,
          expires_at: 61_000,
        },
      ],
      quality: { score: 80, issues: [] },
    };
    // One ping whose lead text was made, one whose was not (a templated buyer's auction): both stored alike.
    const other: PingRecord = { ...ping, id: "ping-2", lead: { ...lead } };
    await store.appendAuctionEvents([ping, other], []);
    assert.deepEqual(await store.getPing("ping-1"), ping);
    assert.deepEqual(await store.getPing("ping-2"), other);
    const db = new DatabaseSync(join(dir, "gavel.db"), { readOnly: true });
    const rows = db.prepare("SELECT lead, bids, quality FROM pings ORDER BY id").all();
    db.close();
    assert.deepEqual(
      rows.map((row) => ({ ...row })),
      [made, made].map((text) => ({
        lead: text,
        bids: JSON.stringify(ping.bids),
        quality: JSON.stringify(ping.quality),
      })),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
