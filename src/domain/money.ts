// Money is integer cents inside Gavel (DESIGN rule 7); the public JSON speaks decimal dollars.

/** Converts decimal dollars from the wire into integer cents, rounding half away from zero. */
export function dollarsToCents(dollars: number): number {
  return Math.sign(dollars) * Math.round(Math.abs(dollars) * 100);
}

/** Converts integer cents into decimal dollars for the wire. */
export function centsToDollars(cents: number): number {
  return cents / 100;
}
