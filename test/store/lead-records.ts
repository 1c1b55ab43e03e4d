// The lead records the store contract suites save: a direct lead from src-1, sold to buyer-a's campaign camp-a at T0,
// with whatever a test changes; or the same lead unsold (no buyer, no price).
import type { LeadRecord } from "../../src/domain/records.ts";

export const T0 = Date.parse("2026-11-20T12:00:00Z");

export function soldLead(id: string, overrides: Partial<LeadRecord> = {}): LeadRecord {
  return {
    id,
    auction_id: `a-${id}`,
    kind: "direct",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    consent: {},
    test: false,
    status: "sold",
    price_cents: 3_200,
    buyer_price_cents: 4_000,
    campaign_id: "camp-a",
    buyer_id: "buyer-a",
    created_at: T0,
    ...overrides,
  };
}

export function unsoldLead(id: string, overrides: Partial<LeadRecord> = {}): LeadRecord {
  const { buyer_price_cents: _price, campaign_id: _campaign, buyer_id: _buyer, ...lead } = soldLead(id);
  return { ...lead, status: "unsold", price_cents: 0, ...overrides };
}
