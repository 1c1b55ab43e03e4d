// The admin API over the money ledger: what each buyer was charged and refunded, what each source was paid and had
// reversed, and the exchange's margin, over a period; and the books' invariant checked lead by lead.
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { LedgerEntry } from "../domain/records.ts";
import { parsePeriod } from "../instants.ts";
import type { LedgerPort } from "../store/ports.ts";
import type { LedgerTotal } from "../store/store.ts";
import { authenticateAdmin } from "./auth.ts";

export interface AdminLedgerRoutesOptions {
  store: LedgerPort;
  adminKeySha256: string;
  now?: () => number;
}

const PeriodQuery = Type.Object(
  {
    /** RFC 3339; default: 30 days before `to`. */
    from: Type.Optional(Type.String({ maxLength: 40 })),
    /** RFC 3339, exclusive; default: now. */
    to: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

const Dollars = Type.Number({ description: "Dollars" });
const Instant = Type.String({ format: "date-time" });

export const LedgerTotalsSchema = Type.Object({
  from: Instant,
  to: Instant,
  revenue: Type.Number({ description: "Charged to buyers less their refunds, in dollars" }),
  payouts: Type.Number({ description: "Paid to sources less their reversals, in dollars" }),
  margin: Dollars,
  balanced: Type.Boolean({ description: "revenue − payouts = margin over the period" }),
  buyers: Type.Array(
    Type.Object({ buyer_id: Type.String(), charged: Dollars, refunded: Dollars, net: Dollars }),
  ),
  sources: Type.Array(
    Type.Object({ source_id: Type.String(), paid: Dollars, reversed: Dollars, net: Dollars }),
  ),
});
export type LedgerTotals = Static<typeof LedgerTotalsSchema>;

export const LedgerCheckSchema = Type.Object({
  balanced: Type.Boolean(),
  imbalances: Type.Array(
    Type.Object({
      lead_id: Type.String(),
      difference: Type.Number({ description: "Dollars out of balance" }),
    }),
  ),
});
export type LedgerCheck = Static<typeof LedgerCheckSchema>;

export function adminLedgerRoutes(options: AdminLedgerRoutesOptions) {
  const { store } = options;
  const now = options.now ?? Date.now;
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook("onRequest", async (request) => authenticateAdmin(request, options.adminKeySha256));
    const tags = ["admin"];
    const security = [{ adminKey: [] }];

    app.get<{ Querystring: { from?: string; to?: string } }>(
      "/v1/admin/ledger",
      {
        schema: {
          tags,
          security,
          summary:
            "Money over a period: buyers' charges and refunds, sources' payouts and reversals, the margin",
          querystring: PeriodQuery,
          response: { 200: LedgerTotalsSchema },
        },
      },
      async (request) => {
        const { from, to } = parsePeriod(request.query, now(), 30);
        return presentTotals(from, to, await store.ledgerTotals(from, to));
      },
    );

    app.get(
      "/v1/admin/ledger/check",
      {
        schema: {
          tags,
          security,
          summary:
            "Checks Σ buyer − Σ source = Σ margin for every lead; lists the leads where it does not hold",
          response: { 200: LedgerCheckSchema },
        },
      },
      async (): Promise<LedgerCheck> => {
        const imbalances = await store.ledgerImbalances();
        return {
          balanced: imbalances.length === 0,
          imbalances: imbalances.map((row) => ({ lead_id: row.lead_id, difference: row.cents / 100 })),
        };
      },
    );
  };
}

/** Totals per buyer and per source, in dollars; net is what is still owed after refunds or reversals. */
export function presentTotals(from: number, to: number, totals: readonly LedgerTotal[]): LedgerTotals {
  const sum = (kind: LedgerEntry["kind"], party?: string) =>
    totals
      .filter((t) => t.kind === kind && (party === undefined || t.party_id === party))
      .reduce((cents, t) => cents + t.cents, 0);
  const partiesOf = (...kinds: LedgerEntry["kind"][]) =>
    [...new Set(totals.filter((t) => kinds.includes(t.kind)).map((t) => t.party_id))].sort();
  const buyers = partiesOf("buyer_charge", "buyer_refund").map((buyer_id) => {
    const charged = sum("buyer_charge", buyer_id);
    const refunded = -sum("buyer_refund", buyer_id);
    return { buyer_id, charged: charged / 100, refunded: refunded / 100, net: (charged - refunded) / 100 };
  });
  const sources = partiesOf("source_payout", "payout_reversal").map((source_id) => {
    const paid = sum("source_payout", source_id);
    const reversed = -sum("payout_reversal", source_id);
    return { source_id, paid: paid / 100, reversed: reversed / 100, net: (paid - reversed) / 100 };
  });
  const revenue = sum("buyer_charge") + sum("buyer_refund");
  const payouts = sum("source_payout") + sum("payout_reversal");
  const margin = sum("margin") + sum("margin_reversal");
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    revenue: revenue / 100,
    payouts: payouts / 100,
    margin: margin / 100,
    // The period's entries balance when whole leads fall inside it (a sale's entries share its timestamp).
    balanced: revenue - payouts === margin,
    buyers,
    sources,
  };
}
