// Buyer feedback: a buyer says how far it got with a lead it bought (contacted, quoted, closed; the stages boberdoo's
// CRM statuses and LeadConduit's feedback name), with when and, optionally, what it was worth (a policy premium, a
// case fee). Recorded once per lead, buyer and stage, so a buyer's retry answers its first report. The operator sees
// them added up per source, sub-id, buyer, campaign or vertical: which traffic turns into business.
import { randomUUID } from "node:crypto";
import { type LeadRecord, type LeadShare, salesOf } from "../domain/records.ts";
import { GavelError } from "../errors.ts";
import { parseInstant } from "../instants.ts";
import type { ConversionsPort, LeadsPort } from "../store/ports.ts";
import type { ConversionRecord, ConversionStage } from "../store/store.ts";

/** A buyer's clock may run a little ahead of ours; beyond this, a conversion "in the future" is a mistake. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface ConversionInput {
  stage: ConversionStage;
  /** RFC 3339; default now. */
  at?: string;
  /** Dollars, at most two decimals. */
  value?: number;
  note?: string;
}

/** One buyer's purchase of a lead: the lead and that buyer's sale of it (its campaign, its price). */
export interface Purchase {
  lead: LeadRecord;
  sale: LeadShare;
}

export class ConversionsService {
  readonly #store: ConversionsPort & LeadsPort;
  readonly #now: () => number;

  constructor(deps: { store: ConversionsPort & LeadsPort; now?: () => number }) {
    this.#store = deps.store;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * The buyer's purchase of a lead. A lead it did not buy is answered exactly as one that does not exist, so a buyer
   * learns nothing about other buyers' leads.
   */
  async purchase(leadId: string, buyerId: string): Promise<Purchase> {
    const lead = await this.#store.getLead(leadId);
    const sale = lead && purchaseOf(lead, buyerId);
    if (!lead || !sale) throw new GavelError("GAVEL_NOT_FOUND", `No lead ${leadId}`, "id");
    return { lead, sale };
  }

  /** Records a conversion of a lead the buyer bought. A stage reported before answers the first report. */
  async record(
    leadId: string,
    buyerId: string,
    input: ConversionInput,
  ): Promise<{ created: boolean; record: ConversionRecord }> {
    const { lead, sale } = await this.purchase(leadId, buyerId);
    const now = this.#now();
    const at = input.at === undefined ? now : parseInstant(input.at, "at");
    if (at > now + CLOCK_SKEW_MS) throw new GavelError("GAVEL_VALIDATION", "at is in the future", "at");
    if (at < lead.created_at - CLOCK_SKEW_MS) {
      throw new GavelError("GAVEL_VALIDATION", "at is before the lead was sold", "at");
    }
    const valueCents = input.value === undefined ? undefined : toCents(input.value);
    return this.#store.recordConversion({
      id: randomUUID(),
      lead_id: lead.id,
      buyer_id: buyerId,
      campaign_id: sale.campaign_id,
      stage: input.stage,
      at,
      ...(valueCents === undefined ? {} : { value_cents: valueCents }),
      ...(input.note === undefined ? {} : { note: input.note }),
      created_at: now,
    });
  }

  /** The buyer's conversions of a lead, in funnel order. */
  conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]> {
    return this.#store.conversionsOf(leadId, buyerId);
  }
}

/** This buyer's sale of the lead (the first buyer's, or its share of a shared lead), if it bought it. */
export function purchaseOf(lead: LeadRecord, buyerId: string): LeadShare | undefined {
  return salesOf(lead).find((sale) => sale.buyer_id === buyerId);
}

/** Dollars to integer cents; more than two decimals is refused rather than rounded away. */
function toCents(dollars: number): number {
  const cents = Math.round(dollars * 100);
  if (Math.abs(cents - dollars * 100) > 1e-6) {
    throw new GavelError("GAVEL_VALIDATION", "value has at most two decimals (cents)", "value");
  }
  return cents;
}
