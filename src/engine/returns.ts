// Returns: a buyer gives back a lead it bought (a wrong number, a fraud), within its campaign's return window. The
// operator approves or rejects it (or the buyer's returns are approved at once). An approved return refunds the
// buyer, reverses the source's payout for that sale when the source's policy says so, and moves the margin by the
// difference: three ledger entries that keep the books balanced, written in the decision's transaction with the
// source's `lead.returned` postback. A prepaid buyer gets its refund back as funds.
import { randomUUID } from "node:crypto";
import {
  type LeadRecord,
  type LedgerEntry,
  type OutboxItem,
  type ReturnReason,
  type ReturnRecord,
  salesOf,
} from "../domain/records.ts";
import { GavelError } from "../errors.ts";
import type { LeadsPort, ReturnsPort } from "../store/ports.ts";
import type { ReturnQuery } from "../store/store.ts";
import { refundNotice } from "./buyer-notices.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import type { BuyerFunds } from "./funds.ts";
import { sourcePostbacks } from "./postbacks.ts";

const DAY_MS = 86_400_000;
const DEFAULT_RETURN_ALERT_PERCENT = 10;

export interface ReturnRequest {
  /** Which buyer returns it: required only for a shared lead (an exclusive lead has one buyer). */
  buyer_id?: string;
  reason: ReturnReason;
  note?: string;
}

export type Resell = (
  lead: LeadRecord,
  excludeBuyers: ReadonlySet<string>,
) => Promise<{ lead_id: string; status: "sold" | "unsold"; price: number; reason?: string }>;

export class ReturnsService {
  readonly #store: ReturnsPort & LeadsPort;
  readonly #config: () => ConfigSnapshot;
  readonly #funds: BuyerFunds | undefined;
  readonly #now: () => number;
  readonly #onOutbox: () => void;
  readonly #resell: Resell | undefined;

  constructor(deps: {
    store: ReturnsPort & LeadsPort;
    config: () => ConfigSnapshot;
    funds?: BuyerFunds;
    now?: () => number;
    onOutbox?: () => void;
    /** Offers a lead again to every buyer but those excluded (the exchange's resale auction). */
    resell?: Resell;
  }) {
    this.#store = deps.store;
    this.#config = deps.config;
    this.#funds = deps.funds;
    this.#now = deps.now ?? Date.now;
    this.#onOutbox = deps.onOutbox ?? (() => {});
    this.#resell = deps.resell;
  }

  /** Records a return (approved at once for a buyer that auto-approves). A repeat answers the first request. */
  async request(leadId: string, request: ReturnRequest): Promise<{ created: boolean; record: ReturnRecord }> {
    const lead = await this.#store.getLead(leadId);
    if (!lead) throw new GavelError("GAVEL_NOT_FOUND", `No lead ${leadId}`, "id");
    const sale = saleToReturn(lead, request.buyer_id);
    const config = this.#config();
    const now = this.#now();
    const windowDays = config.campaignById.get(sale.campaign_id)?.return_window_days;
    if (windowDays === undefined) {
      throw new GavelError(
        "GAVEL_RETURNS_NOT_ACCEPTED",
        `Campaign ${sale.campaign_id} does not accept returns`,
        "id",
      );
    }
    if (now > lead.created_at + windowDays * DAY_MS) {
      throw new GavelError(
        "GAVEL_RETURN_WINDOW_CLOSED",
        `The ${windowDays}-day return window of this lead has closed`,
        "id",
      );
    }
    const source = config.sourceById.get(lead.source_id);
    const record: ReturnRecord = {
      id: randomUUID(),
      lead_id: lead.id,
      buyer_id: sale.buyer_id,
      campaign_id: sale.campaign_id,
      reason: request.reason,
      ...(request.note === undefined ? {} : { note: request.note }),
      status: "pending",
      refund_cents: sale.buyer_price_cents,
      reversal_cents: source?.reverse_payout_on_return === false ? 0 : payoutShareCents(lead, sale.buyer_id),
      requested_at: now,
    };
    const stored = await this.#store.createReturn(record);
    if (stored.created && config.buyerById.get(sale.buyer_id)?.auto_approve_returns) {
      return { created: true, record: await this.decide(stored.record.id, "approved", "auto") };
    }
    return stored;
  }

  /**
   * Approves or rejects a pending return. Deciding again the way it was decided answers the same (and finishes a
   * prepaid buyer's refund if it was interrupted); deciding the other way is a conflict.
   */
  async decide(
    id: string,
    status: "approved" | "rejected",
    by: "operator" | "auto" = "operator",
  ): Promise<ReturnRecord> {
    const pending = await this.#store.getReturn(id);
    if (!pending) throw new GavelError("GAVEL_NOT_FOUND", `No return ${id}`, "id");
    let decided = pending;
    if (pending.status === "pending") {
      const lead = await this.#store.getLead(pending.lead_id);
      const approved = status === "approved" && lead;
      const effects = approved
        ? {
            ledger: returnEntries(pending, lead, this.#now()),
            outbox: [...this.#postback(lead, pending), ...refundNotice(this.#config(), pending, this.#now())],
          }
        : { ledger: [], outbox: [] };
      decided =
        (await this.#store.decideReturn(id, { status, decided_at: this.#now(), decided_by: by }, effects)) ??
        (await this.#store.getReturn(id))!;
      if (effects.outbox.length > 0) this.#onOutbox();
    }
    if (decided.status !== status) {
      throw new GavelError("GAVEL_RETURN_DECIDED", `Return ${id} was already ${decided.status}`, "id");
    }
    if (decided.status === "approved") await this.#refundFunds(decided);
    return decided;
  }

  /**
   * Approves a return (as `decide` does) and offers the lead again to every other buyer: a new direct sale from the
   * same source, never to the buyer who returned it. A return is resold once; asking again answers the first resale.
   */
  async approveAndResell(id: string): Promise<{
    record: ReturnRecord;
    resale?: { lead_id: string; status: "sold" | "unsold"; price?: number; reason?: string };
  }> {
    const record = await this.decide(id, "approved");
    if (!this.#resell) throw new GavelError("GAVEL_RESALE_UNAVAILABLE", undefined, "resell");
    if (record.resale_lead_id) return { record, resale: await this.#resaleOf(record.resale_lead_id) };
    if (!(await this.#store.setReturnResale(id, "", true))) {
      // Another request took it: it is under way or done.
      const now = (await this.#store.getReturn(id))!;
      return {
        record: now,
        ...(now.resale_lead_id ? { resale: await this.#resaleOf(now.resale_lead_id) } : {}),
      };
    }
    const lead = (await this.#store.getLead(record.lead_id))!;
    // Every buyer of the lead is left out: the one returning it, and a shared lead's others (they have it already).
    let answer: Awaited<ReturnType<Resell>>;
    try {
      answer = await this.#resell(lead, new Set(salesOf(lead).map((sale) => sale.buyer_id)));
    } catch (error) {
      // Refused before any auction (the source or vertical is gone): give the claim back so it can be tried again.
      // Any other failure may come after a buyer took the lead: the claim stays, and the lead is not offered twice.
      if (error instanceof GavelError) await this.#store.setReturnResale(id, null).catch(() => {});
      throw error;
    }
    await this.#store.setReturnResale(id, answer.lead_id);
    return { record: { ...record, resale_lead_id: answer.lead_id }, resale: answer };
  }

  async #resaleOf(leadId: string) {
    const lead = await this.#store.getLead(leadId);
    if (!lead) return { lead_id: leadId, status: "unsold" as const };
    return {
      lead_id: lead.id,
      status: lead.status,
      price: lead.price_cents / 100,
      ...(lead.reason === undefined ? {} : { reason: lead.reason }),
    };
  }

  list(query: ReturnQuery): Promise<ReturnRecord[]> {
    return this.#store.listReturns(query);
  }

  /** What share of its purchases a buyer returned (approved returns over leads it bought), and whether it is high. */
  async returnRate(buyerId: string): Promise<{
    bought: number;
    approved: number;
    pending: number;
    rate: number | null;
    alert_percent: number;
    over_alert: boolean;
  }> {
    const [counts, bought] = await Promise.all([
      this.#store.returnCounts(buyerId),
      this.#store.salesCount(buyerId),
    ]);
    const alertPercent =
      this.#config().buyerById.get(buyerId)?.return_rate_alert_percent ?? DEFAULT_RETURN_ALERT_PERCENT;
    const rate = bought === 0 ? null : counts.approved / bought;
    return {
      bought,
      ...counts,
      rate,
      alert_percent: alertPercent,
      over_alert: rate !== null && rate * 100 > alertPercent,
    };
  }

  /** A prepaid buyer's refund becomes spendable again: a deposit whose id is the return's, so it counts once. */
  async #refundFunds(decided: ReturnRecord): Promise<void> {
    if (!this.#funds || !this.#config().buyerById.get(decided.buyer_id)?.funds) return;
    await this.#funds.topUp({
      id: `return:${decided.id}`,
      buyer_id: decided.buyer_id,
      amount_cents: decided.refund_cents,
      note: `refund of returned lead ${decided.lead_id}`,
      created_at: decided.decided_at ?? this.#now(),
    });
  }

  #postback(lead: LeadRecord, request: ReturnRecord): OutboxItem[] {
    const now = this.#now();
    const returned = { reason: request.reason, reversalCents: request.reversal_cents, at: now };
    return sourcePostbacks(
      this.#config().sourceById.get(lead.source_id),
      { type: "returned", lead, ...returned },
      now,
    );
  }
}

/** The sale being returned: the lead's only one, or the named buyer's share of a shared lead. */
function saleToReturn(lead: LeadRecord, buyerId: string | undefined) {
  const sales = salesOf(lead);
  if (sales.length === 0) throw new GavelError("GAVEL_LEAD_NOT_SOLD", undefined, "id");
  if (buyerId === undefined) {
    if (sales.length > 1) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        "This lead was sold shared: say which buyer returns it",
        "buyer_id",
      );
    }
    return sales[0]!;
  }
  const sale = sales.find((s) => s.buyer_id === buyerId);
  if (!sale) throw new GavelError("GAVEL_VALIDATION", `Buyer ${buyerId} did not buy this lead`, "buyer_id");
  return sale;
}

/** The source's payout for one buyer's sale: all of it for an exclusive lead, a pro-rata share of a shared one. */
function payoutShareCents(lead: LeadRecord, buyerId: string): number {
  const sales = salesOf(lead);
  const charged = sales.reduce((sum, sale) => sum + sale.buyer_price_cents, 0);
  const sale = sales.find((s) => s.buyer_id === buyerId);
  if (!sale || charged === 0) return 0;
  if (sales.length === 1) return lead.price_cents;
  // Rounded down: the source never gives back more than it was paid for this sale.
  return Math.floor((lead.price_cents * sale.buyer_price_cents) / charged);
}

/** Refund, reversal and the margin's difference: Σ buyer − Σ source = Σ margin still holds for the lead. */
export function returnEntries(request: ReturnRecord, lead: LeadRecord, now: number): LedgerEntry[] {
  if (lead.test) return [];
  const base = { lead_id: lead.id, created_at: now };
  return [
    {
      ...base,
      id: `${request.id}:refund`,
      kind: "buyer_refund",
      party_id: request.buyer_id,
      amount_cents: -request.refund_cents,
    },
    {
      ...base,
      id: `${request.id}:reversal`,
      kind: "payout_reversal",
      party_id: lead.source_id,
      amount_cents: -request.reversal_cents,
    },
    {
      ...base,
      id: `${request.id}:margin`,
      kind: "margin_reversal",
      party_id: "exchange",
      amount_cents: -(request.refund_cents - request.reversal_cents),
    },
  ];
}
