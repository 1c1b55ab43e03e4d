// Budgets and lead caps per campaign and period that never overshoot under concurrent pings. A bid reserves its
// price (and one lead) until its post or its expiry; the post commits the reservation. Reserve and commit are
// synchronous: in one Node process nothing runs between the check and the write, so the check-and-hold is atomic
// without locks. A reservation counts against the periods current when it was made; the commit is checked again
// against the periods current when it lands (a bid made at 23:59 and posted at 00:01 spends tomorrow's budget, and
// is refused if tomorrow's is already full), so neither side of a period boundary is ever passed.
import { type CapPeriod, periodKey } from "../domain/rules/periods.ts";

export interface BudgetLimit {
  period: CapPeriod;
  spendCents?: number;
  leads?: number;
}

export interface Reservation {
  id: string;
  campaignId: string;
  priceCents: number;
  expiresAt: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; reason: string };
export type CommitResult = { ok: true } | { ok: false; reason: string };

interface PeriodUsage {
  key: string;
  spentCents: number;
  leads: number;
}

interface CampaignBudget {
  limits: BudgetLimit[];
  /** Committed spend per limit, in the period the key names (a new key starts from zero). */
  used: PeriodUsage[];
  held: Map<string, Reservation & { keys: string[] }>;
}

export class BudgetLedger {
  readonly #campaigns = new Map<string, CampaignBudget>();
  readonly #byId = new Map<string, CampaignBudget>();
  readonly #timeZone: string;

  constructor(timeZone: string, limits: ReadonlyMap<string, readonly BudgetLimit[]>) {
    this.#timeZone = timeZone;
    for (const [campaignId, list] of limits)
      this.#campaigns.set(campaignId, {
        limits: [...list],
        used: list.map(() => ({ key: "", spentCents: 0, leads: 0 })),
        held: new Map(),
      });
  }

  /** Seeds committed spend from the store at start: one bought lead at `boughtAt`. */
  seedBought(campaignId: string, priceCents: number, boughtAt: number, now: number): void {
    const budget = this.#campaigns.get(campaignId);
    if (!budget) return;
    for (const [index, limit] of budget.limits.entries()) {
      const key = periodKey(limit.period, this.#timeZone, now);
      if (periodKey(limit.period, this.#timeZone, boughtAt) !== key) continue;
      const used = this.#usage(budget, index, key);
      used.spentCents += priceCents;
      used.leads += 1;
    }
  }

  /** Holds `priceCents` and one lead in every period of the campaign, or says which limit is full. */
  reserve(id: string, campaignId: string, priceCents: number, now: number, expiresAt: number): ReserveResult {
    const budget = this.#campaigns.get(campaignId);
    if (!budget) return { ok: false, reason: `unknown campaign ${campaignId}` };
    this.#expire(budget, now);
    const keys: string[] = [];
    for (const [index, limit] of budget.limits.entries()) {
      const key = periodKey(limit.period, this.#timeZone, now);
      keys.push(key);
      const used = this.#usage(budget, index, key);
      let heldCents = 0;
      let heldLeads = 0;
      for (const held of budget.held.values()) {
        if (held.keys[index] !== key) continue;
        heldCents += held.priceCents;
        heldLeads += 1;
      }
      if (limit.spendCents !== undefined && used.spentCents + heldCents + priceCents > limit.spendCents)
        return { ok: false, reason: `${limit.period} budget reached` };
      if (limit.leads !== undefined && used.leads + heldLeads + 1 > limit.leads)
        return { ok: false, reason: `${limit.period} lead cap reached` };
    }
    const reservation = { id, campaignId, priceCents, expiresAt };
    budget.held.set(id, { ...reservation, keys });
    this.#byId.set(id, budget);
    return { ok: true, reservation };
  }

  /** The post: the held amount becomes spend, checked again against the periods current now. */
  commit(id: string, now: number): CommitResult {
    const budget = this.#byId.get(id);
    const held = budget?.held.get(id);
    if (!budget || !held) return { ok: false, reason: "no bid held (expired or already posted)" };
    this.#forget(budget, id);
    if (held.expiresAt <= now) return { ok: false, reason: "the bid expired" };
    const usages: PeriodUsage[] = [];
    for (const [index, limit] of budget.limits.entries()) {
      const key = periodKey(limit.period, this.#timeZone, now);
      const used = this.#usage(budget, index, key);
      if (key !== held.keys[index]) {
        // A new period began since the bid: what is held in it by other bids counts too.
        let heldCents = 0;
        let heldLeads = 0;
        for (const other of budget.held.values())
          if (other.keys[index] === key) {
            heldCents += other.priceCents;
            heldLeads += 1;
          }
        if (
          limit.spendCents !== undefined &&
          used.spentCents + heldCents + held.priceCents > limit.spendCents
        )
          return { ok: false, reason: `${limit.period} budget reached` };
        if (limit.leads !== undefined && used.leads + heldLeads + 1 > limit.leads)
          return { ok: false, reason: `${limit.period} lead cap reached` };
      }
      usages.push(used);
    }
    for (const used of usages) {
      used.spentCents += held.priceCents;
      used.leads += 1;
    }
    return { ok: true };
  }

  /** A bid that will not be posted (declined, lost, too late): its hold is freed at once. */
  release(id: string): void {
    const budget = this.#byId.get(id);
    if (budget) this.#forget(budget, id);
  }

  /** Spend and leads committed and held now, per limit, for the status page. */
  usage(campaignId: string, now: number) {
    const budget = this.#campaigns.get(campaignId);
    if (!budget) return [];
    this.#expire(budget, now);
    return budget.limits.map((limit, index) => {
      const key = periodKey(limit.period, this.#timeZone, now);
      const used = this.#usage(budget, index, key);
      let heldCents = 0;
      for (const held of budget.held.values()) if (held.keys[index] === key) heldCents += held.priceCents;
      return {
        period: limit.period,
        key,
        spentCents: used.spentCents,
        heldCents,
        leads: used.leads,
        ...(limit.spendCents !== undefined ? { spendLimitCents: limit.spendCents } : {}),
        ...(limit.leads !== undefined ? { leadLimit: limit.leads } : {}),
      };
    });
  }

  #usage(budget: CampaignBudget, index: number, key: string): PeriodUsage {
    const used = budget.used[index]!;
    if (used.key !== key) {
      used.key = key;
      used.spentCents = 0;
      used.leads = 0;
    }
    return used;
  }

  #expire(budget: CampaignBudget, now: number): void {
    for (const [id, held] of budget.held) if (held.expiresAt <= now) this.#forget(budget, id);
  }

  #forget(budget: CampaignBudget, id: string): void {
    budget.held.delete(id);
    this.#byId.delete(id);
  }
}
