// Instants sent by clients (a form's time, a report's range, a conversion's time): RFC 3339 with a time zone,
// nothing looser, so "2026-11-22" or a zoneless time is never read in the server's own zone by accident.
import { GavelError } from "./errors.ts";

// Date.parse takes the shape once the regex has checked it; seconds and fractions are optional, a space may stand
// in for the T (RFC 3339 allows it).
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 instant as epoch ms, or a 400 GAVEL_VALIDATION naming `field`. */
export function parseInstant(text: string, field: string): number {
  const at = RFC_3339.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(at)) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      `${field} must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T14:03:00Z`,
      field,
    );
  }
  return at;
}

/** A `from`/`to` period (to exclusive): `to` defaults to now, `from` to `defaultDays` before `to`. */
export function parsePeriod(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
  defaultDays: number,
): { from: number; to: number } {
  const to = query.to === undefined ? now : parseInstant(query.to, "to");
  const from = query.from === undefined ? to - defaultDays * 86_400_000 : parseInstant(query.from, "from");
  if (from >= to) throw new GavelError("GAVEL_VALIDATION", "from must be before to", "from");
  return { from, to };
}
