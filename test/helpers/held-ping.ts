// A winning ping's record as the hot state holds it: one bid, no PII. For hot-state tests of both backends.
import type { PingRecord } from "../../src/domain/records.ts";

export function heldPingRecord(id: string, createdAt: number, expiresAt: number): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    test: false,
    created_at: createdAt,
    expires_at: expiresAt,
    status: "bid",
    price_cents: 2500,
    bids: [
      { campaign_id: "c", buyer_id: "b", bid_cents: 4000, source_price_cents: 2500, expires_at: expiresAt },
    ],
  };
}
