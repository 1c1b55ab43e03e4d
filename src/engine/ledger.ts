// The money ledger: immutable entries, written with the sale (and later with each approved return) in the same
// transaction, so money can be added up to the cent for every lead and every period. Pure.
//
// Three books, each entry in integer cents:
//   buyer    what a buyer owes the exchange: + a charge, − a refund
//   source   what the exchange owes a source: + a payout, − a reversal
//   margin   what the exchange keeps
// Invariant, for every lead and so for every period: Σ buyer − Σ source = Σ margin.
import { type LeadRecord, type LedgerEntry, type LedgerKind, salesOf } from "../domain/records.ts";

export const BOOK_OF: Record<LedgerKind, "buyer" | "source" | "margin"> = {
  buyer_charge: "buyer",
  buyer_refund: "buyer",
  source_payout: "source",
  payout_reversal: "source",
  margin: "margin",
  margin_reversal: "margin",
};

/**
 * The entries of a sold lead: one charge per buyer (several for a shared lead), the source's payout, and the margin
 * that balances them. An unsold lead moves no money; neither does a test lead (nobody is billed for a test).
 */
export function saleEntries(lead: LeadRecord): LedgerEntry[] {
  if (lead.status !== "sold" || lead.test) return [];
  const at = lead.created_at;
  const entries: LedgerEntry[] = salesOf(lead).map((sale) => ({
    id: `${lead.id}:charge:${sale.campaign_id}`,
    lead_id: lead.id,
    kind: "buyer_charge",
    party_id: sale.buyer_id,
    amount_cents: sale.buyer_price_cents,
    created_at: at,
  }));
  const charged = entries.reduce((sum, entry) => sum + entry.amount_cents, 0);
  entries.push(
    {
      id: `${lead.id}:payout`,
      lead_id: lead.id,
      kind: "source_payout",
      party_id: lead.source_id,
      amount_cents: lead.price_cents,
      created_at: at,
    },
    {
      id: `${lead.id}:margin`,
      lead_id: lead.id,
      kind: "margin",
      party_id: "exchange",
      amount_cents: charged - lead.price_cents,
      created_at: at,
    },
  );
  return entries;
}

/** Σ buyer − Σ source − Σ margin over some entries: 0 when the books balance. */
export function imbalanceCents(entries: readonly Pick<LedgerEntry, "kind" | "amount_cents">[]): number {
  let imbalance = 0;
  for (const entry of entries) {
    const book = BOOK_OF[entry.kind];
    imbalance += book === "buyer" ? entry.amount_cents : -entry.amount_cents;
  }
  return imbalance;
}
