// The page size and the next cursor of the list APIs (keyset paging: `before` is the last id of the page before).
import { Type } from "@sinclair/typebox";

/**
 * `limit`, 1 to 500. Query strings are text, and the validator does not coerce types (bodies must be typed exactly):
 * a page size is digits.
 */
export const PageLimit = Type.Optional(
  Type.String({ pattern: "^(500|[1-4][0-9]{2}|[1-9][0-9]?)$", description: "1 to 500 (default 50)" }),
);

export const pageSize = (limit: string | undefined, fallback = 50): number =>
  limit === undefined ? fallback : Number(limit);

/** `next_before` when the page is full (there may be more); a shorter page is the last. */
export function nextBefore(page: readonly { id: string }[], limit: number): { next_before?: string } {
  return page.length === limit && page.length > 0 ? { next_before: page[page.length - 1]!.id } : {};
}
