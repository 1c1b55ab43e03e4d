// The suppression lists' statements, written once. A batch of hashes travels as one JSON array parameter: one
// statement per batch on both databases, whatever its size.
import type { SuppressionHash } from "../store.ts";
import { type Dialect, type Statement, statement } from "./dialect.ts";

/**
 * Adds the hashes not already on the list, one statement per kind (a flat array of strings is the cheapest JSON to
 * walk); the count of changed rows is how many were new.
 */
export function addSuppressions(
  d: Dialect,
  listId: string,
  hashes: readonly SuppressionHash[],
  at: number,
): Statement[] {
  return (["email", "phone"] as const).flatMap((kind) => {
    const ofKind = hashes.filter((hash) => hash.kind === kind).map((hash) => hash.sha256);
    if (ofKind.length === 0) return [];
    // `WHERE true`: SQLite reads an ON CONFLICT after a bare FROM as part of a join.
    const text = `INSERT INTO suppressions (list_id, sha256, kind, created_at)
      SELECT $1, h.value, $3, $4 FROM ${d.jsonTexts(2, "h")} WHERE true
      ON CONFLICT (list_id, sha256) DO NOTHING`;
    return [statement(d, text, [listId, JSON.stringify(ofKind), kind, at])];
  });
}

export const removeSuppressions = (
  d: Dialect,
  listId: string,
  hashes: readonly SuppressionHash[],
): Statement =>
  statement(d, `DELETE FROM suppressions WHERE list_id = $1 AND sha256 ${d.inJsonArray(2)}`, [
    listId,
    JSON.stringify(hashes.map((hash) => hash.sha256)),
  ]);

export const loadSuppressions = (d: Dialect, listId: string | undefined): Statement =>
  listId === undefined
    ? statement(d, "SELECT list_id, kind, sha256 FROM suppressions")
    : statement(d, "SELECT list_id, kind, sha256 FROM suppressions WHERE list_id = $1", [listId]);

export const countSuppressions = (d: Dialect, listId: string): Statement =>
  statement(d, "SELECT COUNT(*) AS count FROM suppressions WHERE list_id = $1", [listId]);
