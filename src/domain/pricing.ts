// What the source is paid for a bid, under its payout model. Pure; all amounts in integer cents.
import type { MarginBand, Payout } from "./config-schema.ts";
import { dollarsToCents } from "./money.ts";

/**
 * The price quoted to the source for a buyer's bid, or 0 when the bid cannot pay the source anything.
 * - revenue_share: the source gets `percent` of the bid (rounded down: the exchange never pays out a fraction
 *   it did not earn).
 * - margin: the exchange keeps a fixed amount.
 * - margin_table: the exchange keeps a fixed amount or a percentage, chosen by the band the bid falls in.
 * - fixed: the source gets a fixed amount, and only bids that cover it are worth selling.
 */
export function sourcePriceCents(bidCents: number, payout: Payout): number {
  switch (payout.model) {
    case "revenue_share":
      return shareCents(bidCents, percentToBasisPoints(payout.percent));
    case "margin":
      return Math.max(0, bidCents - dollarsToCents(payout.amount));
    case "margin_table": {
      const band = marginBandFor(bidCents, payout.bands);
      if (band.margin !== undefined) return Math.max(0, bidCents - dollarsToCents(band.margin));
      return shareCents(bidCents, 10_000 - percentToBasisPoints(band.margin_percent ?? 0));
    }
    case "fixed": {
      const fixed = dollarsToCents(payout.amount);
      return bidCents >= fixed ? fixed : 0;
    }
  }
}

/**
 * The band a bid falls in: the first whose `up_to` (inclusive) covers it, else the open-ended last band. The bands
 * are checked when saved (see `marginTableProblem`), so there always is one.
 */
export function marginBandFor(bidCents: number, bands: readonly MarginBand[]): MarginBand {
  const band = bands.find((b) => b.up_to === undefined || bidCents <= dollarsToCents(b.up_to));
  if (!band) throw new Error("margin table without an open-ended last band");
  return band;
}

/** Why a margin table cannot be used, or undefined when it is sound: checked when the configuration is saved. */
export function marginTableProblem(
  bands: readonly MarginBand[],
): { path: string; message: string } | undefined {
  let previousUpToCents = -1;
  for (const [index, band] of bands.entries()) {
    const path = `payout.bands[${index}]`;
    if ((band.margin === undefined) === (band.margin_percent === undefined))
      return { path, message: "needs exactly one of margin and margin_percent" };
    const last = index === bands.length - 1;
    if (band.up_to === undefined) {
      if (!last) return { path: `${path}.up_to`, message: "only the last band may be open-ended" };
      continue;
    }
    if (last) return { path: `${path}.up_to`, message: "the last band must be open-ended (no up_to)" };
    const upToCents = dollarsToCents(band.up_to);
    if (upToCents <= previousUpToCents)
      return { path: `${path}.up_to`, message: "bands must be in ascending order of up_to" };
    previousUpToCents = upToCents;
  }
  return undefined;
}

/** Percent to basis points, so the arithmetic is exact integers: 10.2% of 1500 is 153, not 152.99999999999997. */
function percentToBasisPoints(percent: number): number {
  return Math.round(percent * 100);
}

/** `basisPoints` of the bid, rounded down: the exchange never pays out a fraction it did not earn. */
function shareCents(bidCents: number, basisPoints: number): number {
  return Math.max(0, Math.floor((bidCents * basisPoints) / 10_000));
}
