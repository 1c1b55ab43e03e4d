// The optional body of a source key rotation: how long the old key keeps working. A bare POST (no body, or `{}`)
// revokes the old key at once, as before grace periods existed; a leaked key is revoked that way.
import type { FastifyRequest } from "fastify";
import { GavelError } from "../errors.ts";

/** A week: long enough for a seller's release cycle, short enough that a forgotten old key does not live on. */
export const MAX_KEY_GRACE_MINUTES = 7 * 24 * 60;

export const KEY_GRACE_DESCRIPTION =
  `Body (optional): { "grace_minutes": 0-${MAX_KEY_GRACE_MINUTES} }: the old key is still accepted for that long, ` +
  "so the seller can switch without refused leads; without it (or 0) the old key stops working at once. A key from " +
  "an earlier rotation still in its grace period stops at once either way.";

/** The rotation's grace period and the time it starts from, read from the request's optional body. */
export function keyGraceOf(request: FastifyRequest): { seconds: number; now: number } {
  const body = request.body;
  const now = request.server.clock();
  if (body === undefined || body === null) return { seconds: 0, now };
  const keys = typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : undefined;
  const minutes = (body as { grace_minutes?: unknown }).grace_minutes;
  if (
    !keys ||
    keys.some((key) => key !== "grace_minutes") ||
    (minutes !== undefined &&
      (!Number.isInteger(minutes) || (minutes as number) < 0 || (minutes as number) > MAX_KEY_GRACE_MINUTES))
  ) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      `The body is optional: { "grace_minutes": an integer from 0 to ${MAX_KEY_GRACE_MINUTES} } or nothing`,
      "grace_minutes",
    );
  }
  return { seconds: ((minutes as number | undefined) ?? 0) * 60, now };
}
