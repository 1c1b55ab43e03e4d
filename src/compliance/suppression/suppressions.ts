// Suppression lists as a service: changes go to the store first (durable), then into this instance's index; other
// instances hear which list changed through the store's change notification and read that list again.
import type { ChangeFeedPort, SuppressionsPort } from "../../store/ports.ts";
import type { SuppressionHash } from "../../store/store.ts";
import { type CsvProblem, parseSuppressionCsv } from "./suppression-csv.ts";
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
  readonly #store: SuppressionsPort & ChangeFeedPort;
  /**
   * Per list (ALL for every list), the reload running now and whether another was asked for meanwhile: it must see
   * changes made after its start, and two reloads of a list must not land out of order.
   */
  readonly #reloads = new Map<string, { running: Promise<void>; again: boolean }>();

  private constructor(store: SuppressionsPort & ChangeFeedPort) {
    this.#store = store;
  }

  /** Builds the index from everything the store holds. */
  static async open(store: SuppressionsPort & ChangeFeedPort): Promise<Suppressions> {
    const suppressions = new Suppressions(store);
    await suppressions.reload();
    return suppressions;
  }

  /**
   * Takes in another instance's change to a list: its hashes when the notification carries them (an opt-out added to
   * a million-hash list costs nothing), else the list read again. While a read of that list is running, it is read
   * once more instead: the running read may predate the change and land after it.
   */
  hear(change: { list: string; added?: readonly SuppressionHash[]; removed?: readonly SuppressionHash[] }) {
    const delta = change.added !== undefined || change.removed !== undefined;
    if (!delta || this.#reloads.has(change.list) || this.#reloads.has(ALL)) return this.reload(change.list);
    if (change.added) this.index.add(change.list, change.added);
    if (change.removed) this.index.remove(change.list, change.removed);
    return Promise.resolve();
  }

  /**
   * Reads one list (another instance changed it) or, without one, every list again into the index. Overlapping calls
   * for the same list coalesce into one more.
   */
  reload(listId?: string): Promise<void> {
    const key = listId ?? ALL;
    const current = this.#reloads.get(key);
    if (current) {
      current.again = true;
      return current.running;
    }
    const state = { running: Promise.resolve(), again: false };
    state.running = (async () => {
      try {
        do {
          state.again = false;
          const entries = await this.#store.loadSuppressions(listId);
          if (listId === undefined) this.index.replaceAll(entries);
          else this.index.replaceList(listId, entries);
        } while (state.again);
      } finally {
        this.#reloads.delete(key);
      }
    })();
    this.#reloads.set(key, state);
    return state.running;
  }

  /** Imports a CSV (see suppression-csv.ts) into a list; says which rows and values it could not take. */
  async importCsv(
    listId: string,
    csv: string,
  ): Promise<SuppressionChange & { unreadable: number; problems: CsvProblem[] }> {
    const { hashes, invalid, unreadable, problems } = await parseSuppressionCsv(csv);
    return { ...(await this.add(listId, hashes)), invalid, unreadable, problems };
  }

  async add(listId: string, hashes: readonly SuppressionHash[]): Promise<SuppressionChange> {
    const unique = distinct(hashes);
    const added = await this.#store.addSuppressions(listId, unique);
    this.index.add(listId, unique);
    await this.#store.notifyConfigChanged?.({
      topic: "suppressions",
      list: listId,
      ...(unique.length <= MAX_HASHES_NOTIFIED ? { added: unique } : {}),
    });
    return { list: listId, changed: added, unchanged: hashes.length - added, invalid: 0 };
  }

  async remove(listId: string, hashes: readonly SuppressionHash[]): Promise<SuppressionChange> {
    const unique = distinct(hashes);
    const removed = await this.#store.removeSuppressions(listId, unique);
    this.index.remove(listId, unique);
    await this.#store.notifyConfigChanged?.({
      topic: "suppressions",
      list: listId,
      ...(unique.length <= MAX_HASHES_NOTIFIED ? { removed: unique } : {}),
    });
    return { list: listId, changed: removed, unchanged: hashes.length - removed, invalid: 0 };
  }

  count(listId: string): Promise<number> {
    return this.#store.countSuppressions(listId);
  }
}

/**
 * A change of at most this many hashes is announced with them (about 80 bytes each as JSON: well inside PostgreSQL's
 * 8,000-byte NOTIFY payload); a larger one has the other instances read the list again.
 */
const MAX_HASHES_NOTIFIED = 50;

/** The reload key of every list at once (no list id is empty). */
const ALL = "";

function distinct(hashes: readonly SuppressionHash[]): SuppressionHash[] {
  const seen = new Map<string, SuppressionHash>();
  for (const hash of hashes) seen.set(hash.sha256, hash);
  return [...seen.values()];
}
