// The suppression lists in memory, so the ping and post paths check a consumer with two Set lookups per list and no
// database round trip (DESIGN rule 8). Built from the store at start; a list another instance changes is read again.
import type { SuppressionEntry, SuppressionHash } from "../../store/store.ts";
import type { ContactHashes } from "./suppression-hash.ts";

/** The list every buyer honours; a buyer's own list has the buyer's id. */
export const GLOBAL_LIST = "global";

export class SuppressionIndex {
  /** List id → the hashes it holds. Email and phone hashes share a set: no sha256 of one equals one of the other. */
  #lists = new Map<string, Set<string>>();

  /** Replaces everything the index holds with these entries. */
  replaceAll(entries: Iterable<SuppressionEntry>): void {
    const lists = new Map<string, Set<string>>();
    for (const entry of entries) listIn(lists, entry.list_id).add(entry.sha256);
    this.#lists = lists;
  }

  /** Replaces one list with these hashes (another instance changed it); the other lists stay as they are. */
  replaceList(listId: string, entries: Iterable<SuppressionHash>): void {
    const list = new Set<string>();
    for (const entry of entries) list.add(entry.sha256);
    if (list.size > 0) this.#lists.set(listId, list);
    else this.#lists.delete(listId);
  }

  add(listId: string, hashes: readonly SuppressionHash[]): void {
    const list = listIn(this.#lists, listId);
    for (const hash of hashes) list.add(hash.sha256);
  }

  remove(listId: string, hashes: readonly SuppressionHash[]): void {
    const list = this.#lists.get(listId);
    if (!list) return;
    for (const hash of hashes) list.delete(hash.sha256);
  }

  /** Whether the list holds this hash. */
  has(listId: string, sha256: string): boolean {
    return this.#lists.get(listId)?.has(sha256) ?? false;
  }

  /** How many hashes the list holds in memory. */
  size(listId: string): number {
    return this.#lists.get(listId)?.size ?? 0;
  }
}

function listIn(lists: Map<string, Set<string>>, listId: string): Set<string> {
  let list = lists.get(listId);
  if (!list) {
    list = new Set();
    lists.set(listId, list);
  }
  return list;
}

/**
 * The lists (global first, then the buyer's own) that hold any of these contact hashes: empty when the consumer may be
 * offered to the buyer. Pure and O(1): usable on the ping path with a seller's `contact_hash` as on the post path.
 */
export function suppressedLists(
  index: SuppressionIndex,
  contact: ContactHashes,
  buyerId: string,
): readonly string[] {
  // Without arrays or closures per call: it runs for every campaign of every ping that carries contact hashes.
  const email = typeof contact.email_sha256 === "string" ? contact.email_sha256.toLowerCase() : undefined;
  const phone = typeof contact.phone_sha256 === "string" ? contact.phone_sha256.toLowerCase() : undefined;
  if (email === undefined && phone === undefined) return NONE;
  const global = holdsAny(index, GLOBAL_LIST, email, phone);
  const own = buyerId !== GLOBAL_LIST && holdsAny(index, buyerId, email, phone);
  if (!global && !own) return NONE;
  return global && own ? [GLOBAL_LIST, buyerId] : [global ? GLOBAL_LIST : buyerId];
}

/** The answer for a consumer on no list: one shared empty list. */
const NONE: readonly string[] = Object.freeze([]);

function holdsAny(
  index: SuppressionIndex,
  listId: string,
  email: string | undefined,
  phone: string | undefined,
): boolean {
  return (
    (email !== undefined && index.has(listId, email)) || (phone !== undefined && index.has(listId, phone))
  );
}
