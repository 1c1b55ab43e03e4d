// Suppression lists as a service: changes go to the store first (durable), then into this instance's index; other
// instances hear of them through the store's configuration notification and reload their index.
import type { Store, SuppressionHash } from "../../store/store.ts";
import { parseSuppressionCsv } from "./suppression-csv.ts";
import { SuppressionIndex } from "./suppression-index.ts";

export interface SuppressionChange {
  list: string;
  /** Hashes added (or removed) that were not (or were) on the list. */
  changed: number;
  /** Hashes given more than once, or already on the list (add) / not on it (remove). */
  unchanged: number;
  /** Values that were not a valid email, phone or sha256 hex. */
  invalid: number;
}

export class Suppressions {
  readonly index = new SuppressionIndex();
  readonly #store: Store;
  /** The reload running now, and whether another was asked for meanwhile (it must see changes made after its start). */
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  private constructor(store: Store) {
    this.#store = store;
  }

  /** Builds the index from everything the store holds. */
  static async open(store: Store): Promise<Suppressions> {
    const suppressions = new Suppressions(store);
    await suppressions.reload();
    return suppressions;
  }

  /** Rebuilds the index from the store: another instance changed a list. Overlapping calls coalesce into one more. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#reloadAgain = false;
          this.index.replaceAll(await this.#store.loadSuppressions());
        } while (this.#reloadAgain);
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  /** Imports a CSV (see suppression-csv.ts) into a list. */
  async importCsv(listId: string, csv: string): Promise<SuppressionChange> {
    const { hashes, invalid } = parseSuppressionCsv(csv);
    return { ...(await this.add(listId, hashes)), invalid };
  }

  async add(listId: string, hashes: readonly SuppressionHash[]): Promise<SuppressionChange> {
    const unique = distinct(hashes);
    const added = await this.#store.addSuppressions(listId, unique);
    this.index.add(listId, unique);
    await this.#store.notifyConfigChanged?.();
    return { list: listId, changed: added, unchanged: hashes.length - added, invalid: 0 };
  }

  async remove(listId: string, hashes: readonly SuppressionHash[]): Promise<SuppressionChange> {
    const unique = distinct(hashes);
    const removed = await this.#store.removeSuppressions(listId, unique);
    this.index.remove(listId, unique);
    await this.#store.notifyConfigChanged?.();
    return { list: listId, changed: removed, unchanged: hashes.length - removed, invalid: 0 };
  }

  count(listId: string): Promise<number> {
    return this.#store.countSuppressions(listId);
  }
}

function distinct(hashes: readonly SuppressionHash[]): SuppressionHash[] {
  const seen = new Map<string, SuppressionHash>();
  for (const hash of hashes) seen.set(hash.sha256, hash);
  return [...seen.values()];
}
